"""The visit budget: exchange rates, the review of claims, the figures (two currencies, one
without a rate, a pair over the ceiling), the budget page and the plan's ceiling warning."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from guardian.shortcuts import assign_perm

from matching.budget.selectors import budget_figures
from matching.budget.services import exchange_rate_record
from matching.meetings.services import meeting_claim_review, meeting_save
from matching.models import ExchangeRate, Meeting, Pairing
from participants.models import Role
from programmes.services import RULE_FIELDS
from reporting.exports import export_build
from tests.factories import (
    ActivityPlanFactory,
    ExportFactory,
    MeetingFactory,
    MembershipFactory,
    PairingFactory,
    PlannedVisitFactory,
    shortlisted,
)
from tests.helpers import World, active_pairing, as_actor, jordan, keep_pages, pair, pdf_text

D = Decimal


@pytest.fixture
def budgeted(world: World) -> World:
    project = world.project
    project.visit_budget, project.visit_ceiling_per_pair = D("10000.00"), D("1500.00")
    project.save()
    return world


def claim(pairing: Pairing, day: date, amount: str, currency: str, status: str = "pending",
          approved: str | None = None) -> Meeting:
    return MeetingFactory(pairing=pairing, kind=Meeting.Kind.IN_PERSON, day=day, city="Rabat",
                          funded=True, cost_amount=D(amount), cost_currency=currency,
                          claim_status=status,
                          approved_amount=D(approved) if approved is not None else None)


@pytest.fixture
def cohort(budgeted: World):
    """Pairing A (mentee from Morocco): 800 EUR approved in Q1 2027, 9,000 MAD adjusted to
    8,000 MAD in Q2 (MAD at 0.092), 500 TND pending in Q2 (no TND rate); its plan estimates
    2,100 EUR of funded visits, over the 1,500 ceiling. Pairing B (mentee from Jordan): 1,000
    EUR refused in Q1, 700 EUR pending in Q3; planned 1,000."""
    world = budgeted
    a = pair(world, status="active")
    plan_a = a.plans.get()
    PlannedVisitFactory(plan=plan_a, day=plan_a.start + timedelta(days=40), place="Rabat",
                        funded=True, estimated_cost=D("1200.00"))
    PlannedVisitFactory(plan=plan_a, day=plan_a.start + timedelta(days=130), place="Lyon",
                        funded=True, estimated_cost=D("900.00"))
    PlannedVisitFactory(plan=plan_a, day=plan_a.start + timedelta(days=200), place="Paris",
                        funded=False, estimated_cost=D("5000.00"))  # not funded: not counted
    mentee = MembershipFactory(organisation=world.org, role="mentee").user
    b = PairingFactory(project=world.project, mentee=mentee,
                       mentor=MembershipFactory(organisation=world.org, role="mentor").user,
                       status=Pairing.Status.ACTIVE,
                       mentee_application=shortlisted(world.call, user=mentee,
                                                      country=jordan()))
    plan_b = ActivityPlanFactory(pairing=b, version=1, status="approved")
    PlannedVisitFactory(plan=plan_b, funded=True, estimated_cost=D("1000.00"))
    coordinator = as_actor(world.people["coordinator"])
    exchange_rate_record(actor=coordinator, project=world.project, currency="MAD",
                         rate=D("0.1"), note="First guess")
    exchange_rate_record(actor=coordinator, project=world.project, currency="mad",
                         rate=D("0.092"), note="ECB, March 2027")
    claim(a, date(2027, 2, 10), "800.00", "EUR", "approved", "800.00")
    claim(a, date(2027, 5, 10), "9000.00", "MAD", "adjusted", "8000.00")
    claim(a, date(2027, 4, 1), "500.00", "TND")
    claim(b, date(2027, 3, 1), "1000.00", "EUR", "refused")
    claim(b, date(2027, 7, 1), "700.00", "EUR")
    return a, b


def test_figures_count_what_their_labels_say(world: World, cohort):
    a, b = cohort
    figures = budget_figures(project=world.project)
    assert figures.currency == "EUR" and figures.budget == D("10000.00")
    assert figures.rates["MAD"] == D("0.092")  # the latest recorded
    assert figures.claimed == {"EUR": D("2500.00"), "MAD": D("9000.00"), "TND": D("500.00")}
    assert figures.used == D("1536.00")  # 800 + 8,000 MAD x 0.092
    assert figures.pending == D("700.00")
    assert figures.unconverted == {"TND": D("500.00")}  # shown, never added
    assert figures.left == D("8464.00") and figures.available == D("7764.00")
    assert figures.visits_funded == 2 and figures.claims == 5
    assert figures.planned == D("3100.00")
    assert figures.over_ceiling == [a.pk]
    assert figures.pairings[a.pk].approved == D("1536.00")
    assert figures.pairings[b.pk].claimed == {"EUR": D("1700.00")}
    assert figures.pairings[b.pk].approved == D("0.00")
    countries = {s.key: s for s in figures.by_country}
    assert (countries["MA"].used, countries["MA"].visits_funded,
            countries["MA"].unconverted) == (D("1536.00"), 2, {"TND": D("500.00")})
    assert (countries["JO"].used, countries["JO"].pending) == (D("0.00"), D("700.00"))
    periods = {s.key: (s.used, s.pending, s.visits_funded) for s in figures.by_period}
    assert periods == {"2027-Q1": (D("800.00"), D("0.00"), 1),
                       "2027-Q2": (D("736.00"), D("0.00"), 1),
                       "2027-Q3": (D("0.00"), D("700.00"), 0)}


def test_figures_across_a_period_boundary(world: World, cohort):
    """The visit's day decides: a visit on the last day of March is in Q1, not in Q2."""
    a, _b = cohort
    claim(a, date(2027, 3, 31), "100.00", "EUR", "approved", "100.00")
    q2 = budget_figures(project=world.project, start=date(2027, 4, 1), end=date(2027, 6, 30))
    assert (q2.used, q2.visits_funded, q2.unconverted) == (D("736.00"), 1, {"TND": D("500.00")})
    q1 = budget_figures(project=world.project, start=date(2027, 1, 1), end=date(2027, 3, 31))
    assert (q1.used, q1.visits_funded) == (D("900.00"), 2)
    only_b = budget_figures(project=world.project, pairings=[cohort[1]])
    assert (only_b.used, only_b.pending, only_b.visits_funded) == (D("0.00"), D("700.00"), 0)


