"""Donor indicators: each counts what its label says, on a hand-built cohort whose answers are
known, over a year and over its two halves; the same period gives the same figures later; the
pages, the dashboard and the donor report show them against their targets."""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from matching.budget.models import ExchangeRate
from matching.budget.selectors import budget_figures
from matching.models import Meeting, Pairing, PairingEvent
from programmes.models import Country
from reporting.exports import export_build
from reporting.indicators import Cohort, Period, indicator_rows
from reporting.models import Export, Indicator
from tests.factories import (
    ActivityFactory,
    ActivityParticipantFactory,
    ActivityPlanFactory,
    CallFactory,
    CompetencyFactory,
    MeetingFactory,
    MembershipFactory,
    PairingFactory,
    PlannedVisitFactory,
    SelfAssessmentAnswerFactory,
    SelfAssessmentFactory,
    shortlisted,
)
from tests.helpers import World, keep_pages, pdf_text

M = Indicator.Metric
YEAR = Period(date(2025, 1, 1), date(2025, 12, 31))
FIRST_HALF = Period(date(2025, 1, 1), date(2025, 6, 30))
SECOND_HALF = Period(date(2025, 7, 1), date(2025, 12, 31))


@dataclass
class Built:
    world: World
    pairings: dict[str, Pairing]


NAMES = {"MA": "Morocco", "TN": "Tunisia", "JO": "Jordan", "EG": "Egypt", "LB": "Lebanon"}


def _country(code: str) -> Country:
    return Country.objects.get_or_create(code=code, defaults={"name": NAMES[code]})[0]


def _event(pairing: Pairing, status: str, day: date) -> None:
    event = PairingEvent.objects.create(organisation=pairing.organisation, pairing=pairing,
                                        to_status=status)
    PairingEvent.objects.for_org(pairing.organisation).filter(pk=event.pk).update(
        created_at=datetime(day.year, day.month, day.day, 10, tzinfo=UTC))


def _pairing(world: World, calls: dict, *, country: str, gender: str, status: str,
             start: date, months: int, started: date | None = None,
             completed: date | None = None, ended: date | None = None,
             mentee_application=None) -> Pairing:
    if mentee_application is None:
        mentee = MembershipFactory(organisation=world.org, role="mentee").user
        mentee_application = shortlisted(calls["mentee"], user=mentee, gender=gender,
                                         country=_country(country))
    mentor = MembershipFactory(organisation=world.org, role="mentor").user
    pairing = PairingFactory(
        project=world.project, mentee=mentee_application.applicant, mentor=mentor,
        status=status, mentee_application=mentee_application,
        mentor_application=shortlisted(calls["mentor"], user=mentor, country=world.france))
    ActivityPlanFactory(pairing=pairing, start=start, duration_months=months,
                        status="approved")
    for day, to_status in ((started, "active"), (completed, "completed"),
                           (ended, "ended_early")):
        if day:
            _event(pairing, to_status, day)
    return pairing


