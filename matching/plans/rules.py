"""Whether an activity plan keeps the project's rules. Plain Python: the plan form turns what the
mentor and mentee typed into a `PlanDraft`, checks it against the project's `Rules`, and shows
each message next to the field it names. Every message names the rule it enforces."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from matching.schedule import Schedule
from programmes.rules import Rules


@dataclass(frozen=True)
class Visit:
    day: date
    place: str
    funded: bool


@dataclass(frozen=True)
class PlanDraft:
    start: date
    duration_months: int
    online_meetings_per_month: int
    visits: tuple[Visit, ...] = field(default_factory=tuple)


def plan_problems(plan: PlanDraft, rules: Rules) -> dict[str, list[str]]:
    """Field name → the rules the plan breaks. Empty when the plan may be signed."""
    problems: dict[str, list[str]] = {}

    def refuse(name: str, message: str) -> None:
        problems.setdefault(name, []).append(message)

    if not rules.duration_min_months <= plan.duration_months <= rules.duration_max_months:
        if rules.duration_min_months == rules.duration_max_months:
            refuse("duration_months", _("Duration: the project's pairings last %(months)s "
                                        "months.") % {"months": rules.duration_max_months})
        else:
            refuse("duration_months", _(
                "Duration: the project allows %(min)s to %(max)s months."
            ) % {"min": rules.duration_min_months, "max": rules.duration_max_months})
        return problems  # the calendar below depends on a duration the project allows
    if plan.online_meetings_per_month < rules.online_meetings_per_month:
        refuse("online_meetings_per_month", ngettext(
            "Online meetings: the project asks for at least %(count)s a month.",
            "Online meetings: the project asks for at least %(count)s a month.",
            rules.online_meetings_per_month,
        ) % {"count": rules.online_meetings_per_month})

    schedule = Schedule(plan.start, plan.duration_months)
    visits = sorted(plan.visits, key=lambda visit: visit.day)
    for visit in visits:
        if not plan.start <= visit.day <= schedule.end:
            refuse("visits", _(
                "Visit of %(day)s: it falls outside the pairing (%(start)s to %(end)s)."
            ) % {"day": visit.day.isoformat(), "start": plan.start.isoformat(),
                 "end": schedule.end.isoformat()})

    first_visit_by = schedule.first_months_end(rules.first_visit_within_months)
    if not any(plan.start <= visit.day <= first_visit_by for visit in visits):
        refuse("visits", ngettext(
            "First in-person visit: plan it within the first month (by %(day)s).",
            "First in-person visit: plan it within the first %(months)s months (by %(day)s).",
            rules.first_visit_within_months,
        ) % {"months": rules.first_visit_within_months, "day": first_visit_by.isoformat()})

    funded_until = schedule.first_months_end(rules.funded_visits_until_month)
    funded = [visit for visit in visits if visit.funded and plan.start <= visit.day]
    for visit in funded:
        if visit.day > funded_until:
            refuse("visits", _(
                "Funded visits: only within the first %(months)s months; %(day)s is later."
            ) % {"months": rules.funded_visits_until_month, "day": visit.day.isoformat()})
    by_period: dict[int, list[Visit]] = {}
    for visit in funded:
        period = schedule.period_of(visit.day, rules.funded_visit_period_months)
        if period is not None and visit.day <= funded_until:
            by_period.setdefault(period.number, []).append(visit)
    for number, in_period in sorted(by_period.items()):
        if len(in_period) > 1:
            refuse("visits", _(
                "Funded visits: at most one in each %(months)s-month period; %(days)s fall in "
                "period %(number)s."
            ) % {"months": rules.funded_visit_period_months, "number": number,
                 "days": ", ".join(visit.day.isoformat() for visit in in_period)})
    return problems


@dataclass(frozen=True)
class MeetingDraft:
    day: date
    in_person: bool
    funded: bool
    cost_amount: Decimal | None = None
    cost_currency: str = ""


def meeting_problems(meeting: MeetingDraft, *, schedule: Schedule, rules: Rules,
                     today: date, other_funded_days: tuple[date, ...] = ()) -> dict[str, list[str]]:
    """Field name → why this meeting cannot be logged. `other_funded_days` are the pairing's
    other funded visits (not the one being corrected)."""
    problems: dict[str, list[str]] = {}

    def refuse(name: str, message: str) -> None:
        problems.setdefault(name, []).append(message)

    if meeting.day > today:
        refuse("day", _("%(day)s is in the future: log a meeting once it has taken place.")
               % {"day": meeting.day.isoformat()})
    elif meeting.day < schedule.start:
        refuse("day", _("%(day)s is before the pairing started (%(start)s).")
               % {"day": meeting.day.isoformat(), "start": schedule.start.isoformat()})
    elif meeting.day > schedule.end:
        refuse("day", _("%(day)s is after the pairing ended (%(end)s).")
               % {"day": meeting.day.isoformat(), "end": schedule.end.isoformat()})
    if meeting.funded and not meeting.in_person:
        refuse("funded", _("Only an in-person visit is funded."))
    if meeting.cost_amount is not None and not meeting.in_person:
        refuse("cost_amount", _("Costs are claimed for in-person visits only."))
    if meeting.cost_amount is not None and meeting.cost_amount < 0:
        refuse("cost_amount", _("Costs cannot be negative."))
    if meeting.cost_amount is not None and not meeting.cost_currency:
        refuse("cost_currency", _("Give the currency of the costs."))
    if problems or not meeting.funded:
        return problems
    funded_until = schedule.first_months_end(rules.funded_visits_until_month)
    if meeting.day > funded_until:
        refuse("funded", _(
            "Funded visits: only within the first %(months)s months; %(day)s is later."
        ) % {"months": rules.funded_visits_until_month, "day": meeting.day.isoformat()})
        return problems
    period = schedule.period_of(meeting.day, rules.funded_visit_period_months)
    taken = [day for day in other_funded_days if period is not None and day in period]
    if taken and period is not None:
        refuse("funded", _(
            "Funded visits: at most one in each %(months)s-month period; period %(number)s "
            "already has the visit of %(other)s."
        ) % {"months": rules.funded_visit_period_months, "number": period.number,
             "other": taken[0].isoformat()})
    return problems
