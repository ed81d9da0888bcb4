"""Reads for matching and pairings: who may see which pairing, the pool the engine matches, and a
pairing's calendar."""

from dataclasses import dataclass, replace
from datetime import timedelta
from functools import cached_property

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from matching import engine
from matching.access import pairings_visible_to
from matching.compliance import Compliance, Held, compliance
from matching.hooks import HandedIn, reporting
from matching.ics import Event
from matching.models import ActivityPlan, Meeting, Pairing
from matching.schedule import Schedule
from participants.models import (
    Application,
    ApplicationLanguage,
    Membership,
    Role,
    User,
    hash_token,
)
from programmes import access
from programmes.access import COORDINATE
from programmes.actor import Actor
from programmes.models import (
    WORKING_LANGUAGES,
    Call,
    Country,
    Project,
    ThematicArea,
)
from programmes.rules import Rules

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


def pairing_list(*, actor: Actor) -> QuerySet[Pairing]:
    return pairings_visible_to(actor=actor).select_related(
        "project", "mentee", "mentor", "mentee_application__country",
        "mentor_application__country", "mentee_application__thematic_area",
    ).order_by("-created_at", "-pk")


def pairing_plans(pairing: Pairing) -> list[ActivityPlan]:
    """Every version of the plan, newest first, with its visits."""
    return list(
        ActivityPlan.objects.for_org(pairing.organisation).filter(pairing=pairing)
        .prefetch_related("visits").order_by("-version")
    )


def approved_plan(plans: list[ActivityPlan]) -> ActivityPlan | None:
    return next((plan for plan in plans if plan.status == ActivityPlan.Status.APPROVED), None)


def schedule_of(plan: ActivityPlan | None) -> Schedule | None:
    return Schedule(plan.start, plan.duration_months) if plan else None


def application_languages(application: Application | None) -> list[str]:
    if application is None:
        return []
    names = dict(WORKING_LANGUAGES)
    return [f"{names.get(row.language, row.language)} ({row.get_level_display()})"
            for row in application.languages.all()]


# --- The matching pool ------------------------------------------------------------------------

@dataclass(frozen=True)
class Pool:
    """What the engine matches, and the applications its ids (application ids) stand for."""

    project: Project
    call: Call | None
    mentees: list[engine.Mentee]
    mentors: list[engine.Mentor]
    rules: Rules
    applications: dict[int, Application]
    area_names: dict[int, str]
    language_names: dict[str, str]

    def mentee_applications(self) -> list[Application]:
        return sorted((self.applications[m.id] for m in self.mentees),
                      key=lambda a: (a.full_name.casefold(), a.pk))

    def mentor_applications(self) -> list[Application]:
        return sorted((self.applications[m.id] for m in self.mentors),
                      key=lambda a: (a.full_name.casefold(), a.pk))

    @cached_property
    def _mentors_by_id(self) -> dict[int, engine.Mentor]:
        return {m.id: m for m in self.mentors}

    @cached_property
    def _mentees_by_id(self) -> dict[int, engine.Mentee]:
        return {m.id: m for m in self.mentees}

    def mentor(self, application_id: int) -> engine.Mentor | None:
        return self._mentors_by_id.get(application_id)

    def mentee(self, application_id: int) -> engine.Mentee | None:
        return self._mentees_by_id.get(application_id)


def matching_calls(project: Project) -> QuerySet[Call]:
    """The mentee calls whose shortlist a coordinator may match on its own."""
    return Call.objects.for_org(project.organisation).filter(
        project=project, role_sought=Call.RoleSought.MENTEE
    ).order_by("-created_at")


def _shortlisted(project: Project, role: str) -> QuerySet[Application]:
    """Shortlisted applications of the project's calls for this role, from people who hold the
    role in the organisation (a pairing is made between members)."""
    member = Membership.objects.for_org(project.organisation).filter(
        user=OuterRef("applicant"), role=role
    )
    return (
        Application.objects.for_org(project.organisation)
        .filter(call__project=project, call__role_sought=role,
                status=Application.Status.SHORTLISTED, applicant__isnull=False)
        .filter(Exists(member))
        .select_related("country", "thematic_area", "applicant")
        .prefetch_related(
            Prefetch("languages", queryset=ApplicationLanguage.objects.for_org(
                project.organisation).filter(level__in=WORKING_LEVELS)),
            Prefetch("expertise_areas", queryset=ThematicArea.objects.for_org(
                project.organisation)),
        )
        .order_by("applicant_id", "-submitted_at", "-pk")
    )