@pytest.fixture
def cohort(world: World) -> Built:
    """The project's rules give the narrative report 30 days after the end and 14 of grace:
    a pairing completed within 44 days of its plan's end is on time."""
    calls = {"mentee": world.call, "mentor": CallFactory(
        organisation=world.org, project=world.project, role_sought="mentor", title="Mentors")}
    calls["mentor"].invited_countries.add(world.france)
    build = {
        # A woman from Morocco, the whole of 2025, completed on time in January 2026.
        "a": dict(country="MA", gender="female", status="completed", start=date(2025, 1, 1),
                  months=12, started=date(2025, 1, 2), completed=date(2026, 1, 20)),
        # Ended with its plan in November 2024: before the year.
        "b": dict(country="TN", gender="male", status="completed", start=date(2024, 6, 1),
                  months=6, started=date(2024, 6, 1), completed=date(2024, 12, 20)),
        # A woman from Jordan, March to August, completed late in November.
        "c": dict(country="JO", gender="female", status="completed", start=date(2025, 3, 1),
                  months=6, started=date(2025, 3, 1), completed=date(2025, 11, 30)),
        # A woman from Morocco who dropped out in May...
        "d": dict(country="MA", gender="female", status="ended_early", start=date(2025, 2, 1),
                  months=12, started=date(2025, 2, 1), ended=date(2025, 5, 10)),
        # Gender not given, from Egypt, starting on the year's last day.
        "e": dict(country="EG", gender="", status="active", start=date(2025, 12, 31),
                  months=12, started=date(2025, 12, 31)),
        # Agreed, never started.
        "f": dict(country="LB", gender="female", status="plan_agreed", start=date(2025, 6, 1),
                  months=6),
        # 2024's pairing, completed on time on 5 January 2025.
        "g": dict(country="LB", gender="female", status="completed", start=date(2024, 1, 1),
                  months=12, started=date(2024, 1, 1), completed=date(2025, 1, 5)),
    }
    pairings = {name: _pairing(world, calls, **values) for name, values in build.items()}
    # ...and came back with another mentor in July: one officer, two pairings.
    pairings["h"] = _pairing(world, calls, country="MA", gender="female", status="active",
                             start=date(2025, 7, 1), months=12, started=date(2025, 7, 1),
                             mentee_application=pairings["d"].mentee_application)
    for name, days in {"a": [date(2025, 1, 10), date(2025, 4, 2), date(2025, 12, 31),
                             date(2026, 1, 5)],
                       "c": [date(2025, 3, 3), date(2025, 7, 1)],
                       "d": [date(2025, 2, 20)],
                       "g": [date(2025, 1, 3)],
                       "h": [date(2025, 9, 9)]}.items():
        for day in days:
            MeetingFactory(pairing=pairings[name], day=day)
    # Disputed and never confirmed: not held.
    MeetingFactory(pairing=pairings["d"], day=date(2025, 3, 20), corrected=True)
    return Built(world, pairings)


def figures(built: Built, period: Period) -> dict[str, Decimal | None]:
    project = built.world.project
    cohort = Cohort(project, Pairing.objects.for_org(project.organisation).filter(
        project=project))
    return {metric: cohort.figure(metric, period).value for metric in (
        M.OFFICERS_MENTORED, M.WOMEN_SHARE, M.COUNTRIES, M.COMPLETED_ON_TIME,
        M.MEETINGS_PER_PAIR)}


def test_each_indicator_counts_what_its_label_says_over_a_year(cohort: Built):
    assert figures(cohort, YEAR) == {
        # a, c, d (and h, the same officer), e: b and g had ended, f never started.
        M.OFFICERS_MENTORED: 4,
        # a, c and d; e gave no gender and counts as not a woman.
        M.WOMEN_SHARE: Decimal("75.0"),
        # Morocco (a, d), Jordan (c), Egypt (e).
        M.COUNTRIES: 3,
        # c completed late, g on time (its plan ended in 2024; completed in 2025).
        M.COMPLETED_ON_TIME: 1,
        # a 3 (not January 2026), c 2, d 1 (not the disputed one), e 0, h 1: 7 by 5 pairs.
        M.MEETINGS_PER_PAIR: Decimal("1.4"),
    }


def test_the_halves_of_the_year_split_at_the_boundary(cohort: Built):
    assert figures(cohort, FIRST_HALF) == {
        M.OFFICERS_MENTORED: 3,  # a, c, d
        M.WOMEN_SHARE: Decimal("100.0"),
        M.COUNTRIES: 2,
        M.COMPLETED_ON_TIME: 1,  # g, on 5 January
        M.MEETINGS_PER_PAIR: Decimal("1.3"),  # a 2, c 1, d 1: 4 by 3 pairs
    }
    assert figures(cohort, SECOND_HALF) == {
        M.OFFICERS_MENTORED: 4,  # a, c, e, and d's officer again in h
        M.WOMEN_SHARE: Decimal("75.0"),
        M.COUNTRIES: 3,
        M.COMPLETED_ON_TIME: 0,  # c, late
        M.MEETINGS_PER_PAIR: Decimal("0.8"),  # a 1, c 1, h 1, e 0: 3 by 4 pairs
    }


