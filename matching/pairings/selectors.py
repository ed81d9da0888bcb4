"""Reads of pairings: the one a person may see (404 otherwise), the list, the profiles' working
languages, a pairing's next step and its coordinators."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from matching.hooks import reporting
from matching.meetings.compliance import AHEAD, DUE, LATE, MISSED, OPEN, Compliance
from matching.meetings.selectors import pairing_compliance, pairing_meetings
from matching.models import ActivityPlan, Pairing
from matching.pairings.access import pairings_visible_to
from matching.plans.selectors import approved_plan, pairing_plans
from participants.models import (
    Application,
    ApplicationLanguage,
    Membership,
    Role,
    User,
)
from programmes import access, cldr
from programmes.access import COORDINATE
from programmes.actor import Actor
from programmes.models import (
    WORKING_LANGUAGES,
    Country,
    Organisation,
    Project,
    ThematicArea,
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


@dataclass(frozen=True)
class PairingRow:
    """One row of the pairing list: names and labels, read as values, not models."""

    pk: int
    mentee: str
    mentee_country: str
    mentor: str
    mentor_country: str
    project: str
    area: str
    status: str
    status_label: str
    overridden: bool


# What the list reads of each pairing of the page, in one query: the pairing, its two people
# and its two applications' keys. Not the pairing's or the applications' long texts.
LIST_COLUMNS = (
    "pk", "project_id", "status", "overridden",
    "mentee__full_name", "mentee__email", "mentor__full_name", "mentor__email",
    "mentee_application__country_id", "mentee_application__thematic_area_id",
    "mentor_application__country_id",
)


def pairing_list(*, actor: Actor) -> QuerySet[Pairing]:
    """The pairings this person may see, newest first: the list filters and pages them, then
    reads one page's rows (pairing_rows)."""
    return pairings_visible_to(actor=actor).order_by("-created_at", "-pk")


def pairing_rows(pairings: QuerySet[Pairing], *, organisation: Organisation,
                 project_names: dict[int, str]) -> list[PairingRow]:
    """The rows of one page of `pairings` (already filtered and sliced), read as values with
    their people, then the countries and thematic areas of these rows in one small query each;
    the project names are the caller's (the list has read the projects for its filter), those
    it lacks read here.
    Joining the countries, area and project too made PostgreSQL plan a nine-table join on
    every request (some 4 ms, against 0.3 ms running it); model instances, prefetches and a
    translated status per row cost more than the rows' own reading."""
    values = list(pairings.values(*LIST_COLUMNS))
    codes = {code for row in values for code in (row["mentee_application__country_id"],
                                                  row["mentor_application__country_id"]) if code}
    countries = dict(Country.objects.filter(code__in=codes).values_list("code", "name")) \
        if codes else {}
    area_ids = {row["mentee_application__thematic_area_id"] for row in values} - {None}
    areas = dict(ThematicArea.objects.for_org(organisation).filter(pk__in=area_ids)
                 .values_list("pk", "name")) if area_ids else {}
    # A mentor or mentee still sees their pairing of a project that is no longer active,
    # which the filter does not offer: its name is read here.
    missing = {row["project_id"] for row in values} - set(project_names)
    if missing:
        project_names = {**project_names, **dict(Project.objects.for_org(organisation).filter(
            pk__in=missing).values_list("pk", "name"))}
    labels = {value: str(label) for value, label in S.choices}
    return [PairingRow(
        pk=row["pk"],
        mentee=row["mentee__full_name"] or row["mentee__email"],
        mentee_country=countries.get(row["mentee_application__country_id"], ""),
        mentor=row["mentor__full_name"] or row["mentor__email"],
        mentor_country=countries.get(row["mentor_application__country_id"], ""),
        project=project_names.get(row["project_id"], ""),
        area=areas.get(row["mentee_application__thematic_area_id"], ""),
        status=row["status"], status_label=labels.get(row["status"], row["status"]),
        overridden=row["overridden"],
    ) for row in values]


def application_languages(application: Application | None) -> list[str]:
    if application is None:
        return []
    names = dict(WORKING_LANGUAGES)
    return [f"{names.get(row.language, row.language)} ({row.get_level_display()})"
            for row in application.languages.all()]