def test_figures_take_a_bounded_number_of_queries(world: World, cohort):
    with CaptureQueriesContext(connection) as small:
        budget_figures(project=world.project)
    for _ in range(5):
        more = pair(world, status="active")
        claim(more, date(2027, 2, 1), "300.00", "MAD", "approved", "300.00")
    with CaptureQueriesContext(connection) as large:
        budget_figures(project=world.project)
    assert len(small) == len(large) <= 5


# --- Reviewing claims -------------------------------------------------------------------------

VISIT = {"kind": "in_person", "day": date(2027, 3, 10), "duration_minutes": 240,
         "topics": "Joint case review", "notes": "", "city": "Rabat", "country": None,
         "funded": True, "cost_amount": D("850.00"), "cost_currency": "EUR"}


def test_approve_adjust_refuse_and_back_to_pending_on_change(budgeted: World):
    world = budgeted
    pairing = active_pairing(world)
    mentee = as_actor(world.people["mentee"])
    meeting = meeting_save(actor=mentee, pairing=pairing, meeting=None, fields=dict(VISIT),
                           today=date(2027, 5, 10))
    assert meeting.claim_status == "pending"
    coordinator = as_actor(world.people["coordinator"])
    meeting = meeting_claim_review(actor=coordinator, meeting=meeting, decision="approved")
    assert (meeting.claim_status, meeting.approved_amount, meeting.claim_reviewed_by) == (
        "approved", D("850.00"), world.people["coordinator"])
    with pytest.raises(ValidationError) as refused:
        meeting_claim_review(actor=coordinator, meeting=meeting, decision="adjusted",
                             amount=D("700.00"))
    assert "note" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        meeting_claim_review(actor=coordinator, meeting=meeting, decision="adjusted",
                             note="Hotel over the rate")
    assert "amount" in refused.value.message_dict
    meeting = meeting_claim_review(actor=coordinator, meeting=meeting, decision="adjusted",
                                   amount=D("700.00"), note="Hotel over the rate")
    assert (meeting.claim_status, meeting.approved_amount) == ("adjusted", D("700.00"))
    # The mentee changes the amount claimed: the review is for another claim.
    meeting = meeting_save(actor=mentee, pairing=pairing, meeting=meeting,
                           fields={**VISIT, "cost_amount": D("900.00")}, today=date(2027, 5, 10))
    meeting.refresh_from_db()
    assert (meeting.claim_status, meeting.approved_amount, meeting.claim_reviewed_by) == (
        "pending", None, None)
    # A change that leaves the claim as it was keeps the review.
    meeting = meeting_claim_review(actor=coordinator, meeting=meeting, decision="approved")
    meeting_save(actor=mentee, pairing=pairing, meeting=meeting,
                 fields={**VISIT, "cost_amount": D("900.00"), "topics": "Case review"},
                 today=date(2027, 5, 10))
    meeting.refresh_from_db()
    assert meeting.claim_status == "approved"
    meeting = meeting_claim_review(actor=coordinator, meeting=meeting, decision="refused",
                                   note="Not a funded period")
    assert (meeting.claim_status, meeting.approved_amount) == ("refused", None)


