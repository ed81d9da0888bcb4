"""A pairing's calendar, computed from its plan's start date and duration: the end date, the
halfway mark (the interim report), the months and the 3-month periods. One module, so that
reminders, compliance and reports all count periods the same way.

Months are counted from the start date, not the calendar: a pairing that starts on 15 March has
its first month from 15 March to 14 April. Each boundary is computed from the start date itself
(never month by month), so a start on the 31st does not drift: its months begin on the 31st, or
on the last day of shorter months."""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache


def add_months(start: date, months: int) -> date:
    """The same day `months` later, or the last day of that month when it is shorter
    (31 January + 1 month = 28 or 29 February)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Period:
    number: int  # 1 for the first month (or 3-month period) of the pairing
    first_day: date
    last_day: date

    def __contains__(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


@dataclass(frozen=True)
class Schedule:
    start: date
    duration_months: int

    def __post_init__(self) -> None:
        if self.duration_months < 1:
            raise ValueError("A pairing lasts at least one month.")

    @property
    def end(self) -> date:
        """The last day of the pairing: the day before the same date `duration` months on."""
        return add_months(self.start, self.duration_months) - timedelta(days=1)

    @property
    def halfway(self) -> date:
        """The interim report's due date: the middle day of the pairing (for an odd number of
        days, the earlier of the two middle days)."""
        days = (self.end - self.start).days
        return self.start + timedelta(days=days // 2)

    def periods(self, months_each: int = 1) -> list[Period]:
        """The pairing cut into periods of `months_each` months from its start; the last one
        is shorter when the duration is not a multiple."""
        return list(_periods(self.start, self.duration_months, months_each))

    @property
    def months(self) -> list[Period]:
        return self.periods(1)

    def quarters(self, months_each: int = 3) -> list[Period]:
        """The periods in which at most one funded visit may take place (3 months by default;
        a project may set another length)."""
        return self.periods(months_each)

    def period_of(self, day: date, months_each: int = 1) -> Period | None:
        """The period a day falls in, or None outside the pairing."""
        return next((p for p in self.periods(months_each) if day in p), None)

    def first_months_end(self, months: int) -> date:
        """The last day of the first `months` months (e.g. the first visit's deadline)."""
        return add_months(self.start, months) - timedelta(days=1)


@lru_cache(maxsize=4096)
def _periods(start: date, duration_months: int, months_each: int) -> tuple[Period, ...]:
    # Pairings of one cohort share a start and a duration: the reminder scan of thousands of
    # them computes their calendar once.
    periods = []
    for number, offset in enumerate(range(0, duration_months, months_each), start=1):
        first = add_months(start, offset)
        following = add_months(start, min(offset + months_each, duration_months))
        periods.append(Period(number, first, following - timedelta(days=1)))
    return tuple(periods)
