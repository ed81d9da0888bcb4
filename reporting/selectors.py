"""Reads for reports, feedback, the project dashboard and the highlights report."""

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date

from django import forms
from django.db.models import Avg, Count, Max, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from matching.budget.selectors import BudgetFigures, budget_figures
from matching.hooks import HandedIn
from matching.meetings.selectors import pairing_compliance, pairing_meetings
from matching.meetings.services import compliance_catch_up
from matching.models import ActivityPlan, Meeting, Pairing, PairingCompliance
from matching.pairings.access import in_pair
from matching.plans.selectors import approved_plan, approved_schedule, pairing_plans
from matching.schedule import Schedule
from participants.activities.selectors import ActivityFigures, activity_figures
from participants.models import Application, User
from programmes import access, cldr
from programmes.actor import Actor
from programmes.models import Country, Project, ThematicArea
from reporting.models import Export, Feedback, Indicator, Report

S = Pairing.Status

# The highlights' groups of statuses, as the programmes publish them.
GROUPS = {
    "active": (S.ACTIVE,),
    "starting": (S.ACCEPTED, S.PLAN_AGREED),  # agreed, not started yet
    "finished": (S.COMPLETED,),
    "proposed": (S.PROPOSED,),
    "ended": (S.DECLINED, S.ENDED_EARLY),
}
# What each figure counts, said in full on the dashboard and the highlights report.
GROUP_LABELS = {
    "active": gettext_lazy("Active pairs"),
    "starting": gettext_lazy("Pairs accepted, not started yet"),
    "finished": gettext_lazy("Pairs completed"),
    "proposed": gettext_lazy("Proposals awaiting an answer"),
    "ended": gettext_lazy("Proposals declined or pairs ended early"),
}
# The same groups as the series of a chart and the columns of a table, whose title says they
# count pairs.
SERIES_LABELS = {"active": gettext_lazy("Active"), "starting": gettext_lazy("Starting"),
                 "finished": gettext_lazy("Completed")}
CHARTED = ("active", "starting", "finished")  # the series of the highlights' charts
FEEDBACK_SHOWN_FROM = 3  # answers, before their averages are shown


def group_of(status: str) -> str:
    return next(name for name, statuses in GROUPS.items() if status in statuses)


# --- Reports and feedback ---------------------------------------------------------------------

# A bullet or a number at the start of an objective's line, as people type them.
BULLET = re.compile(r"^\s*(?:[-*•·]|\d+[.)])\s*")


def plan_objectives(plan: ActivityPlan | None) -> list[str]:
    """The approved plan's objectives, one a line, without their bullets."""
    if plan is None:
        return []
    lines = (BULLET.sub("", line).strip() for line in plan.objectives.splitlines())
    return [line for line in lines if line] or [plan.objectives.strip()]


def report_opens(pairing: Pairing, kind: str, schedule: Schedule | None) -> date | None:
    """The first day the pair may write this report: the interim report once the pairing has
    started, the narrative report in its last month. None when there is no approved plan."""
    if schedule is None:
        return None
    if kind == Report.Kind.INTERIM:
        return schedule.start
    return schedule.months[-1].first_day


def _ahead(day: date | None) -> date | None:
    return day if day is not None and day > timezone.localdate() else None


def current_report(pairing: Pairing, kind: str) -> Report:
    """The latest version of a report; before the first keystroke, an unsaved draft holding
    the approved plan's objectives."""
    latest = (Report.objects.for_org(pairing.organisation).filter(pairing=pairing, kind=kind)
              .select_related("last_edited_by").order_by("-version").first())
    if latest is not None:
        return latest
    plan = ActivityPlan.objects.for_org(pairing.organisation).filter(
        pairing=pairing, status=ActivityPlan.Status.APPROVED).first()
    return Report(organisation_id=pairing.organisation_id, pairing=pairing, kind=kind,
                  objectives=[{"objective": text, "progress": "", "rating": None}
                              for text in plan_objectives(plan)])


