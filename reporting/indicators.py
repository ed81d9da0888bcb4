"""What each donor indicator counts, over a period, for a project's pairings (narrowed by the
dashboard's country and thematic area).

Every figure is read from dated facts (a plan's dates, the day a pairing started, completed or
ended, a meeting's day), never from today's date or a pairing's status today, so the same
period gives the same numbers whenever it is asked. A fixed number of queries per indicator,
whatever the number of pairings.

- Officers mentored: the mentees of the pairings mentored in the period: pairings that started
  (an event to active) whose approved plan's span overlaps the period, the span ending on the
  day the pairing completed or ended early, if it did.
- Share of women: of those officers, the share whose application gives their gender as female
  (an officer who gave none counts as not a woman: the figure never overstates).
- Countries covered: the distinct countries of those officers (their application's).
- Pairs completed on time: pairings completed within the period, on or before the day their
  narrative report and feedback fell due with its grace period.
- Meetings held per pair: the meetings held within the period (confirmed, or logged and not
  disputed) by the pairings mentored in it, divided by their number.
- Visits funded and the visit budget used: matching.budget.selectors.budget_figures for the
  visits held in the period (by the visit's day): funded visits whose claim was approved or
  adjusted, and their approved amounts in the budget's currency at the recorded rates; a claim
  in a currency without a rate is named apart, never added.
- Average competency gain: reporting.outcomes.competency_gain, the participants whose end
  self-assessment falls in the period (and who gave the start one); none below its group size.
- Programme activities held, and attendance: participants.activities.selectors.activity_figures
  (activities not cancelled whose last day falls in the period; attended of those invited, where
  attendance was recorded). Of the whole project: activities have no mentee's country.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import cast

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from matching.budget.selectors import BudgetFigures, budget_figures
from matching.models import ActivityPlan, Meeting, Pairing, PairingEvent
from matching.schedule import add_months
from participants.activities.selectors import ActivityFigures, activity_figures
from participants.models import Application
from programmes.cldr import country_name
from programmes.models import Project
from reporting.models import Indicator
from reporting.outcomes import competency_gain

M = Indicator.Metric
S = Pairing.Status

PERCENT: set[str] = {M.WOMEN_SHARE, M.ATTENDANCE}
MONEY: set[str] = {M.BUDGET_USED}
ONE_DECIMAL: set[str] = {M.MEETINGS_PER_PAIR, M.COMPETENCY_GAIN}


@dataclass(frozen=True)
class Period:
    start: date
    end: date


@dataclass
class Figure:
    """A value the platform counted, with the words that say what it is made of."""

    value: Decimal | None  # None: nothing to count (no pairs, too few answers to show)
    detail: str = ""
    currency: str = ""


@dataclass
class IndicatorRow:
    indicator: Indicator
    figure: Figure

    @property
    def met(self) -> bool:
        return self.figure.value is not None and self.figure.value >= self.indicator.target

    @property
    def percent_of_target(self) -> int | None:
        """How far towards the target, for the bar (not capped: 130 means well past it)."""
        if self.figure.value is None:
            return None
        if not self.indicator.target:
            return 100
        return int((self.figure.value / self.indicator.target * 100).to_integral_value(
            ROUND_HALF_UP))

    @property
    def bar(self) -> int:
        return min(self.percent_of_target or 0, 100)

    @property
    def shown_value(self) -> str:
        if self.figure.value is None:
            return _("none")
        return shown(self.indicator.metric, self.figure.value, self.figure.currency)

    @property
    def shown_target(self) -> str:
        return shown(self.indicator.metric, self.indicator.target, self.figure.currency)


def shown(metric: str, value: Decimal, currency: str = "") -> str:
    """A figure or a target as the indicator's unit says, in the page's language."""
    if metric in MONEY:
        return f"{number_format(value, 2, use_l10n=True, force_grouping=True)} {currency}".strip()
    places = 1 if metric in PERCENT | ONE_DECIMAL else 0
    text = number_format(value, places, use_l10n=True, force_grouping=metric not in PERCENT)
    return _("%(value)s%%") % {"value": text} if metric in PERCENT else text


@dataclass
class Mentored:
    """One pairing mentored in the period, as the figures need it."""

    pairing: int
    mentee: int
    country: str | None
    woman: bool
    span: tuple[date, date]
    completed: date | None
    on_time: bool


@dataclass
class Cohort:
    """The project's pairings (already narrowed by the filters), read once for all the
    indicators of a page, and their figures per period, each counted once."""

    project: Project
    pairings: QuerySet[Pairing]
    _rows: list[dict] | None = None
    _figures: dict[tuple[str, Period], Figure] = field(default_factory=dict)
    _read: dict[tuple, object] = field(default_factory=dict)

    def rows(self) -> list[dict]:
        if self._rows is None:
            self._rows = _pairing_rows(self.project, self.pairings)
        return self._rows

    def once[T](self, key: tuple, read: Callable[[], T]) -> T:
        """What two indicators read alike (the budget's and the activities' figures of a
        period) is read once."""
        if key not in self._read:
            self._read[key] = read()
        return cast(T, self._read[key])

    def figure(self, metric: str, period: Period) -> Figure:
        key = (metric, period)
        if key not in self._figures:
            self._figures[key] = COUNTERS[metric](self, period)
        return self._figures[key]


def _pairing_rows(project: Project, pairings: QuerySet[Pairing]) -> list[dict]:
    """Each pairing that started, with its approved plan and the days it started, completed
    and ended early: three plain queries (the pairings, their approved plans, their first move
    to each status), put together here; one query of correlated subqueries cost the database
    twice as much at 10,000 pairings."""
    organisation = project.organisation
    chosen = pairings.order_by().values("pk")
    plans: dict[int, tuple[date, int]] = {}
    for pairing_id, start, months in ActivityPlan.objects.for_org(organisation).filter(
            pairing__in=chosen, status=ActivityPlan.Status.APPROVED).order_by(
            "pairing_id", "version").values_list("pairing_id", "start", "duration_months"):
        plans[pairing_id] = (start, months)  # the latest approved version wins
    moved: dict[tuple[int, str], datetime] = {
        (pairing_id, status): day for pairing_id, status, day in PairingEvent.objects.for_org(
            organisation).filter(pairing__in=chosen, to_status__in=[
                S.ACTIVE, S.COMPLETED, S.ENDED_EARLY]).order_by().values(
            "pairing_id", "to_status").annotate(day=Min("created_at")).values_list(
            "pairing_id", "to_status", "day")}
    rows = []
    for row in pairings.order_by().values("pk", "status", "mentee_id",
                                          "mentee_application__country_id",
                                          "mentee_application__gender"):
        pk = row["pk"]
        # Started: moved to active (a pairing is active or completed only after that move;
        # the status stands in for an event where the history does not hold it).
        if pk not in plans or ((pk, S.ACTIVE) not in moved
                               and row["status"] not in (S.ACTIVE, S.COMPLETED)):
            continue
        rows.append({**row, "plan_start": plans[pk][0], "plan_months": plans[pk][1],
                     "completed_at": moved.get((pk, S.COMPLETED)),
                     "ended_at": moved.get((pk, S.ENDED_EARLY))})
    return rows


def _day(moment: datetime | None) -> date | None:
    return timezone.localdate(moment) if moment is not None else None


def started(cohort: Cohort) -> list[Mentored]:
    """Every pairing of the cohort that started, with the span it was mentored: from its plan's
    start to the day it completed or ended early, or its plan's end, whichever came first (one
    that ran late, its completion waiting for the reports, counts until its plan's end only)."""
    return cohort.once(("started",), lambda: _started(cohort))