def test_the_same_period_gives_the_same_figures_after_later_events(cohort: Built):
    before = figures(cohort, YEAR)
    # What happens after the period leaves it alone: e completes, a meeting in 2026.
    _event(cohort.pairings["e"], "completed", date(2026, 12, 1))
    MeetingFactory(pairing=cohort.pairings["h"], day=date(2026, 2, 2))
    Pairing.objects.for_org(cohort.world.org).filter(pk=cohort.pairings["e"].pk).update(
        status="completed")
    assert figures(cohort, YEAR) == before


def test_activities_held_and_attendance_count_over_the_period(cohort: Built):
    world = cohort.world
    kinds = {"webinar": ("webinar", date(2025, 6, 30), date(2025, 6, 30)),
             # Over the halves' boundary: held in the second, when it ended.
             "conference": ("conference", date(2025, 6, 29), date(2025, 7, 1)),
             "cancelled": ("training", date(2025, 3, 1), date(2025, 3, 1)),
             "unrecorded": ("training", date(2025, 9, 1), date(2025, 9, 1))}
    made = {name: ActivityFactory(project=world.project, kind=kind, starts_on=first,
                                  ends_on=last, cancelled=name == "cancelled")
            for name, (kind, first, last) in kinds.items()}
    for name, attended in {"webinar": ["yes", "yes", "no"], "conference": ["yes", "no"],
                           "cancelled": ["yes"], "unrecorded": ["unknown", "unknown"]}.items():
        for answer in attended:
            ActivityParticipantFactory(activity=made[name], attended=answer)
    project = world.project
    cohort_ = Cohort(project, Pairing.objects.for_org(world.org))
    assert cohort_.figure(M.ACTIVITIES_HELD, YEAR).value == 3
    assert cohort_.figure(M.ACTIVITIES_HELD, FIRST_HALF).value == 1
    assert cohort_.figure(M.ACTIVITIES_HELD, SECOND_HALF).value == 2
    # 3 of the 5 invited where attendance was recorded; the unrecorded training does not count.
    assert cohort_.figure(M.ATTENDANCE, YEAR).value == Decimal("60.0")
    assert cohort_.figure(M.ATTENDANCE, FIRST_HALF).value == Decimal("66.7")
    assert cohort_.figure(M.ATTENDANCE, SECOND_HALF).value == Decimal("50.0")


