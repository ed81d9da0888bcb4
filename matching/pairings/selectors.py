"""Reads of pairings: the one a person may see (404 otherwise), the list, the profiles' working
languages, a pairing's next step and its coordinators."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from matching.hooks import reporting
from matching.models import ActivityPlan, Pairing
from matching.pairings.access import pairings_visible_to
from matching.schedule import Schedule
from participants.models import (
    Application,
    ApplicationLanguage,
    Membership,
    Role,
    User,
)
from programmes import access
from programmes.access import COORDINATE
from programmes.actor import Actor
from programmes.models import (
    WORKING_LANGUAGES,
    Project,
)

S = Pairing.Status


# A language spoken only at a basic level is not a working language for a pairing.
WORKING_LEVELS = (ApplicationLanguage.Level.WORKING, ApplicationLanguage.Level.FLUENT,
                  ApplicationLanguage.Level.NATIVE)


def pairing_for_member(*, actor: Actor, pk: int, for_change: bool) -> Pairing:
    """A pairing this person may see, or 404 (another organisation's, or someone else's, looks
    like a missing one). `for_change` is the coordinator's side: moves and plan reviews; the
    pair's own actions are checked by the services."""
    pairing = get_object_or_404(
        pairings_visible_to(actor=actor).select_related(
            "project", "mentee", "mentor",
            "mentee_application__country", "mentee_application__thematic_area",
            "mentor_application__country", "mentor_application__thematic_area",
            "engine_proposal",
        ),
        pk=pk,
    )
    if for_change:
        access.require(actor=actor, action="manage", obj=pairing)
    return pairing


# What a row of the pairing list shows (and the home page's): read alone, not the pairing's
# and the applications' long texts.
LIST_FIELDS = (
    "organisation_id", "project_id", "status", "overridden", "created_at",
    "mentee__full_name", "mentee__email", "mentor__full_name", "mentor__email",
    "mentee_application__country", "mentee_application__thematic_area",
    "mentor_application__country",
)


def pairing_list(*, actor: Actor) -> QuerySet[Pairing]:
    """The pairings this person may see, newest first, with what the list shows. The page's
    pairings are joined to their people and applications only: the project, the countries
    and the thematic area (a handful of rows) come in small queries of their own. Joined
    too, PostgreSQL spent some 4 ms planning the nine-table join on every request (against
    0.3 ms running it), and SQLite led its plan with the project and sorted every pairing
    before cutting the page."""
    return (pairings_visible_to(actor=actor)
            .select_related("mentee", "mentor", "mentee_application", "mentor_application")
            .prefetch_related("project", "mentee_application__country",
                              "mentee_application__thematic_area", "mentor_application__country")
            .only(*LIST_FIELDS)
            .order_by("-created_at", "-pk"))


def application_languages(application: Application | None) -> list[str]:
    if application is None:
        return []
    names = dict(WORKING_LANGUAGES)
    return [f"{names.get(row.language, row.language)} ({row.get_level_display()})"
            for row in application.languages.all()]


def next_step(*, pairing: Pairing, latest: ActivityPlan | None, schedule: Schedule | None,
              user: User, can_manage: bool) -> str:
    """One sentence: what this pairing waits for, said to the person looking at it."""
    in_pair = user.pk in (pairing.mentee_id, pairing.mentor_id)
    partner = pairing.mentor if user.pk == pairing.mentee_id else pairing.mentee
    plan = ActivityPlan.Status
    if pairing.status == S.PROPOSED:
        answered = (pairing.mentee_accepted_at if user.pk == pairing.mentee_id
                    else pairing.mentor_accepted_at)
        if in_pair and not answered:
            return _("Accept or decline this pairing.")
        if in_pair:
            return _("Waiting for %(name)s to accept.") % {"name": partner}
        return _("Waiting for the mentor and the mentee to accept.")
    if pairing.status in (S.ACCEPTED, S.PLAN_AGREED, S.ACTIVE) and latest is not None \
            and latest.status in (plan.DRAFT, plan.SIGNED, plan.RETURNED):
        if latest.status == plan.SIGNED:
            return _("Review the activity plan: approve it or return it with comments.") \
                if can_manage else _("Waiting for the coordinator to review the plan.")
        if latest.status == plan.RETURNED:
            return _("The coordinator returned the plan: revise it, then both sign again.")
        signed = (latest.mentee_signed_at if user.pk == pairing.mentee_id
                  else latest.mentor_signed_at)
        if in_pair and signed:
            return _("Waiting for %(name)s to sign the plan.") % {"name": partner}
        if in_pair:
            return _("Read the draft plan and sign it (or change it first).")
        return _("The pair is drafting the activity plan.")
    if pairing.status == S.ACCEPTED:
        return _("Draft the activity plan together, then both sign it.") if in_pair \
            else _("The pair is drafting the activity plan.")
    if pairing.status == S.PLAN_AGREED and schedule is not None:
        if can_manage:
            return _("The plan is approved: start the pairing on %(day)s.") % {
                "day": date_format(schedule.start)}
        return _("The plan is approved: the pairing starts on %(day)s.") % {
            "day": date_format(schedule.start)}
    if pairing.status == S.ACTIVE:
        waiting = reporting().next_step(pairing, user=user, in_pair=in_pair,
                                        can_manage=can_manage)
        if waiting:
            return waiting
    if pairing.status == S.ACTIVE and schedule is not None:
        if timezone.localdate() <= schedule.halfway:
            return _("The interim report, due on %(day)s.") % {
                "day": date_format(schedule.halfway)}
        return _("The narrative report and feedback, at the end on %(day)s.") % {
            "day": date_format(schedule.end)}
    if pairing.status in (S.DECLINED, S.ENDED_EARLY):
        return _("This pairing has ended: %(reason)s") % {"reason": pairing.end_reason}
    return str(S(pairing.status).label)


def coordinators_of(project: Project) -> list[User]:
    """Who coordinates this project: members with the coordinator role and the project's
    permission (an admin is not told of every plan)."""
    users = access.holders(projects=[project.pk], perm=COORDINATE)[project.pk]
    return [m.user for m in Membership.objects.for_org(project.organisation)
            .with_role(Role.COORDINATOR).filter(user__in=users).select_related("user")]