def _started(cohort: Cohort) -> list[Mentored]:
    project = cohort.project
    due = timedelta(days=project.narrative_report_due_days + project.narrative_report_grace_days)
    found = []
    for row in cohort.rows():
        plan_end = add_months(row["plan_start"], row["plan_months"]) - timedelta(days=1)
        completed, ended = _day(row["completed_at"]), _day(row["ended_at"])
        span_end = min(day for day in (plan_end, completed, ended) if day is not None)
        found.append(Mentored(
            pairing=row["pk"], mentee=row["mentee_id"],
            country=row["mentee_application__country_id"],
            woman=row["mentee_application__gender"] == Application.Gender.FEMALE,
            span=(row["plan_start"], span_end), completed=completed,
            on_time=completed is not None and completed <= plan_end + due))
    return found


def mentored(cohort: Cohort, period: Period) -> list[Mentored]:
    """The pairings mentored at some time within the period."""
    return cohort.once(("mentored", period), lambda: [
        m for m in started(cohort) if m.span[0] <= period.end and m.span[1] >= period.start])


def _completions(cohort: Cohort, period: Period) -> list[Mentored]:
    return [m for m in started(cohort)
            if m.completed and period.start <= m.completed <= period.end]


def _round(value: Decimal, places: str = "0.1") -> Decimal:
    return value.quantize(Decimal(places), ROUND_HALF_UP)


def officers_mentored(cohort: Cohort, period: Period) -> Figure:
    found = mentored(cohort, period)
    officers = {m.mentee for m in found}
    return Figure(Decimal(len(officers)),
                  _("%(pairs)s pairs mentored in the period") % {"pairs": len(found)})


def women_share(cohort: Cohort, period: Period) -> Figure:
    officers = {m.mentee: m.woman for m in mentored(cohort, period)}
    if not officers:
        return Figure(None, _("No officer was mentored in the period."))
    women = sum(officers.values())
    return Figure(_round(Decimal(women * 100) / len(officers)),
                  _("%(women)s women of %(officers)s officers") % {
                      "women": women, "officers": len(officers)})


def countries(cohort: Cohort, period: Period) -> Figure:
    codes = sorted({m.country for m in mentored(cohort, period) if m.country})
    return Figure(Decimal(len(codes)), ", ".join(sorted(country_name(code) for code in codes)))