def test_visits_funded_and_the_budget_used_count_each_currency_at_its_rate(cohort: Built):
    world, pairings = cohort.world, cohort.pairings
    project = world.project
    project.visit_budget, project.budget_currency = Decimal("10000"), "EUR"
    project.visit_ceiling_per_pair = Decimal("2000")
    project.save()
    ExchangeRate.objects.create(organisation=world.org, project=project, currency="MAD",
                                rate=Decimal("0.0920"), recorded_by=world.people["coordinator"])
    # a: planned beyond the ceiling (two funded visits of 1,200 EUR).
    plan = pairings["a"].plans.get()
    for month in (3, 9):
        PlannedVisitFactory(plan=plan, day=date(2025, month, 1), estimated_cost=Decimal(1200))

    def visit(name: str, day: date, amount: str, currency: str, status: str,
              approved: str | None = None) -> None:
        MeetingFactory(pairing=pairings[name], kind="in_person", funded=True, day=day,
                       city="Rabat", cost_amount=Decimal(amount), cost_currency=currency,
                       claim_status=status,
                       approved_amount=Decimal(approved or amount) if status in (
                           "approved", "adjusted") else None)

    visit("a", date(2025, 3, 2), "1100", "EUR", "approved")
    visit("a", date(2025, 9, 2), "1300", "EUR", "adjusted", "1150")  # the second half
    visit("c", date(2025, 6, 30), "10000", "MAD", "approved")  # 920 EUR at the rate
    visit("c", date(2025, 7, 3), "500", "TND", "approved")  # no rate: never added
    visit("h", date(2025, 10, 1), "900", "EUR", "pending")
    visit("d", date(2025, 4, 1), "700", "EUR", "refused")
    found = Cohort(project, Pairing.objects.for_org(world.org))
    year = found.figure(M.BUDGET_USED, YEAR)
    assert (year.value, year.currency) == (Decimal("3170.00"), "EUR")  # 1,100 + 1,150 + 920
    assert "not counted: 500.00 TND, no rate recorded" in year.detail
    assert "900.00 EUR waiting for review" in year.detail
    assert found.figure(M.BUDGET_USED, FIRST_HALF).value == Decimal("2020.00")
    assert found.figure(M.BUDGET_USED, SECOND_HALF).value == Decimal("1150.00")
    # Approved or adjusted: a, a, c in MAD and c in TND (counted, though its amount is not).
    assert found.figure(M.VISITS_FUNDED, YEAR).value == 4
    assert found.figure(M.VISITS_FUNDED, FIRST_HALF).value == 2
    assert budget_figures(project=project).over_ceiling == [pairings["a"].pk]


def test_the_average_competency_gain_counts_those_who_answered_at_both_ends(cohort: Built):
    world, pairings = cohort.world, cohort.pairings
    skills = [CompetencyFactory(project=world.project, name=name)
              for name in ("Leadership", "Analysis")]

    def answered(name: str, moment: str, day: date, scores: tuple[int, int]) -> None:
        made = SelfAssessmentFactory(pairing=pairings[name], moment=moment,
                                     submitted_at=datetime(day.year, day.month, day.day, 12,
                                                           tzinfo=UTC))
        for skill, score in zip(skills, scores, strict=True):
            SelfAssessmentAnswerFactory(assessment=made, competency=skill, score=score)

    for name, start_day, end_day, before, after in (
            ("a", date(2025, 1, 10), date(2025, 12, 20), (2, 3), (4, 4)),  # +2, +1
            ("c", date(2025, 3, 10), date(2025, 9, 5), (1, 2), (3, 3)),  # +2, +1
            ("g", date(2024, 1, 10), date(2025, 1, 20), (3, 3), (3, 4))):  # 0, +1
        answered(name, "start", start_day, before)
        answered(name, "end", end_day, after)
    answered("h", "end", date(2025, 12, 1), (5, 5))  # no start: not counted
    found = Cohort(world.project, Pairing.objects.for_org(world.org))
    assert found.figure(M.COMPETENCY_GAIN, YEAR).value == Decimal("1.17")  # 7 points / 6
    # Two people ended in the second half: too few to show anyone's gain.
    second = found.figure(M.COMPETENCY_GAIN, SECOND_HALF)
    assert second.value is None and "2 people answered" in second.detail


def test_an_empty_period_counts_nothing_rather_than_dividing_by_zero(cohort: Built):
    empty = figures(cohort, Period(date(2030, 1, 1), date(2030, 12, 31)))
    assert empty[M.OFFICERS_MENTORED] == 0
    assert empty[M.WOMEN_SHARE] is None
    assert empty[M.MEETINGS_PER_PAIR] is None


def _indicator(world: World, metric: str, target: str, period: Period = YEAR) -> Indicator:
    return Indicator.objects.create(organisation=world.org, project=world.project,
                                    metric=metric, target=Decimal(target),
                                    period_start=period.start, period_end=period.end)


def test_an_indicator_shows_how_far_it_is_towards_its_target(cohort: Built):
    world = cohort.world
    rows = indicator_rows(
        project=world.project, pairings=Pairing.objects.for_org(world.org),
        indicators=[_indicator(world, M.OFFICERS_MENTORED, "8"),
                    _indicator(world, M.WOMEN_SHARE, "50")])
    assert [(row.percent_of_target, row.met) for row in rows] == [(50, False), (150, True)]
    assert [row.shown_value for row in rows] == ["4", "75.0%"]