@pytest.mark.parametrize("who", ["admin", "observer", "mentor", "mentee", "focal_point",
                                 "other_coordinator"])
def test_only_the_projects_coordinators_review_claims_and_record_rates(budgeted: World, who):
    world = budgeted
    meeting = claim(active_pairing(world), date(2027, 3, 10), "500.00", "EUR")
    if who == "other_coordinator":
        user = MembershipFactory(organisation=world.org, role=Role.COORDINATOR).user
        assign_perm("programmes.coordinate_project", user, world.other_project)
    else:
        user = world.people[who]
    actor = as_actor(user, world.org)
    with pytest.raises(PermissionDenied):
        meeting_claim_review(actor=actor, meeting=meeting, decision="approved")
    with pytest.raises(PermissionDenied):
        exchange_rate_record(actor=actor, project=world.project, currency="MAD", rate=D("0.1"))
    meeting.refresh_from_db()
    assert meeting.claim_status == "pending" and not ExchangeRate.unscoped.exists()


def test_a_rate_for_the_budgets_own_currency_or_not_positive_is_refused(budgeted: World):
    coordinator = as_actor(budgeted.people["coordinator"])
    for currency, rate, field in (("EUR", "1.1", "currency"), ("MAD", "0", "rate"),
                                  ("XYZ", "0.1", "currency")):
        with pytest.raises(ValidationError) as refused:
            exchange_rate_record(actor=coordinator, project=budgeted.project,
                                 currency=currency, rate=D(rate))
        assert field in refused.value.message_dict
    assert not ExchangeRate.unscoped.exists()


# --- The budget page --------------------------------------------------------------------------

def url(world: World, name: str = "budget_page", *args) -> str:
    return reverse(name, args=[world.org.slug, world.project.slug, *args])


def test_the_page_shows_the_figures_and_what_no_rate_counts(world: World, cohort, client_as):
    for who in ("coordinator", "admin", "observer"):
        page = client_as(world.people[who]).get(url(world))
        assert page.status_code == 200
        text = page.text
        assert "1,536.00 EUR" in text and "8,464.00 EUR" in text
        assert "Not counted: no rate recorded for TND" in text
        assert ("Save the review" in text) == (who == "coordinator")
        assert ("Record the rate" in text) == (who == "coordinator")
        # Each claim names its pair: figures only for the observer.
        assert ("Claims waiting for review" in text) == (who != "observer")
        assert (cohort[0].mentee.full_name in text) == (who != "observer")
    for who in ("mentee", "mentor", "focal_point"):
        assert client_as(world.people[who]).get(url(world)).status_code == 403
    assert client_as(world.outsider).get(url(world)).status_code == 404