def next_steps(*, pairing: Pairing, latest: ActivityPlan | None,
               approved: ActivityPlan | None, state: Compliance | None, user: User,
               can_manage: bool) -> list[str]:
    """What this pairing waits for, said to the person looking at it, most urgent first: what
    is late, then what the reports wait for, then what is due now, then the next thing ahead.
    `latest` and `approved` are its newest and its approved plan, `state` its compliance today
    (None without an approved plan)."""
    in_pair = user.pk in (pairing.mentee_id, pairing.mentor_id)
    partner = pairing.mentor if user.pk == pairing.mentee_id else pairing.mentee
    plan = ActivityPlan.Status
    if pairing.status == S.PROPOSED:
        answered = (pairing.mentee_accepted_at if user.pk == pairing.mentee_id
                    else pairing.mentor_accepted_at)
        if in_pair and not answered:
            return [_("Accept or decline this pairing.")]
        if in_pair:
            return [_("Waiting for %(name)s to accept.") % {"name": partner}]
        return [_("Waiting for the mentor and the mentee to accept.")]
    if pairing.status in (S.ACCEPTED, S.PLAN_AGREED, S.ACTIVE) and latest is not None \
            and latest.status in (plan.DRAFT, plan.SIGNED, plan.RETURNED):
        if latest.status == plan.SIGNED:
            return [_("Review the activity plan: approve it or return it with comments.")
                    if can_manage else _("Waiting for the coordinator to review the plan.")]
        if latest.status == plan.RETURNED:
            return [_("The coordinator returned the plan: revise it, then both sign again.")]
        signed = (latest.mentee_signed_at if user.pk == pairing.mentee_id
                  else latest.mentor_signed_at)
        if in_pair and signed:
            return [_("Waiting for %(name)s to sign the plan.") % {"name": partner}]
        if in_pair:
            return [_("Read the draft plan and sign it (or change it first).")]
        return [_("The pair is drafting the activity plan.")]
    if pairing.status == S.ACCEPTED:
        return [_("Draft the activity plan together, then both sign it.") if in_pair
                else _("The pair is drafting the activity plan.")]
    if pairing.status == S.PLAN_AGREED and approved is not None:
        if can_manage:
            return [_("The plan is approved: start the pairing on %(day)s.") % {
                "day": cldr.day(approved.start)}]
        return [_("The plan is approved: the pairing starts on %(day)s.") % {
            "day": cldr.day(approved.start)}]
    if pairing.status == S.ACTIVE:
        steps = _active_steps(pairing, approved, state, user=user, in_pair=in_pair,
                              can_manage=can_manage)
        if steps:
            return steps
    if pairing.status in (S.DECLINED, S.ENDED_EARLY):
        return [_("This pairing has ended: %(reason)s") % {"reason": pairing.end_reason}]
    return [str(S(pairing.status).label)]


def own_pairings_with_steps(*, actor: Actor, limit: int = 5) -> list[tuple[Pairing, list[str]]]:
    """A mentor's or mentee's own pairings (even someone who also coordinates sees only theirs
    here), newest first, each with what is next for them: for their home page. Each pairing
    reads its plans, meetings and reports (a person holds one or two pairings; `limit` caps it).
    """
    user = actor.user
    pairings = list(pairing_list(actor=actor).filter(Q(mentor=user) | Q(mentee=user))
                    .select_related("mentee", "mentor", "project")[:limit])
    shown = []
    for pairing in pairings:
        plans = pairing_plans(pairing)
        approved = approved_plan(plans)
        state = pairing_compliance(pairing, approved, pairing_meetings(pairing)) \
            if pairing.status == S.ACTIVE else None
        shown.append((pairing, next_steps(pairing=pairing, latest=plans[0] if plans else None,
                                          approved=approved, state=state, user=user,
                                          can_manage=False)))
    return shown


def _active_steps(pairing: Pairing, approved: ActivityPlan | None, state: Compliance | None,
                  *, user: User, in_pair: bool, can_manage: bool) -> list[str]:
    """An active pairing's steps from its compliance today: late, then the reports' review,
    then due now, then the next deadline ahead."""
    waiting = reporting().next_step(pairing, user=user, in_pair=in_pair, can_manage=can_manage)
    if approved is None or state is None:
        return [waiting] if waiting else []
    today = timezone.localdate()
    reports = ((_("interim report"), state.interim_report),
               (_("narrative report"), state.narrative_report))
    late, due, ahead = [], [], []
    for name, deadline in reports:
        day = {"report": name, "day": cldr.day(deadline.due),
               "late": cldr.day(deadline.late_after)}
        if deadline.state == LATE and deadline.held is None:
            late.append(_("The %(report)s is late: it was due on %(day)s. Write it and submit "
                          "it now.") % day if in_pair else
                        _("The %(report)s is late: it was due on %(day)s.") % day)
        elif deadline.state == DUE:
            due.append(_("The %(report)s is due now (since %(day)s); it is late after "
                         "%(late)s.") % day)
        elif deadline.state == AHEAD:
            ahead.append(_("The %(report)s, due on %(day)s.") % day)
    first = state.first_visit
    if first.state == MISSED:
        late.append(_("The first visit was due by %(day)s and none is logged.") % {
            "day": cldr.day(first.due)})
    elif first.state == OPEN:
        due.append(_("The first visit, by %(day)s.") % {"day": cldr.day(first.due)})
    month = next((m for m in state.months if today in m.period), None)
    if month is not None and month.state == OPEN:
        due.append(ngettext(
            "This month, until %(day)s: %(held)s online meeting held of the %(needed)s agreed.",
            "This month, until %(day)s: %(held)s online meetings held of the %(needed)s agreed.",
            month.held) % {"day": cldr.day(month.period.last_day), "held": month.held,
                           "needed": approved.online_meetings_per_month})
    return late + ([waiting] if waiting else []) + due + ahead[:1]


def coordinators_of(project: Project) -> list[User]:
    """Who coordinates this project: members with the coordinator role and the project's
    permission (an admin is not told of every plan)."""
    users = access.holders(projects=[project.pk], perm=COORDINATE)[project.pk]
    return [m.user for m in Membership.objects.for_org(project.organisation)
            .with_role(Role.COORDINATOR).filter(user__in=users).select_related("user")]