def completed_on_time(cohort: Cohort, period: Period) -> Figure:
    completed = _completions(cohort, period)
    on_time = sum(m.on_time for m in completed)
    return Figure(Decimal(on_time), _("%(on_time)s of %(completed)s pairs completed in the "
                                      "period were on time") % {
        "on_time": on_time, "completed": len(completed)})


def meetings_per_pair(cohort: Cohort, period: Period) -> Figure:
    pairs = [m.pairing for m in mentored(cohort, period)]
    if not pairs:
        return Figure(None, _("No pair was mentored in the period."))
    # Counted by pairing over the cohort (a subquery), then added up for the pairings mentored:
    # a list of thousands of ids would cost the database more than the count.
    by_pairing = dict(Meeting.objects.for_org(cohort.project.organisation).filter(
        pairing__in=cohort.pairings.values("pk"), day__range=(period.start, period.end)).filter(
        Q(corrected=False) | Q(confirmed_at__isnull=False)).order_by().values(
        "pairing_id").annotate(n=Count("pk")).values_list("pairing_id", "n"))
    held = sum(by_pairing.get(pk, 0) for pk in pairs)
    return Figure(_round(Decimal(held) / len(pairs)),
                  _("%(meetings)s meetings by %(pairs)s pairs") % {
                      "meetings": held, "pairs": len(pairs)})


def _activities(cohort: Cohort, period: Period) -> ActivityFigures:
    return cohort.once(("activities", period), lambda: activity_figures(
        project=cohort.project, start=period.start, end=period.end))


def activities_held(cohort: Cohort, period: Period) -> Figure:
    found = _activities(cohort, period)
    return Figure(Decimal(found.held), ", ".join(
        f"{kind.label}: {kind.held}" for kind in found.by_kind))


def attendance(cohort: Cohort, period: Period) -> Figure:
    found = _activities(cohort, period)
    if found.attendance_rate is None:
        return Figure(None, _("No attendance recorded in the period."))
    return Figure(_round(Decimal(found.attended * 100) / found.recorded_invited),
                  _("%(attended)s attended of %(invited)s invited") % {
                      "attended": found.attended, "invited": found.recorded_invited})


def _budget(cohort: Cohort, period: Period) -> BudgetFigures:
    return cohort.once(("budget", period), lambda: budget_figures(
        project=cohort.project, pairings=cohort.pairings, start=period.start, end=period.end))


def visits_funded(cohort: Cohort, period: Period) -> Figure:
    found = _budget(cohort, period)
    return Figure(Decimal(found.visits_funded),
                  _("%(claims)s claims for visits in the period") % {"claims": found.claims})


def budget_used(cohort: Cohort, period: Period) -> Figure:
    found = _budget(cohort, period)
    detail = [_("approved claims for visits in the period")]
    if found.pending:
        detail.append(_("%(amount)s %(currency)s waiting for review") % {
            "amount": number_format(found.pending, 2, use_l10n=True, force_grouping=True),
            "currency": found.currency})
    # Never added together: a claim in a currency without a recorded rate is named apart.
    detail += [_("not counted: %(amount)s %(currency)s, no rate recorded") % {
        "amount": number_format(amount, 2, use_l10n=True, force_grouping=True),
        "currency": currency} for currency, amount in found.unconverted_list]
    return Figure(found.used, "; ".join(str(part) for part in detail), found.currency)


def competency_gain_figure(cohort: Cohort, period: Period) -> Figure:
    found = competency_gain(project=cohort.project, pairings=cohort.pairings,
                            start=period.start, end=period.end)
    if not found.shown or found.gain is None:
        return Figure(None, _("%(n)s people answered at the start and the end: averages are "
                              "shown from %(min)s.") % {"n": found.respondents,
                                                         "min": found.min_group})
    return Figure(_round(Decimal(str(found.gain)), "0.01"),
                  _("points on the 1 to 5 scale, %(n)s people") % {"n": found.respondents})


Counter = Callable[[Cohort, Period], Figure]
COUNTERS: dict[str, Counter] = {
    M.OFFICERS_MENTORED: officers_mentored,
    M.WOMEN_SHARE: women_share,
    M.COUNTRIES: countries,
    M.COMPLETED_ON_TIME: completed_on_time,
    M.MEETINGS_PER_PAIR: meetings_per_pair,
    M.VISITS_FUNDED: visits_funded,
    M.BUDGET_USED: budget_used,
    M.COMPETENCY_GAIN: competency_gain_figure,
    M.ACTIVITIES_HELD: activities_held,
    M.ATTENDANCE: attendance,
}


def indicator_rows(*, project: Project, pairings: QuerySet[Pairing],
                   indicators: list[Indicator]) -> list[IndicatorRow]:
    """Each indicator with the figure counted over its own period."""
    cohort = Cohort(project, pairings)
    return [IndicatorRow(indicator, cohort.figure(
        indicator.metric, Period(indicator.period_start, indicator.period_end)))
        for indicator in indicators]