def test_the_indicators_cost_the_same_queries_for_more_pairings(cohort: Built, world: World):
    for metric in M.values:
        _indicator(world, metric, "1")
    indicators = list(Indicator.objects.for_org(world.org))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            indicator_rows(project=world.project, pairings=Pairing.objects.for_org(world.org),
                           indicators=indicators)
        return len(captured)

    calls = {"mentee": world.call, "mentor": CallFactory(
        organisation=world.org, project=world.project, role_sought="mentor", title="More")}
    calls["mentor"].invited_countries.add(world.france)

    def one_more(n: int) -> None:
        """A pairing with a funded visit, and an activity with someone who attended."""
        more = _pairing(world, calls, country="TN", gender="female", status="active",
                        start=date(2025, 1 + n, 1), months=6, started=date(2025, 1 + n, 1))
        MeetingFactory(pairing=more, day=date(2025, 7, 1), kind="in_person", funded=True,
                       city="Tunis", cost_amount=Decimal(300), cost_currency="EUR",
                       claim_status="approved", approved_amount=Decimal(300))
        ActivityParticipantFactory(activity=ActivityFactory(
            project=world.project, starts_on=date(2025, 5, 1 + n), ends_on=date(2025, 5, 1 + n)),
            attended="yes")

    one_more(0)
    few = queries()
    for n in range(1, 7):
        one_more(n)
    assert queries() == few


# --- Pages -----------------------------------------------------------------------------------

def test_a_coordinator_adds_an_indicator_and_sees_it_against_its_target(cohort: Built,
                                                                        client_as):
    world = cohort.world
    url = reverse("indicators", args=[world.org.slug, world.project.slug])
    response = client_as(world.people["coordinator"]).post(url, {
        "indicator-metric": M.OFFICERS_MENTORED, "indicator-reference": "Output 1.1",
        "indicator-target": "8", "indicator-period_start": "2025-01-01",
        "indicator-period_end": "2025-12-31"}, follow=True)
    assert response.status_code == 200
    made = Indicator.objects.for_org(world.org).get()
    assert (made.reference, made.target) == ("Output 1.1", Decimal("8"))
    page = response.content.decode()
    assert "Output 1.1" in page and "50% of the target" in page