def pairing_reporting(*, actor: Actor, pairing: Pairing) -> dict:
    """The reports, feedback and certificates part of the pairing page."""
    reports = pairing_reports(pairing)
    shown = reports_shown_to(actor=actor, reports=reports, pairing=pairing)
    schedule = approved_schedule(pairing)
    given = set(Feedback.objects.for_org(actor.organisation).filter(pairing=pairing)
                .values_list("author_id", flat=True))
    return {
        # Each report with the day it opens for writing, while that day is still ahead.
        "report_rows": [(kind, label, shown[kind], _ahead(report_opens(pairing, kind, schedule)))
                        for kind, label in Report.Kind.choices],
        "feedback_shown": feedback_shown_to(actor=actor, pairing=pairing),
        "feedback_given": actor.user.pk in given,
        "feedback_count": len(given),
        "can_follow": access.may(actor=actor, action="follow", obj=pairing.project),
        "narrative_accepted": any(r.status == Report.Status.ACCEPTED
                                  for r in reports[Report.Kind.NARRATIVE]),
    }

def pairing_reports(pairing: Pairing) -> dict[str, list[Report]]:
    """Every version of each report, newest first."""
    reports: dict[str, list[Report]] = {kind: [] for kind in Report.Kind.values}
    for report in (Report.objects.for_org(pairing.organisation).filter(pairing=pairing)
                   .select_related("submitted_by", "reviewed_by", "last_edited_by")
                   .order_by("kind", "-version")):
        reports[report.kind].append(report)
    return reports


def reports_shown_to(*, actor: Actor, pairing: Pairing,
                     reports: dict[str, list[Report]] | None = None) -> dict[str, list[Report]]:
    """The versions of each report this person sees (the pairing was fetched through
    `pairing_for_member`): a draft is the pair's own; others see the versions handed in."""
    pair = in_pair(actor=actor, pairing=pairing)
    return {kind: [r for r in versions if pair or r.status != Report.Status.DRAFT]
            for kind, versions in (reports or pairing_reports(pairing)).items()}


def report_for_member(*, actor: Actor, pairing: Pairing, kind: str, version: int) -> Report:
    """A version of a report of a pairing the person sees (the pairing was fetched through
    `pairing_for_member`). A draft is the pair's own until submitted."""
    report = get_object_or_404(
        Report.objects.for_org(actor.organisation).filter(pairing=pairing, kind=kind)
        .select_related("submitted_by", "reviewed_by"), version=version)
    if report.status == Report.Status.DRAFT and not in_pair(actor=actor, pairing=pairing):
        raise Http404
    return report


def feedback_shown_to(*, actor: Actor, pairing: Pairing) -> list[Feedback]:
    """Feedback is private: a participant sees only their own; the project's coordinators and
    the organisation's admins see both; observers see only averages (the dashboard)."""
    feedback = Feedback.objects.for_org(actor.organisation).filter(
        pairing=pairing).select_related("author")
    if in_pair(actor=actor, pairing=pairing):
        return list(feedback.filter(author_id=actor.user.pk))
    if access.may(actor=actor, action="manage", obj=pairing.project):
        return list(feedback)
    return []


def handed_in(pairing_ids: list[int]) -> dict[int, HandedIn]:
    """For compliance and reminders: three queries, whatever the number of pairings. A report
    counts as handed in on the day it first came, unless it was returned and its revision has
    not come back yet."""
    if not pairing_ids:
        return {}
    firsts: dict[tuple[int, str], date] = {}
    for pairing_id, kind, first in (
            Report.unscoped.filter(pairing_id__in=pairing_ids, submitted_at__isnull=False)
            .values_list("pairing_id", "kind").annotate(first=Min("submitted_at"))
            .values_list("pairing_id", "kind", "first")):
        firsts[pairing_id, kind] = timezone.localdate(first)
    # A returned report is out again until its next version is submitted.
    for pairing_id, kind in Report.unscoped.filter(
            pairing_id__in=pairing_ids, status=Report.Status.DRAFT, version__gt=1
    ).values_list("pairing_id", "kind"):
        firsts.pop((pairing_id, kind), None)
    feedback = {pairing_id: (count, timezone.localdate(last)) for pairing_id, count, last in
                Feedback.unscoped.filter(pairing_id__in=pairing_ids).values_list("pairing_id")
                .annotate(count=Count("pk"), last=Max("created_at"))
                .values_list("pairing_id", "count", "last")}
    result = {}
    for pairing_id in pairing_ids:
        narrative = firsts.get((pairing_id, Report.Kind.NARRATIVE))
        count, last = feedback.get(pairing_id, (0, None))
        result[pairing_id] = HandedIn(
            interim=firsts.get((pairing_id, Report.Kind.INTERIM)),
            narrative=max(narrative, last) if narrative and last and count >= 2 else None,
        )
    return result


