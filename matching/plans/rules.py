"""Whether an activity plan keeps the project's rules. Plain Python: the plan form turns what the
mentor and mentee typed into a `PlanDraft`, checks it against the project's `Rules`, and shows
each message next to the field it names. Every message names the rule it enforces."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from matching.schedule import Schedule
from programmes import cldr
from programmes.rules import Rules


@dataclass(frozen=True)
class Visit:
    day: date
    place: str
    funded: bool
    estimated_cost: Decimal | None = None  # in the project's budget currency


@dataclass(frozen=True)
class PlanDraft:
    """What the pair typed. A value the form refused (a date that does not exist, a duration
    that is not a number) is None, so that every rule that does not need it is still checked;
    `visits_complete` is False when a visit's date was refused, as the plan may then hold a
    visit the rules cannot see."""

    start: date | None
    duration_months: int | None
    online_meetings_per_month: int | None
    visits: tuple[Visit, ...] = field(default_factory=tuple)
    visits_complete: bool = True


def visit_field(index: int, name: str) -> str:
    """The key of a problem with one visit (its place in `PlanDraft.visits`) and its field, so
    that the form shows it on that visit's row."""
    return f"visits.{index}.{name}"


def plan_problems(plan: PlanDraft, rules: Rules) -> dict[str, list[str]]:
    """Field name → the rules the plan breaks. Empty when the plan may be signed. Every rule
    is checked, so that the pair sees at once all they have to change: `duration_months` and
    `online_meetings_per_month` name their field, "visits" the plan's visits as a whole, and
    `visit_field(i, name)` the field of one visit."""
    problems: dict[str, list[str]] = {}

    def refuse(name: str, message: str) -> None:
        problems.setdefault(name, []).append(message)

    months_allowed = plan.duration_months is not None and (
        rules.duration_min_months <= plan.duration_months <= rules.duration_max_months)
    if plan.duration_months is not None and not months_allowed:
        if rules.duration_min_months == rules.duration_max_months:
            refuse("duration_months", _("Duration: the project's pairings last %(months)s "
                                        "months.") % {"months": rules.duration_max_months})
        else:
            refuse("duration_months", _(
                "Duration: the project allows %(min)s to %(max)s months."
            ) % {"min": rules.duration_min_months, "max": rules.duration_max_months})
    if plan.online_meetings_per_month is not None and \
            plan.online_meetings_per_month < rules.online_meetings_per_month:
        refuse("online_meetings_per_month", ngettext(
            "Online meetings: the project asks for at least %(count)s a month.",
            "Online meetings: the project asks for at least %(count)s a month.",
            rules.online_meetings_per_month,
        ) % {"count": rules.online_meetings_per_month})
    if plan.start is None:
        return problems  # every visit rule counts its months from the start date
    start = plan.start

    # The pairing's end needs a duration the project allows. Without one, a visit is checked
    # against the longest pairing the project allows: one after it (or before the start) is
    # wrong whatever duration the pair then chooses. The other visit rules count their months
    # from the start date alone, so they are checked either way.
    schedule = Schedule(start, plan.duration_months if months_allowed and
                        plan.duration_months is not None else rules.duration_max_months)
    indexed = sorted(enumerate(plan.visits), key=lambda pair: pair[1].day)
    for index, visit in indexed:
        if start <= visit.day <= schedule.end:
            continue
        if months_allowed:
            refuse(visit_field(index, "day"), _(
                "Visit of %(day)s: it falls outside the pairing (%(start)s to %(end)s)."
            ) % {"day": cldr.day(visit.day), "start": cldr.day(start),
                 "end": cldr.day(schedule.end)})
        else:
            refuse(visit_field(index, "day"), _(
                "Visit of %(day)s: it falls outside the longest pairing the project allows "
                "(%(start)s to %(end)s)."
            ) % {"day": cldr.day(visit.day), "start": cldr.day(start),
                 "end": cldr.day(schedule.end)})

    first_visit_by = schedule.first_months_end(rules.first_visit_within_months)
    # A visit whose date the form refused may be the first one: its absence is not claimed.
    if plan.visits_complete and not any(start <= visit.day <= first_visit_by
                                        for visit in plan.visits):
        refuse("visits", ngettext(
            "First in-person visit: plan it within the first month (by %(day)s).",
            "First in-person visit: plan it within the first %(months)s months (by %(day)s).",
            rules.first_visit_within_months,
        ) % {"months": rules.first_visit_within_months, "day": cldr.day(first_visit_by)})

    funded_until = schedule.first_months_end(rules.funded_visits_until_month)
    funded = [(index, visit) for index, visit in indexed if visit.funded and start <= visit.day]
    for index, visit in funded:
        if visit.day > funded_until:
            refuse(visit_field(index, "funded"), _(
                "Funded visits: only within the first %(months)s months; %(day)s is later."
            ) % {"months": rules.funded_visits_until_month, "day": cldr.day(visit.day)})
    taken: dict[int, Visit] = {}
    for index, visit in funded:
        period = schedule.period_of(visit.day, rules.funded_visit_period_months)
        if period is None or visit.day > funded_until:
            continue
        if period.number not in taken:
            taken[period.number] = visit
            continue
        refuse(visit_field(index, "funded"), _(
            "Funded visits: at most one in each %(months)s-month period; period %(number)s "
            "already has the visit of %(other)s."
        ) % {"months": rules.funded_visit_period_months, "number": period.number,
             "other": cldr.day(taken[period.number].day)})
    return problems


def starts_in_the_past(start: date, *, today: date, kept_start: date | None) -> bool:
    """Whether a plan starts before today. The start of the approved plan (`kept_start`) does
    not count: a revision of a pairing under way keeps the date it started on."""
    return start < today and start != kept_start


def past_start_warning(start: date, rules: Rules) -> str:
    """What the pair reads next to a start date that has passed: the plan may still be signed,
    but its calendar, and the first visit's deadline, count from that date."""
    first_visit_by = Schedule(start, rules.duration_max_months).first_months_end(
        rules.first_visit_within_months)
    return _("%(start)s has already passed: the pairing's first weeks are gone, and its first "
             "in-person visit is due by %(day)s, counted from that date. Choose a later date, "
             "or keep this one and the coordinator approves the plan only with a reason."
             ) % {"start": cldr.day(start), "day": cldr.day(first_visit_by)}


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
               % {"day": cldr.day(meeting.day)})
    elif meeting.day < schedule.start:
        refuse("day", _("%(day)s is before the pairing started (%(start)s).")
               % {"day": cldr.day(meeting.day), "start": cldr.day(schedule.start)})
    elif meeting.day > schedule.end:
        refuse("day", _("%(day)s is after the pairing ended (%(end)s).")
               % {"day": cldr.day(meeting.day), "end": cldr.day(schedule.end)})
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
        ) % {"months": rules.funded_visits_until_month, "day": cldr.day(meeting.day)})
        return problems
    period = schedule.period_of(meeting.day, rules.funded_visit_period_months)
    taken = [day for day in other_funded_days if period is not None and day in period]
    if taken and period is not None:
        refuse("funded", _(
            "Funded visits: at most one in each %(months)s-month period; period %(number)s "
            "already has the visit of %(other)s."
        ) % {"months": rules.funded_visit_period_months, "number": period.number,
             "other": cldr.day(taken[0])})
    return problems