def _newest_per_person(applications: QuerySet[Application]) -> list[Application]:
    # Someone shortlisted in two calls of the project is one person to pair: their newest
    # application speaks for them.
    seen: set[int | None] = set()
    kept = []
    for application in applications:
        if application.applicant_id not in seen:
            seen.add(application.applicant_id)
            kept.append(application)
    return kept


def matching_pool(*, project: Project, call: Call | None = None) -> Pool:
    """Shortlisted mentees (of the project, or of one of its calls) who are not in a live
    pairing and have not completed one on that application, and shortlisted mentors with places
    left, as the engine's dataclasses."""
    organisation = project.organisation
    live = Pairing.objects.for_org(organisation).filter(project=project, status__in=Pairing.LIVE)
    paired_mentees = set(live.values_list("mentee_id", flat=True))
    mentor_load: dict[int | None, int] = dict(
        live.values_list("mentor_id").annotate(n=Count("pk")).values_list("mentor_id", "n"))

    # A mentee whose pairing was completed has had their programme: that application is used.
    # (Never NULL in the subquery: NOT IN a list holding NULL would leave nobody.)
    mentee_qs = _shortlisted(project, Role.MENTEE).exclude(pk__in=Pairing.objects.for_org(
        organisation).filter(status=S.COMPLETED, mentee_application__isnull=False)
        .values("mentee_application"))
    if call is not None:
        mentee_qs = mentee_qs.filter(call=call)
    mentee_apps = [a for a in _newest_per_person(mentee_qs) if a.applicant_id not in paired_mentees]
    mentor_apps = _newest_per_person(_shortlisted(project, Role.MENTOR))

    def languages(application: Application) -> frozenset[str]:
        return frozenset(row.language for row in application.languages.all())

    mentees = [
        engine.Mentee(id=a.pk, name=a.full_name, country=a.country_id, area=a.thematic_area_id,
                      languages=languages(a), seniority=a.years_of_service or 0,
                      gender=a.gender)
        for a in mentee_apps
    ]
    mentors = []
    for a in mentor_apps:
        places = a.mentee_capacity - mentor_load.get(a.applicant_id, 0)
        if places > 0:
            mentors.append(engine.Mentor(
                id=a.pk, name=a.full_name, country=a.country_id,
                areas=frozenset({a.thematic_area_id, *(x.pk for x in a.expertise_areas.all())}),
                languages=languages(a), seniority=a.years_of_service or 0, gender=a.gender,
                capacity=places,
            ))
    applications = {a.pk: a for a in [*mentee_apps, *mentor_apps]}
    areas = ThematicArea.objects.for_org(organisation).filter(project=project)
    related: dict[int, set[int]] = {}
    for left, right in ThematicArea.related_areas.through.objects.filter(
        from_thematicarea__in=areas
    ).values_list("from_thematicarea_id", "to_thematicarea_id"):
        related.setdefault(left, set()).add(right)
    eu = frozenset(Country.objects.filter(is_eu_member=True).values_list("code", flat=True))
    partners = frozenset(project.partner_countries.values_list("code", flat=True))
    rules = replace(
        project.rules,
        mentor_countries=eu if project.mentors_from_eu_only else None,
        mentee_countries=partners if project.mentees_from_partner_countries_only else None,
        related_areas={area: frozenset(others) for area, others in related.items()},
    )
    return Pool(
        project=project, call=call, mentees=mentees, mentors=mentors, rules=rules,
        applications=applications, area_names=dict(areas.values_list("pk", "name")),
        language_names={code: str(name) for code, name in WORKING_LANGUAGES},
    )


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


# --- Meetings and compliance ------------------------------------------------------------------

def pairing_meetings(pairing: Pairing) -> list[Meeting]:
    return list(Meeting.objects.for_org(pairing.organisation).filter(pairing=pairing)
                .select_related("logged_by", "confirmed_by", "country"))


def meeting_for_member(*, actor: Actor, pairing: Pairing, pk: int) -> Meeting:
    return get_object_or_404(
        Meeting.objects.for_org(actor.organisation).filter(pairing=pairing), pk=pk)