def report_step(pairing: Pairing, *, user: User, in_pair: bool, can_manage: bool) -> str:
    """What a report or the feedback waits for, if anything."""
    latest = {}
    for report in Report.objects.for_org(pairing.organisation).filter(
            pairing=pairing).order_by("kind", "version"):
        latest[report.kind] = report
    for report in sorted(latest.values(), key=lambda r: r.kind != Report.Kind.NARRATIVE):
        label = report.get_kind_display()
        if report.status == Report.Status.SUBMITTED:
            return (_("Review the %(report)s: accept it or return it with comments.")
                    if can_manage else
                    _("The %(report)s waits for the coordinator's review.")) % {
                "report": label.lower()}
        if report.status == Report.Status.DRAFT and report.version > 1:
            return _("The coordinator returned the %(report)s: revise it and submit it "
                     "again.") % {"report": label.lower()}
    narrative = latest.get(Report.Kind.NARRATIVE)
    if narrative is not None and narrative.status == Report.Status.ACCEPTED:
        given = set(Feedback.objects.for_org(pairing.organisation).filter(pairing=pairing)
                    .values_list("author_id", flat=True))
        if in_pair and user.pk not in given:
            return _("The narrative report is accepted: give your feedback to complete the "
                     "pairing.")
        return _("Waiting for the participants' feedback to complete the pairing.")
    return ""


def meeting_log(pairing: Pairing) -> list[dict]:
    """The pairing's meetings as a report keeps them (JSON), oldest first."""
    return [{"day": m.day.isoformat(), "kind": m.kind, "minutes": m.duration_minutes,
             "topics": m.topics, "confirmed": m.confirmed_at is not None}
            for m in sorted(pairing_meetings(pairing), key=lambda m: (m.day, m.pk))]


def meetings_of(report: Report) -> list[dict]:
    """The meeting log of a report: as submitted, or (a draft) as it stands now."""
    log = report.meetings_held if report.status != Report.Status.DRAFT else meeting_log(
        report.pairing)
    kinds = dict(Meeting.Kind.choices)
    return [{**row, "day": date.fromisoformat(row["day"]), "kind_label": kinds.get(row["kind"])}
            for row in log]


# --- Dossier ----------------------------------------------------------------------------------

def dossier(pairing: Pairing, *, contacts: bool) -> dict:
    """Everything about a pairing, for its dossier: profiles, plan, meeting log, compliance,
    reports (the versions handed in)."""
    plans = pairing_plans(pairing)
    plan = approved_plan(plans)
    meetings = sorted(pairing_meetings(pairing), key=lambda m: (m.day, m.pk))
    handed = [report for versions in pairing_reports(pairing).values() for report in versions
              if report.status != Report.Status.DRAFT]
    for report in handed:
        report.meetings_log = meetings_of(report)
    return {
        "pairing": pairing, "plan": plan or (plans[0] if plans else None),
        "profiles": [(_("Mentor"), pairing.mentor, pairing.mentor_application),
                     (_("Mentee"), pairing.mentee, pairing.mentee_application)],
        "meetings": meetings, "compliance": pairing_compliance(pairing, plan, meetings),
        "reports": sorted(handed, key=lambda r: (r.kind != Report.Kind.INTERIM, r.version)),
        "events": list(pairing.events.select_related("by")), "contacts": contacts,
        **_pairing_budget(pairing),
    }


def _pairing_budget(pairing: Pairing) -> dict:
    """The pairing's planned, claimed and approved totals (the pairing page's, in the PDF)."""
    figures = budget_figures(project=pairing.project, pairings=[pairing])
    return {"budget": figures, "money": figures.pairings.get(pairing.pk)}


# --- Dashboard and highlights -----------------------------------------------------------------

