"""Activity plans held to the programme's rules; each refusal names its rule."""

from datetime import date

import pytest

from matching.plans.rules import (
    PlanDraft,
    Visit,
    past_start_warning,
    plan_problems,
    starts_in_the_past,
)
from programmes.rules import Rules

CEPOL = Rules()
MOMENTUM = Rules(duration_min_months=24, duration_max_months=24, funded_visits_until_month=24)
START = date(2027, 1, 31)


def plan(months: int = 12, visits: tuple = (), online: int = 1) -> PlanDraft:
    return PlanDraft(start=START, duration_months=months, online_meetings_per_month=online,
                     visits=tuple(Visit(day, "Rabat", funded) for day, funded in visits))


GOOD_VISITS = ((date(2027, 3, 10), True), (date(2027, 6, 1), True), (date(2027, 9, 1), False))


def test_a_plan_that_keeps_every_rule_has_no_problem():
    assert plan_problems(plan(visits=GOOD_VISITS), CEPOL) == {}


@pytest.mark.parametrize(("months", "message"), [
    (2, "Duration: the project allows 3 to 12 months."),
    (13, "Duration: the project allows 3 to 12 months."),
])
def test_duration_outside_the_bounds(months: int, message: str):
    assert plan_problems(plan(months, GOOD_VISITS), CEPOL) == {"duration_months": [message]}


def test_momentum_mena_pairings_last_two_years():
    assert plan_problems(plan(12, GOOD_VISITS), MOMENTUM) == {
        "duration_months": ["Duration: the project's pairings last 24 months."]}
    assert plan_problems(plan(24, GOOD_VISITS), MOMENTUM) == {}


def test_the_first_visit_must_come_within_three_months():
    # The plan starts on 31 January; three months on is 30 April (April has no 31st), so its
    # first three months end on 29 April.
    late = ((date(2027, 4, 30), True),)
    assert plan_problems(plan(visits=late), CEPOL) == {"visits": [
        "First in-person visit: plan it within the first 3 months (by Apr 29, 2027)."]}
    on_time = ((date(2027, 4, 29), True),)
    assert plan_problems(plan(visits=on_time), CEPOL) == {}


def test_no_visit_at_all_breaks_the_first_visit_rule():
    assert "First in-person visit" in plan_problems(plan(), CEPOL)["visits"][0]


def test_two_funded_visits_in_one_three_month_period():
    visits = ((date(2027, 2, 10), True), (date(2027, 4, 20), True))
    # Shown on the row of the second one, naming the visit that took the period.
    assert plan_problems(plan(visits=visits), CEPOL) == {"visits.1.funded": [
        "Funded visits: at most one in each 3-month period; period 1 already has the visit of "
        "Feb 10, 2027."]}
    # The second one unfunded is fine; so is one on the first day of the next period.
    assert plan_problems(plan(visits=((date(2027, 2, 10), True), (date(2027, 4, 20), False))),
                         CEPOL) == {}
    assert plan_problems(plan(visits=((date(2027, 2, 10), True), (date(2027, 4, 29), True))),
                         CEPOL) != {}
    assert plan_problems(plan(visits=((date(2027, 2, 10), True), (date(2027, 4, 30), True))),
                         CEPOL) == {}


def test_funded_visits_only_within_the_first_twelve_months():
    visits = ((date(2027, 2, 10), True), (date(2028, 1, 31), True))
    # A 24-month plan (allowed by these rules) with a funded visit in month 13.
    rules = Rules(duration_max_months=24)
    assert plan_problems(plan(24, visits), rules) == {"visits.1.funded": [
        "Funded visits: only within the first 12 months; Jan 31, 2028 is later."]}
    assert plan_problems(plan(24, ((date(2027, 2, 10), True), (date(2028, 1, 30), True))),
                         rules) == {}


def test_a_visit_outside_the_pairing():
    visits = ((date(2027, 2, 10), True), (date(2027, 5, 1), False))
    assert plan_problems(plan(3, visits), CEPOL) == {"visits.1.day": [
        "Visit of May 1, 2027: it falls outside the pairing (Jan 31, 2027 to Apr 29, 2027)."]}


