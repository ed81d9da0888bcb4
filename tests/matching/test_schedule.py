"""The calendar of a pairing: month ends, 29 February, a start on the 31st."""

from datetime import date
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.schedule import Schedule, add_months


@pytest.mark.parametrize(("start", "months", "expected"), [
    (date(2026, 1, 15), 1, date(2026, 2, 15)),
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2028, 1, 31), 1, date(2028, 2, 29)),   # leap year
    (date(2026, 1, 31), 2, date(2026, 3, 31)),   # computed from the start, no drift
    (date(2028, 2, 29), 12, date(2029, 2, 28)),
    (date(2028, 2, 29), 48, date(2032, 2, 29)),
    (date(2026, 11, 30), 3, date(2027, 2, 28)),  # across the year
    (date(2026, 5, 31), -3, date(2026, 2, 28)),
])
def test_add_months_keeps_the_day_or_takes_the_month_end(start, months, expected):
    assert add_months(start, months) == expected


def test_a_twelve_month_pairing():
    schedule = Schedule(date(2026, 3, 15), 12)
    assert schedule.end == date(2027, 3, 14)
    assert schedule.halfway == date(2026, 9, 13)
    months = schedule.months
    assert len(months) == 12
    assert (months[0].first_day, months[0].last_day) == (date(2026, 3, 15), date(2026, 4, 14))
    assert (months[-1].first_day, months[-1].last_day) == (date(2027, 2, 15), date(2027, 3, 14))
    quarters = schedule.quarters()
    assert [(q.first_day, q.last_day) for q in quarters] == [
        (date(2026, 3, 15), date(2026, 6, 14)), (date(2026, 6, 15), date(2026, 9, 14)),
        (date(2026, 9, 15), date(2026, 12, 14)), (date(2026, 12, 15), date(2027, 3, 14)),
    ]
    assert schedule.first_months_end(3) == date(2026, 6, 14)


def test_a_pairing_that_starts_on_the_31st_does_not_drift():
    schedule = Schedule(date(2026, 1, 31), 6)
    assert [m.first_day for m in schedule.months] == [
        date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30),
        date(2026, 5, 31), date(2026, 6, 30)]
    assert schedule.months[0].last_day == date(2026, 2, 27)
    assert schedule.end == date(2026, 7, 30)


def test_a_pairing_that_starts_on_29_february():
    schedule = Schedule(date(2028, 2, 29), 24)
    assert schedule.end == date(2030, 2, 27)
    assert schedule.months[12].first_day == date(2029, 2, 28)
    assert schedule.months[-1].first_day == date(2030, 1, 29)
    assert schedule.halfway == date(2029, 2, 27)


def test_a_duration_that_is_not_a_multiple_of_three_ends_with_a_short_period():
    quarters = Schedule(date(2026, 1, 1), 4).quarters()
    assert [(q.number, q.first_day, q.last_day) for q in quarters] == [
        (1, date(2026, 1, 1), date(2026, 3, 31)), (2, date(2026, 4, 1), date(2026, 4, 30))]


def test_period_of_a_day():
    schedule = Schedule(date(2026, 1, 31), 3)
    assert schedule.period_of(date(2026, 2, 27)).number == 1
    assert schedule.period_of(date(2026, 2, 28)).number == 2
    assert schedule.period_of(date(2026, 1, 30)) is None
    assert schedule.period_of(schedule.end, months_each=3).number == 1


def test_odd_number_of_days_takes_the_earlier_middle_day():
    schedule = Schedule(date(2026, 2, 1), 1)  # 1 to 28 February: 27 days apart
    assert schedule.halfway == date(2026, 2, 14)


def test_no_pairing_of_zero_months():
    with pytest.raises(ValueError, match="at least one month"):
        Schedule(date(2026, 1, 1), 0)


@settings(max_examples=300, deadline=None)
@given(start=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
       months=st.integers(min_value=1, max_value=36))
def test_periods_tile_the_pairing_without_gap_or_overlap(start: date, months: int):
    schedule = Schedule(start, months)
    for length in (1, 3):
        periods = schedule.periods(length)
        assert periods[0].first_day == start
        assert periods[-1].last_day == schedule.end
        for before, after in pairwise(periods):
            assert (after.first_day - before.last_day).days == 1
        assert all(p.first_day <= p.last_day for p in periods)
    assert len(schedule.months) == months
    assert start <= schedule.halfway <= schedule.end