def dashboard_pairings(project: Project) -> QuerySet[Pairing]:
    """The project's pairings with the day each starts (its approved plan's start, or the day
    it was proposed), which the period filter reads."""
    # Ordered by version alone: the plans' default order starts with their pairing's, which
    # would join the pairing again in every row's subquery for an order that cannot differ.
    plan_start = ActivityPlan.objects.for_org(project.organisation).filter(
        pairing=OuterRef("pk"), status=ActivityPlan.Status.APPROVED).order_by(
        "-version").values("start")[:1]
    return (Pairing.objects.for_org(project.organisation).filter(project=project)
            .annotate(start_day=Coalesce(Subquery(plan_start), TruncDate("created_at"))))


@dataclass
class Highlights:
    total: int
    by_group: dict[str, int]
    by_theme: list[tuple[str, list[int]]]  # (area, [active, starting, finished])
    by_mentee_country: list[tuple[str, list[int]]]
    by_mentor_country: list[tuple[str, list[int]]]
    applications_by_country: list[tuple[str, int]]
    on_track: int  # active pairings with nothing late
    behind: int  # active pairings with something late
    late_items: list[tuple[str, int]]  # (what, how many)
    feedback: dict[str, float | int | None]
    # The visit budget of these pairings (matching.budget.selectors); None in older callers.
    budget: BudgetFigures | None = None

    @property
    def group_rows(self) -> list[tuple[str, str, int]]:
        return [(name, str(GROUP_LABELS[name]), self.by_group[name]) for name in GROUPS]


# Each breakdown: the key the pairings are grouped by, and where its names are read.
BREAKDOWNS = {"by_theme": "mentee_application__thematic_area_id",
              "by_mentee_country": "mentee_application__country_id",
              "by_mentor_country": "mentor_application__country_id"}


def _breakdowns(project: Project, pairings: QuerySet[Pairing],
                countries: dict[str, str]) -> tuple[dict[str, int], dict[str, list]]:
    """The pairings by status, and the charted ones by theme, mentee's country and mentor's
    country, from one GROUP BY over the four keys, then the names of the keys found (two
    small queries): each group is a handful of pairings or many, three joins' worth of
    grouping cost three times one, and grouping by the countries' and themes' names rather
    than their keys joined three more tables to every pairing (14 ms against 10 ms at 10,000
    pairings on PostgreSQL). `countries`: every country's name, by code."""
    rows = list(pairings.values_list(*BREAKDOWNS.values(), "status").annotate(n=Count("pk"))
                .values_list(*BREAKDOWNS.values(), "status", "n"))
    themes = dict(ThematicArea.objects.for_org(project.organisation).filter(
        pk__in={row[0] for row in rows} - {None}).values_list("pk", "name"))
    names: dict[str, dict] = {"by_theme": themes, "by_mentee_country": countries,
                              "by_mentor_country": countries}
    by_status: Counter = Counter()
    counts: dict[str, dict[str, Counter]] = {name: defaultdict(Counter) for name in BREAKDOWNS}
    charted = {s for group in CHARTED for s in GROUPS[group]}
    for *keys, status, n in rows:
        by_status[status] += n
        if status in charted:
            for breakdown, key in zip(BREAKDOWNS, keys, strict=True):
                name = names[breakdown].get(key) or _("Not given")
                counts[breakdown][name][group_of(status)] += n
    charts = {}
    for breakdown, by_name in counts.items():
        chart = [(name, [counter[group] for group in CHARTED]) for name, counter in by_name.items()]
        charts[breakdown] = sorted(chart, key=lambda row: (-sum(row[1]), row[0]))
    return dict(by_status), charts


LATE_KINDS = {
    "month": gettext_lazy("Months without an online meeting"),
    "period": gettext_lazy("Periods without a visit"),
    "first_visit": gettext_lazy("First visit late or missed"),
    "interim_report": gettext_lazy("Interim report late"),
    "narrative_report": gettext_lazy("Narrative report late"),
}