def test_too_few_online_meetings():
    rules = Rules(online_meetings_per_month=2)
    assert plan_problems(plan(visits=GOOD_VISITS, online=1), rules) == {
        "online_meetings_per_month": ["Online meetings: the project asks for at least 2 a month."]}


def test_several_problems_are_all_named():
    visits = ((date(2027, 6, 1), True), (date(2027, 6, 20), True))
    problems = plan_problems(plan(visits=visits, online=0), CEPOL)
    assert set(problems) == {"visits", "visits.1.funded", "online_meetings_per_month"}
    assert "First in-person visit" in problems["visits"][0]


def test_a_plan_too_long_has_every_other_rule_checked_at_once():
    # 14 months where the project allows 12: the visits are still checked, against the
    # longest pairing the project allows (one in month 13 is wrong whatever the pair then
    # chooses), and so are the online meetings.
    visits = ((date(2027, 3, 10), True), (date(2028, 2, 10), True))
    assert plan_problems(plan(14, visits, online=0), CEPOL) == {
        "duration_months": ["Duration: the project allows 3 to 12 months."],
        "online_meetings_per_month": ["Online meetings: the project asks for at least 1 a month."],
        "visits.1.day": ["Visit of Feb 10, 2028: it falls outside the longest pairing the project "
                         "allows (Jan 31, 2027 to Jan 30, 2028)."],
        "visits.1.funded": ["Funded visits: only within the first 12 months; Feb 10, 2028 is "
                            "later."],
    }


def test_a_plan_too_short_claims_no_visit_a_longer_duration_would_allow():
    visits = ((date(2027, 3, 10), True), (date(2027, 6, 1), False))
    assert plan_problems(plan(2, visits), CEPOL) == {
        "duration_months": ["Duration: the project allows 3 to 12 months."]}


def test_what_the_form_refused_leaves_the_other_rules_checked():
    # No start date: no visit can be placed, but the duration and the meetings are checked.
    no_start = PlanDraft(start=None, duration_months=14, online_meetings_per_month=0,
                         visits=(Visit(date(2030, 1, 1), "Rabat", True),))
    assert set(plan_problems(no_start, CEPOL)) == {"duration_months", "online_meetings_per_month"}
    # No duration: the visits are held to the longest pairing the project allows.
    no_duration = PlanDraft(start=START, duration_months=None, online_meetings_per_month=1,
                            visits=(Visit(date(2027, 3, 10), "Rabat", True),
                                    Visit(date(2028, 1, 31), "Lyon", False)))
    assert plan_problems(no_duration, CEPOL) == {"visits.1.day": [
        "Visit of Jan 31, 2028: it falls outside the longest pairing the project allows "
        "(Jan 31, 2027 to Jan 30, 2028)."]}
    # A visit whose date was refused may be the first one: its absence is not claimed.
    unread = PlanDraft(start=START, duration_months=12, online_meetings_per_month=1,
                       visits=(Visit(date(2027, 9, 1), "Rabat", False),), visits_complete=False)
    assert plan_problems(unread, CEPOL) == {}


def test_a_start_before_today_is_in_the_past_unless_it_is_the_approved_start():
    today = date(2027, 3, 1)
    assert starts_in_the_past(date(2027, 2, 28), today=today, kept_start=None)
    assert not starts_in_the_past(today, today=today, kept_start=None)
    # A revision of a pairing under way keeps the date it started on.
    assert not starts_in_the_past(START, today=today, kept_start=START)
    assert starts_in_the_past(date(2027, 2, 1), today=today, kept_start=START)
    assert past_start_warning(START, CEPOL) == (
        "Jan 31, 2027 has already passed: the pairing's first weeks are gone, and its first "
        "in-person visit is due by Apr 29, 2027, counted from that date. Choose a later date, or "
        "keep this one and the coordinator approves the plan only with a reason.")