def test_a_bad_indicator_is_refused_next_to_its_field_and_keeps_what_was_typed(world: World,
                                                                              client_as):
    url = reverse("indicators", args=[world.org.slug, world.project.slug])
    response = client_as(world.people["coordinator"]).post(url, {
        "indicator-metric": M.WOMEN_SHARE, "indicator-reference": "Women reached",
        "indicator-target": "140", "indicator-period_start": "2025-12-31",
        "indicator-period_end": "2025-01-01"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "its target is at most 100" in page
    assert "The end of the period comes before its start." in page
    assert 'value="Women reached"' in page and 'value="140"' in page
    assert not Indicator.objects.for_org(world.org).exists()


def test_an_observer_reads_the_indicators_but_cannot_add_one(cohort: Built, client_as):
    world = cohort.world
    _indicator(world, M.COUNTRIES, "5")
    url = reverse("indicators", args=[world.org.slug, world.project.slug])
    page = client_as(world.people["observer"]).get(url).content.decode()
    assert "Countries covered" in page and "Add an indicator" not in page
    observer = client_as(world.people["observer"])
    assert observer.post(url, {"indicator-metric": M.COUNTRIES}).status_code == 403


def test_a_coordinator_changes_and_removes_an_indicator(world: World, client_as):
    made = _indicator(world, M.COUNTRIES, "5")
    url = reverse("indicator_edit", args=[world.org.slug, world.project.slug, made.pk])
    client = client_as(world.people["coordinator"])
    assert client.post(url, {"indicator-metric": M.COUNTRIES, "indicator-target": "7",
                             "indicator-period_start": "2025-01-01",
                             "indicator-period_end": "2025-12-31"}).status_code == 302
    made.refresh_from_db()
    assert made.target == Decimal("7")
    assert client.post(url, {"delete": "1"}).status_code == 302
    assert not Indicator.objects.for_org(world.org).exists()


def test_the_dashboard_shows_the_indicators_with_its_country_filter(cohort: Built, client_as):
    """The dashboard asks for the indicators once shown (htmx), with its filters."""
    world = cohort.world
    _indicator(world, M.COUNTRIES, "6")
    client = client_as(world.people["observer"])
    url = reverse("dashboard", args=[world.org.slug, world.project.slug])
    page = client.get(url, {"country": "EG"}).content.decode()
    assert 'data-hx-get="?country=EG&amp;section=indicators"' in page
    fragment = client.get(url, {"country": "EG", "section": "indicators"},
                          headers={"HX-Request": "true"})
    text = fragment.content.decode()
    assert "<html" not in text and "Countries covered" in text
    assert "17% of the target" in text  # Egypt alone: 1 of 6
    whole = client.get(url, {"section": "indicators"},
                       headers={"HX-Request": "true"}).content.decode()
    assert "50% of the target" in whole  # 3 of 6


def test_the_donor_report_states_its_period_and_filters_and_shows_the_indicators(
        cohort: Built, client_as):
    world = cohort.world
    _indicator(world, M.OFFICERS_MENTORED, "8").reference = ""
    _indicator(world, M.COMPLETED_ON_TIME, "2", FIRST_HALF)
    _indicator(world, M.COUNTRIES, "3", Period(date(2027, 1, 1), date(2027, 12, 31)))
    morocco = _country("MA")
    world.project.visit_budget = Decimal("10000")
    world.project.save()
    MeetingFactory(pairing=cohort.pairings["a"], kind="in_person", funded=True,
                   day=date(2025, 5, 5), city="Rabat", cost_amount=Decimal("1234"),
                   cost_currency="EUR", claim_status="approved", approved_amount=Decimal("1234"))
    ActivityFactory(project=world.project, title="Regional conference on asset recovery",
                    kind="conference", starts_on=date(2025, 10, 7), ends_on=date(2025, 10, 8))
    response = client_as(world.people["observer"]).post(
        reverse("donor_report", args=[world.org.slug, world.project.slug]),
        {"period_start": "2025-01-01", "period_end": "2025-12-31", "country": "MA"})
    assert response.status_code == 302
    export = Export.objects.for_org(world.org).get(kind=Export.Kind.DONOR)
    export_build(organisation_id=world.org.pk, export_id=export.pk)
    export.refresh_from_db()
    assert export.status == Export.Status.DONE, export.error
    text = pdf_text(bytes(export.content))
    keep_pages(bytes(export.content), "donor-report")
    assert "donor report" in text and morocco.name in text
    assert "Officers mentored" in text and "Pairs completed on time" in text
    assert "Countries covered" not in text  # 2027's indicator is outside the period
    assert "Funded visits: budget" in text and "1,234.00" in text
    assert "Regional conference on asset recovery" in text
    # Mentees from Morocco only: a, d and h, one of whom (d's officer) is counted once.
    assert "2 pairs mentored" not in text and "3 pairs mentored in the period" in text


def test_a_donor_report_needs_its_period(world: World, client_as):
    response = client_as(world.people["coordinator"]).post(
        reverse("donor_report", args=[world.org.slug, world.project.slug]),
        {"period_start": "2025-12-31", "period_end": "2025-01-01"})
    assert response.status_code == 400
    assert "The end of the period comes before its start." in response.content.decode()
    assert not Export.objects.for_org(world.org).exists()
    assert Meeting.objects.for_org(world.org).count() == 0