def test_the_coordinator_adjusts_a_claim_on_the_page(world: World, cohort, client_as):
    client = client_as(world.people["coordinator"])
    pending = Meeting.unscoped.get(cost_currency="TND")
    prefix = f"claim-{pending.pk}"
    response = client.post(url(world, "claim_review", pending.pk), {
        f"{prefix}-decision": "adjusted", f"{prefix}-amount": "450", f"{prefix}-note": "Taxi"})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert (pending.claim_status, pending.approved_amount) == ("adjusted", D("450.00"))


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"decision": "adjusted", "amount": "-5", "note": "x"}, "amount",
     "greater than or equal to 0"),
    ({"decision": "adjusted", "amount": "", "note": "x"}, "amount", "Give the amount approved"),
    ({"decision": "refused", "amount": "", "note": ""}, "note", "Say why"),
    ({"decision": "maybe"}, "decision", "Select a valid choice"),
])
def test_a_bad_review_is_shown_next_to_its_field(world: World, cohort, client_as, data, field,
                                                 message):
    client = client_as(world.people["coordinator"])
    pending = Meeting.unscoped.get(cost_currency="TND")
    prefix = f"claim-{pending.pk}"
    response = client.post(url(world, "claim_review", pending.pk),
                           {f"{prefix}-{k}": v for k, v in data.items()})
    assert response.status_code == 400
    form = dict((m.pk, f) for m, f in response.context["pending"])[pending.pk]
    assert any(message in error for error in form.errors[field])
    pending.refresh_from_db()
    assert pending.claim_status == "pending"


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"currency": "MAD", "rate": "-1"}, "rate", "more than zero"),
    ({"currency": "MAD", "rate": "0"}, "rate", "more than zero"),
    ({"currency": "XYZ", "rate": "0.1"}, "currency", "not an ISO 4217 currency code"),
    ({"currency": "EUR", "rate": "1"}, "currency", "need no rate"),
    ({"currency": "MAD", "rate": "abc"}, "rate", "Enter a number"),
])
def test_a_bad_rate_is_shown_next_to_its_field(world: World, cohort, client_as, data, field,
                                               message):
    client = client_as(world.people["coordinator"])
    before = ExchangeRate.unscoped.count()
    response = client.post(url(world, "exchange_rate_add"), {**data, "note": "typed"})
    assert response.status_code == 400
    form = response.context["rate_form"]
    assert any(message in error for error in form.errors[field]), form.errors
    assert form["note"].value() == "typed"
    assert ExchangeRate.unscoped.count() == before


def test_a_rate_recorded_on_the_page_counts_the_claims(world: World, cohort, client_as):
    client = client_as(world.people["coordinator"])
    response = client.post(url(world, "exchange_rate_add"),
                           {"currency": "tnd", "rate": "0.30", "note": "ECB"})
    assert response.status_code == 302
    figures = budget_figures(project=world.project)
    assert figures.unconverted == {} and figures.pending == D("850.00")  # 700 + 500 x 0.30


def test_another_projects_claim_answers_404(world: World, cohort, client_as):
    other = PairingFactory(project=world.other_project, status=Pairing.Status.ACTIVE)
    foreign = claim(other, date(2027, 3, 1), "100.00", "EUR")
    client = client_as(world.people["coordinator"])
    assert client.post(url(world, "claim_review", foreign.pk),
                       {f"claim-{foreign.pk}-decision": "approved"}).status_code == 404


