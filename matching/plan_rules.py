"""Whether an activity plan keeps the project's rules. Plain Python: the plan form turns what the
mentor and mentee typed into a `PlanDraft`, the project's rule fields into `PlanRules`, and shows
each message next to the field it names. Every message names the rule it enforces."""

from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from matching.schedule import Schedule


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


@dataclass(frozen=True)
class PlanRules:
    duration_min_months: int = 3
    duration_max_months: int = 12
    first_visit_within_months: int = 3
    funded_visit_period_months: int = 3
    funded_visits_until_month: int = 12
    online_meetings_per_month: int = 1


def plan_problems(plan: PlanDraft, rules: PlanRules) -> dict[str, list[str]]:
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
