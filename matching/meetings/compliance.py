"""Whether a pairing keeps the programme's rhythm, and which reminders fall due on a given day.

Plain Python, like the engine and the schedule: the pairing page, the coordinator's table and the
reminder scan all read the same answers from here, computed from the schedule (`schedule.py`), the
meetings held, the visits planned and the project's rules.

A month (or 3-month period) is "done" when it has what it needs, "missed" once it is over
without it, "open" while it runs and "ahead" before it starts."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from matching.schedule import Period, Schedule
from programmes.rules import Rules

# When reminders go out. Each is sent once per obligation and period (the key of its row).
ONLINE_MEETING_DAYS_LEFT = 7  # an online meeting not yet held, once fewer days than this are left
VISIT_DAYS_LEFT = 30  # a visit neither held nor planned, once fewer days than this are left
FIRST_VISIT_DAYS_BEFORE = 14  # the first visit, once fewer days than this are left
REPORT_DAYS_BEFORE = 7  # the interim and narrative reports, from this many days before due
PLAN_AFTER_WEEKS = 2  # a plan not agreed this many weeks after both accepted, then weekly
PLAN_REMINDERS_AT_MOST = 4

DONE, MISSED, OPEN, AHEAD, LATE, DUE = "done", "missed", "open", "ahead", "late", "due"


@dataclass(frozen=True)
class Held:
    day: date
    in_person: bool


@dataclass(frozen=True)
class PeriodState:
    period: Period
    held: int  # online meetings (months) or in-person visits (3-month periods)
    planned: tuple[date, ...]  # visits planned in the period (3-month periods only)
    state: str


@dataclass(frozen=True)
class Deadline:
    due: date
    late_after: date  # the last day of grace
    state: str  # AHEAD, DUE, LATE or DONE (reports), or DONE, LATE, OPEN, MISSED (first visit)
    held: date | None = None  # the day it was done


@dataclass(frozen=True)
class Compliance:
    months: list[PeriodState]
    quarters: list[PeriodState]
    first_visit: Deadline
    interim_report: Deadline
    narrative_report: Deadline
    late: list[str] = field(default_factory=list)  # short codes of what is late, for the table

    @property
    def late_count(self) -> int:
        return len(self.late)


def compliance(*, schedule: Schedule, held: list[Held], planned_visits: list[date],
               meetings_a_month: int, rules: Rules, today: date,
               interim_done: date | None = None,
               narrative_done: date | None = None) -> Compliance:
    """`meetings_a_month` is the online meetings a month the pair agreed in their approved
    plan: what they are held to (the project's minimum only bounds what a plan may agree).
    `interim_done` and `narrative_done` are the days the reports were handed in (the
    narrative report with both participants' feedback), or None."""
    months = [_month(period, held, meetings_a_month, today) for period in schedule.months]
    quarters = [_quarter(period, held, planned_visits, today)
                for period in schedule.quarters(rules.funded_visit_period_months)]
    first_due = schedule.first_months_end(rules.first_visit_within_months)
    visits = sorted(h.day for h in held if h.in_person and h.day >= schedule.start)
    first = visits[0] if visits else None
    if first is not None:
        first_state = DONE if first <= first_due else LATE
    else:
        first_state = MISSED if today > first_due else OPEN
    first_visit = Deadline(first_due, first_due, first_state, first)
    interim = _report(schedule.halfway, rules.interim_report_grace_days, today, interim_done)
    narrative_due = schedule.end + timedelta(days=rules.narrative_report_due_days)
    narrative = _report(narrative_due, rules.narrative_report_grace_days, today, narrative_done)
    late = [f"month-{m.period.number}" for m in months if m.state == MISSED]
    late += [f"period-{q.period.number}" for q in quarters if q.state == MISSED]
    late += ["first-visit"] if first_state in (MISSED, LATE) else []
    late += ["interim-report"] if interim.state == LATE else []
    late += ["narrative-report"] if narrative.state == LATE else []
    return Compliance(months, quarters, first_visit, interim, narrative, late)


def _month(period: Period, held: list[Held], needed: int, today: date) -> PeriodState:
    count = sum(1 for h in held if not h.in_person and h.day in period)
    enough = count >= needed
    return PeriodState(period, count, (), _state(period, enough, today))


def _quarter(period: Period, held: list[Held], planned: list[date], today: date) -> PeriodState:
    count = sum(1 for h in held if h.in_person and h.day in period)
    in_period = tuple(sorted(day for day in planned if day in period))
    return PeriodState(period, count, in_period, _state(period, count > 0, today))


def _state(period: Period, enough: bool, today: date) -> str:
    if enough:
        return DONE
    if today > period.last_day:
        return MISSED
    return OPEN if today >= period.first_day else AHEAD


def _report(due: date, grace_days: int, today: date, done: date | None) -> Deadline:
    late_after = due + timedelta(days=grace_days)
    if done is not None:  # handed in: in time, or late (as a late first visit is shown)
        return Deadline(due, late_after, DONE if done <= late_after else LATE, done)
    state = AHEAD if today < due else DUE if today <= late_after else LATE
    return Deadline(due, late_after, state)


# --- Reminders ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Due:
    """A reminder due today: its kind, its period (0 when the obligation has one occurrence)
    and what the message says."""

    kind: str
    period: int
    params: dict[str, str]


def pairing_reminders(*, state: Compliance, schedule: Schedule, held: list[Held],
                      today: date) -> list[Due]:
    """The reminders of an active pairing due today (`state` is its compliance today), for
    its mentor and mentee. Called every hour: the same answer on the same day, and the reminder
    rows' keys make each one once."""
    due: list[Due] = []
    within = schedule.start <= today <= schedule.end
    if within:
        month = next(m for m in state.months if today in m.period)
        if month.state == OPEN and (month.period.last_day - today).days < ONLINE_MEETING_DAYS_LEFT:
            due.append(Due("online_meeting", month.period.number,
                           {"until": month.period.last_day.isoformat()}))
        visited = any(h.in_person and h.day >= schedule.start for h in held)
        quarter = next(q for q in state.quarters if today in q.period)
        # Before the first visit, the first-visit reminders speak for the visits.
        # A visit planned later in the period is on its way; one planned earlier, not held,
        # is not.
        coming = [day for day in quarter.planned if day >= today]
        if visited and quarter.state == OPEN and not coming \
                and (quarter.period.last_day - today).days < VISIT_DAYS_LEFT:
            due.append(Due("visit", quarter.period.number,
                           {"until": quarter.period.last_day.isoformat()}))
    first = state.first_visit
    if first.state == OPEN and (first.due - today).days < FIRST_VISIT_DAYS_BEFORE:
        due.append(Due("first_visit", 0, {"until": first.due.isoformat()}))
    if first.state == MISSED:
        due.append(Due("first_visit_late", 0, {"until": first.due.isoformat()}))
    for name, report in (("interim", state.interim_report), ("narrative", state.narrative_report)):
        if report.state == AHEAD and (report.due - today).days <= REPORT_DAYS_BEFORE:
            due.append(Due(f"{name}_before", 0, {"until": report.due.isoformat()}))
        elif report.state == DUE:
            due.append(Due(f"{name}_due", 0, {"until": report.due.isoformat()}))
        elif report.state == LATE:
            due.append(Due(f"{name}_late", 0, {"until": report.due.isoformat()}))
    return due


# --- Kept state (matching/meetings/models.py: PairingCompliance) ------------------------------

def changes_on(*, state: Compliance, today: date) -> date | None:
    """The first day after `today` on which time alone (no meeting, plan or report) could change
    the state or the reminders due: a month or period starting or ending, a reminder's window
    opening, a planned visit passing, a deadline coming or running out. None when none is left.
    Until that day the kept state is the state; the property test holds this to a full
    recomputation, day after day."""
    days: list[date] = []
    for month in state.months:
        p = month.period
        days += [p.first_day, p.last_day - timedelta(days=ONLINE_MEETING_DAYS_LEFT - 1),
                 p.last_day + timedelta(days=1)]
    for quarter in state.quarters:
        p = quarter.period
        days += [p.first_day, p.last_day - timedelta(days=VISIT_DAYS_LEFT - 1),
                 p.last_day + timedelta(days=1),
                 *(day + timedelta(days=1) for day in quarter.planned)]
    first = state.first_visit
    days += [first.due - timedelta(days=FIRST_VISIT_DAYS_BEFORE - 1),
             first.due + timedelta(days=1)]
    for report in (state.interim_report, state.narrative_report):
        days += [report.due - timedelta(days=REPORT_DAYS_BEFORE), report.due,
                 report.late_after + timedelta(days=1)]
    return min((day for day in days if day > today), default=None)


def as_json(state: Compliance) -> dict[str, Any]:
    """The state as the kept row holds it (`from_json` reads it back)."""
    def period(p: PeriodState) -> list[object]:
        return [p.period.number, p.period.first_day.isoformat(), p.period.last_day.isoformat(),
                p.held, [day.isoformat() for day in p.planned], p.state]

    def deadline(d: Deadline) -> list[object]:
        return [d.due.isoformat(), d.late_after.isoformat(), d.state,
                d.held.isoformat() if d.held else None]

    return {"months": [period(m) for m in state.months],
            "quarters": [period(q) for q in state.quarters],
            "first_visit": deadline(state.first_visit),
            "interim_report": deadline(state.interim_report),
            "narrative_report": deadline(state.narrative_report), "late": state.late}


def from_json(data: dict[str, Any]) -> Compliance:
    def period(row: list[Any]) -> PeriodState:
        number, first, last, held, planned, state = row
        return PeriodState(Period(number, date.fromisoformat(first), date.fromisoformat(last)),
                           held, tuple(date.fromisoformat(day) for day in planned), state)

    def deadline(row: list[Any]) -> Deadline:
        due, late_after, state, held = row
        return Deadline(date.fromisoformat(due), date.fromisoformat(late_after), state,
                        date.fromisoformat(held) if held else None)

    return Compliance([period(m) for m in data["months"]],
                      [period(q) for q in data["quarters"]], deadline(data["first_visit"]),
                      deadline(data["interim_report"]), deadline(data["narrative_report"]),
                      list(data["late"]))


def plan_reminder(*, accepted_on: date, today: date) -> Due | None:
    """A pairing accepted by both but without an agreed plan: weekly, from the second week."""
    weeks = (today - accepted_on).days // 7
    if PLAN_AFTER_WEEKS <= weeks < PLAN_AFTER_WEEKS + PLAN_REMINDERS_AT_MOST:
        return Due("plan", weeks, {"since": accepted_on.isoformat()})
    return None