def pairing_compliance(pairing: Pairing, plan: ActivityPlan | None, meetings: list[Meeting],
                       reports: HandedIn | None = None) -> Compliance | None:
    if plan is None:
        return None
    reports = reports or reporting().handed_in([pairing.pk])[pairing.pk]
    return compliance(
        schedule=Schedule(plan.start, plan.duration_months),
        held=[Held(m.day, m.kind == Meeting.Kind.IN_PERSON) for m in meetings],
        planned_visits=[visit.day for visit in plan.visits.all()],
        rules=pairing.project.rules, today=timezone.localdate(),
        interim_done=reports.interim, narrative_done=reports.narrative,
    )


@dataclass(frozen=True)
class ComplianceRow:
    pairing: Pairing
    state: Compliance | None


def compliance_rows(*, project: Project, pairings: QuerySet[Pairing]) -> list[ComplianceRow]:
    """Every pairing of the filtered list with its compliance, the latest first: six queries,
    whatever the number of pairings."""
    listed = list(pairings.select_related(
        "project", "mentee", "mentor", "mentee_application__country",
        "mentee_application__thematic_area", "mentor_application__country",
    ))
    ids = [pairing.pk for pairing in listed]
    plans = {plan.pairing_id: plan for plan in ActivityPlan.objects.for_org(project.organisation)
             .filter(pairing_id__in=ids, status=ActivityPlan.Status.APPROVED)
             .prefetch_related("visits")}
    meetings: dict[int, list[Meeting]] = {}
    for meeting in Meeting.objects.for_org(project.organisation).filter(pairing_id__in=ids):
        meetings.setdefault(meeting.pairing_id, []).append(meeting)
    reports = reporting().handed_in(ids)
    rows = [ComplianceRow(p, pairing_compliance(p, plans.get(p.pk), meetings.get(p.pk, []),
                                                reports[p.pk]))
            for p in listed]
    return sorted(rows, key=lambda row: (-(row.state.late_count if row.state else 0),
                                         row.pairing.mentee.full_name.casefold()))


def calendar_events(user: User) -> list[Event]:
    """A person's own pairings in every organisation, as calendar events: start, first visit
    deadline, planned visits, interim report, end, narrative report and feedback. In the
    person's language."""
    # Only where the person is still a member: leaving an organisation ends its feed too.
    member_of = Membership.unscoped.filter(user=user).values("organisation_id")
    pairings = (Pairing.unscoped.filter(Q(mentor=user) | Q(mentee=user))
                .filter(status__in=[S.PLAN_AGREED, S.ACTIVE, S.COMPLETED],
                        organisation__in=member_of)
                .select_related("project", "mentor", "mentee"))
    plans = {plan.pairing_id: plan for plan in ActivityPlan.unscoped.filter(
        pairing__in=pairings, status=ActivityPlan.Status.APPROVED).prefetch_related("visits")}
    events: list[Event] = []
    with translation.override(user.language):
        for pairing in pairings:
            plan = plans.get(pairing.pk)
            if plan is None:
                continue
            partner = pairing.mentee if user.pk == pairing.mentor_id else pairing.mentor
            schedule = Schedule(plan.start, plan.duration_months)
            rules = pairing.project.rules
            where = _("%(project)s, with %(name)s") % {"project": pairing.project.name,
                                                       "name": partner}
            dated = [
                ("start", schedule.start, _("Pairing starts")),
                ("first-visit", schedule.first_months_end(rules.first_visit_within_months),
                 _("First in-person visit due")),
                ("interim", schedule.halfway, _("Interim report due")),
                ("end", schedule.end, _("Pairing ends")),
                ("narrative", schedule.end + timedelta(days=rules.narrative_report_due_days),
                 _("Narrative report and feedback due")),
            ]
            dated += [(f"visit-{visit.pk}", visit.day,
                       _("Planned visit: %(place)s") % {"place": visit.place})
                      for visit in plan.visits.all()]
            events += [Event(uid=f"pairing-{pairing.pk}-{key}", day=day,
                             summary=f"{summary} ({pairing.project.name})", description=where)
                       for key, day, summary in dated]
    return sorted(events, key=lambda event: (event.day, event.uid))


def calendar_owner(token: str) -> User | None:
    """Whose calendar feed this secret opens; nobody for an empty, wrong or renewed one."""
    if not token:
        return None
    return User.objects.filter(calendar_token_hash=hash_token(token), is_active=True).first()