def highlights(*, project: Project, pairings: QuerySet[Pairing],
               applications: QuerySet[Application], with_budget: bool = True) -> Highlights:
    """The figures of the dashboard and of the highlights report, in a fixed number of queries
    whatever the number of pairings. What is late is read from the kept compliance, first
    brought up to date where its day has come (compliance_catch_up)."""
    # The countries: a reference table of a few hundred rows at most, read whole once.
    # Their names in the reader's language, from CLDR (the stored name where CLDR has none).
    countries = {code: cldr.country_name(code, name)
                 for code, name in Country.objects.values_list("code", "name")}
    by_status, charts = _breakdowns(project, pairings, countries)
    by_group = {name: sum(by_status.get(s, 0) for s in statuses)
                for name, statuses in GROUPS.items()}
    # What is late, from the kept compliance of the active pairings: one aggregate query.
    compliance_catch_up(project=project)
    late = PairingCompliance.objects.for_org(project.organisation).filter(
        pairing__in=pairings.filter(status=S.ACTIVE).values("pk")).aggregate(
        # Counted by pairing, not row id: the index "compliance_late" holds all it reads.
        behind=Count("pairing", filter=Q(late_count__gt=0)), month=Sum("late_months"),
        period=Sum("late_periods"), first_visit=Count("pairing", filter=Q(first_visit_late=True)),
        interim_report=Count("pairing", filter=Q(interim_late=True)),
        narrative_report=Count("pairing", filter=Q(narrative_late=True)))
    behind = late["behind"]
    feedback = Feedback.objects.for_org(project.organisation).filter(
        pairing__in=pairings.values("pk")).aggregate(
        count=Count("pk"), satisfaction=Avg("satisfaction"), objectives_met=Avg("objectives_met"),
        support_received=Avg("support_received"),
        recommend=Count("pk", filter=Q(would_recommend=True)))
    applications_by_country = sorted(
        ((countries.get(code) or _("Not given"), n) for code, n in applications.order_by()
         .values_list("country_id").annotate(n=Count("pk")).values_list("country_id", "n")),
        key=lambda row: (-row[1], row[0]))
    return Highlights(
        total=sum(by_group.values()), by_group=by_group,
        by_theme=charts["by_theme"], by_mentee_country=charts["by_mentee_country"],
        by_mentor_country=charts["by_mentor_country"],
        applications_by_country=applications_by_country,
        on_track=by_status.get(S.ACTIVE, 0) - behind, behind=behind,
        late_items=[(str(label), late[code]) for code, label in LATE_KINDS.items()
                    if late[code]],
        # Averages of fewer answers would give away one person's feedback (a filter can
        # narrow the figures to one pairing).
        feedback=feedback if feedback["count"] >= FEEDBACK_SHOWN_FROM
        else {"count": feedback["count"], "hidden": True},
        # The dashboard asks for the budget apart, once its page is shown.
        budget=budget_figures(project=project, pairings=pairings) if with_budget else None,
    )


def period_activity_figures(project: Project, form: forms.Form) -> ActivityFigures:
    """The programme activities held in the dashboard filter's period (its "starting from" and
    "starting until" days); the whole life of the project without one (or with a filter that
    is not valid: then the page shows no pairing figures either)."""
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    return activity_figures(project=project, start=data.get("start_from"),
                            end=data.get("start_to"))


def project_applications(project: Project) -> QuerySet[Application]:
    """The applications handed in to the project's calls: submitted once at least (those
    later shortlisted, held in reserve, declined or withdrawn included), never a nomination
    whose candidate has not submitted."""
    return Application.objects.for_org(project.organisation).filter(
        call__project=project, submitted_at__isnull=False)


# --- Exports ----------------------------------------------------------------------------------

def export_for_member(*, actor: Actor, pk: int) -> Export:
    """An export is its requester's own, and only while they still follow its project: anyone
    else's, like a missing one, is not found."""
    export = get_object_or_404(
        Export.objects.for_org(actor.organisation).filter(requested_by_id=actor.user.pk)
        .select_related("project").defer("content"), pk=pk)
    if export.project is not None and not access.may(actor=actor, action="follow",
                                                     obj=export.project):
        raise Http404
    return export


def recent_exports(*, actor: Actor, project: Project) -> list[Export]:
    return list(Export.objects.for_org(actor.organisation).filter(
        requested_by_id=actor.user.pk, project=project).defer("content")[:5])



# --- Donor indicators -------------------------------------------------------------------------

def project_indicators(project: Project) -> QuerySet[Indicator]:
    return Indicator.objects.for_org(project.organisation).filter(project=project)


def indicator_for_member(*, actor: Actor, project: Project, pk: int) -> Indicator:
    """One of the project's indicators; another project's or organisation's is not found."""
    return get_object_or_404(project_indicators(project).filter(
        organisation=actor.organisation), pk=pk)