def page_queries(client, address: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(address).status_code == 200
    return len(captured)


def test_the_page_query_count_does_not_grow(world: World, cohort, client_as):
    client = client_as(world.people["coordinator"])
    page_queries(client, url(world))
    small = page_queries(client, url(world))
    for n in range(12):
        more = pair(world, status="active")
        claim(more, date(2027, 2, 1), "300.00", "MAD", "approved", "300.00")
        claim(more, date(2027, 8, 1), f"{100 + n}.00", "TND")
        exchange_rate_record(actor=as_actor(world.people["coordinator"]), project=world.project,
                             currency="GBP", rate=D("1.15"))
    large = page_queries(client, url(world))
    assert small == large, f"{small} queries with few claims, {large} with many"


# --- The ceiling per pair, on the plan form and the pairing page ------------------------------

def test_the_plan_form_warns_beyond_the_ceiling_and_still_saves(world: World, cohort, client_as):
    a, _b = cohort
    client = client_as(a.mentee)
    plan_url = reverse("plan_edit", args=[world.org.slug, a.pk])
    page = client.get(plan_url).text
    assert "Over the ceiling per pair." in page
    assert "2,100.00 EUR, more than the ceiling of 1,500.00 EUR" in page
    page = client.get(reverse("pairing_detail", args=[world.org.slug, a.pk])).text
    assert "Over the ceiling per pair." in page and "Visit costs" in page


# --- The budget with the project's rules ------------------------------------------------------

def rules_data(world: World, **changes: str) -> dict:
    project = world.project
    data = {name: getattr(project, name) for name in RULE_FIELDS}
    data = {name: ("on" if value is True else "" if value is False else str(value))
            for name, value in data.items()}
    return {**data, "visit_budget": "60000", "budget_currency": "eur",
            "visit_ceiling_per_pair": "3000", **changes}


def test_the_coordinator_sets_the_budget_with_the_rules(world: World, client_as):
    client = client_as(world.people["coordinator"])
    address = reverse("project_rules", args=[world.org.slug, world.project.slug])
    assert client.post(address, rules_data(world)).status_code == 302
    world.project.refresh_from_db()
    assert (world.project.visit_budget, world.project.budget_currency,
            world.project.visit_ceiling_per_pair) == (D(60000), "EUR", D(3000))


@pytest.mark.parametrize(("field", "value", "message"), [
    ("visit_budget", "-1", "greater than or equal to 0"),
    ("visit_ceiling_per_pair", "-5", "greater than or equal to 0"),
    ("budget_currency", "XYZ", "not an ISO 4217 currency code"),
    ("visit_budget", "12abc", "Enter a number"),
])
def test_a_bad_budget_is_shown_next_to_its_field(world: World, client_as, field, value,
                                                 message):
    client = client_as(world.people["coordinator"])
    address = reverse("project_rules", args=[world.org.slug, world.project.slug])
    response = client.post(address, rules_data(world, **{field: value}))
    assert response.status_code == 200 and response.context["form"].errors
    assert any(message in error for error in response.context["form"].errors[field])
    world.project.refresh_from_db()
    assert world.project.visit_budget is None


# --- The dashboard, the highlights PDF and the pairing dossier --------------------------------

def test_the_dashboard_shows_the_budgets_totals(world: World, cohort, client_as):
    # The dashboard asks for its budget once shown (htmx).
    page = client_as(world.people["observer"]).get(
        reverse("dashboard", args=[world.org.slug, world.project.slug]),
        {"section": "budget"}, headers={"HX-Request": "true"}).text
    assert "Funded visits: budget" in page and "1,536.00" in page and "8,464.00" in page
    assert "Not counted: no rate recorded for TND" in page


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_highlights_and_the_dossier_show_the_budget(world: World, cohort, language):
    a, _b = cohort
    for kind, extra, name in (("highlights", {}, "budget-highlights"),
                              ("dossier", {"pairing": a}, "budget-dossier")):
        export = ExportFactory(project=world.project, kind=kind, format="pdf",
                               params={"language": language}, **extra)
        export_build(organisation_id=world.org.pk, export_id=export.pk)
        export.refresh_from_db()
        assert export.status == "done", export.error
        content = bytes(export.content)
        pages = keep_pages(content, f"{name}-{language}")
        assert pages
        if language == "en":
            text = pdf_text(content)
            assert "1,536.00" in text and "TND" in text
