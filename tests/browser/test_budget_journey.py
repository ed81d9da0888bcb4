"""The visit budget in a real Chromium: the mentee logs a funded visit with its cost claimed in
dirhams; the coordinator finds it on the project's budget page, not counted until a rate is
recorded (a rate of zero is refused next to its field first), records the rate, adjusts the
claim with a note; the mentee reads the decision on the pairing page."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from matching.models import ExchangeRate, Meeting
from tests.browser.helpers import (
    DESKTOP,
    PHONE,
    screenshot,
    screenshots,
    sign_in_with_cookie,
)
from tests.helpers import World, active_pairing

pytestmark = pytest.mark.browser


def test_a_claim_logged_then_adjusted_on_the_budget_page(
    transactional_db, world: World, live_server, new_page
):
    project = world.project
    project.visit_budget, project.visit_ceiling_per_pair = Decimal(60000), Decimal(3000)
    project.save()
    today = timezone.localdate()
    pairing = active_pairing(world, start=today - timedelta(days=40))

    mentee = new_page(PHONE)
    sign_in_with_cookie(mentee, world.people["mentee"], live_server)
    mentee.goto(f"/cepol/pairings/{pairing.pk}/")
    # The plan's funded visits, estimated beyond the ceiling per pair: warned, still saved.
    mentee.get_by_role("link", name="Change the plan").click()
    visits = mentee.get_by_label("Estimated cost")
    visits.nth(0).fill("1800")
    visits.nth(1).fill("1500")
    mentee.get_by_role("button", name="Save the plan").click()
    expect(mentee.locator(".messages")).to_contain_text(
        "The funded visits planned cost 3,300.00 EUR, more than the ceiling of 3,000.00 EUR")
    expect(mentee.locator("#pairing-budget")).to_contain_text("Over the ceiling per pair.")
    screenshots(mentee, "budget-0-plan-over-ceiling", live_server)
    mentee.get_by_role("link", name="Log a meeting").click()
    mentee.get_by_label("In-person visit").check()
    mentee.get_by_label("Date").fill((today - timedelta(days=10)).isoformat())
    mentee.get_by_label("Duration (minutes)").fill("420")
    mentee.get_by_label("Topics").fill("Study visit to the financial intelligence unit")
    mentee.get_by_label("City").fill("Rabat")
    mentee.get_by_label("Country").select_option(label="Morocco")
    mentee.get_by_label("Funded visit").check()
    mentee.get_by_label("Costs claimed").fill("6400")
    mentee.get_by_label("Currency").select_option("MAD")
    mentee.get_by_role("button", name="Save the meeting").click()
    expect(mentee.locator(".messages")).to_contain_text("is asked to confirm it")
    claim = Meeting.unscoped.get()
    assert (claim.cost_amount, claim.cost_currency, claim.claim_status) == (
        Decimal(6400), "MAD", "pending")
    expect(mentee.locator("#meetings-h ~ .table-wrap")).to_contain_text("Waiting for review")

    coordinator = new_page(DESKTOP)
    sign_in_with_cookie(coordinator, world.people["coordinator"], live_server)
    coordinator.goto("/cepol/projects/euromed-police/")
    coordinator.get_by_role("link", name="Budget", exact=True).click()
    expect(coordinator.get_by_role("heading", level=1)).to_have_text("Budget for funded visits")
    expect(coordinator.locator("main")).to_contain_text(
        "Not counted: no rate recorded for MAD")
    # A rate of zero is refused next to its field, and what was typed stays.
    rates = coordinator.locator("form", has=coordinator.get_by_role(
        "button", name="Record the rate"))
    rates.get_by_label("Currency").fill("MAD")
    rates.get_by_label("Rate").fill("0")
    rates.get_by_label("Note").fill("ECB reference rate")
    rates.get_by_role("button", name="Record the rate").click()
    expect(rates).to_contain_text("A rate is more than zero.")
    expect(rates.get_by_label("Note")).to_have_value("ECB reference rate")
    assert not ExchangeRate.unscoped.exists()
    screenshot(coordinator, "budget-1-rate-refused.png")
    rates.get_by_label("Rate").fill("0.092")
    rates.get_by_role("button", name="Record the rate").click()
    expect(coordinator.locator(".messages")).to_contain_text("Rate recorded: 1 MAD = 0.092")
    expect(coordinator.locator("#budget-totals")).to_contain_text("588.80 EUR")  # pending

    review = coordinator.locator(f"#claim-{claim.pk}")
    expect(review).to_contain_text("6,400.00 MAD")
    review.get_by_label("Adjust the amount").check()
    review.get_by_label("Amount approved").fill("6000")
    review.get_by_role("button", name="Save the review").click()
    expect(review).to_contain_text("Say why: the pair reads the note.")
    screenshots(coordinator, "budget-2-review-refused", live_server)
    review.get_by_label("Note").fill("Taxi receipts missing")
    review.get_by_role("button", name="Save the review").click()
    expect(coordinator.locator(".messages")).to_contain_text("Claim reviewed")
    claim.refresh_from_db()
    assert (claim.claim_status, claim.approved_amount) == ("adjusted", Decimal(6000))
    totals = coordinator.locator("#budget-totals")
    expect(totals).to_contain_text("552.00 EUR")  # 6,000 MAD at 0.092
    expect(totals).to_contain_text("59,448.00 EUR")  # left
    expect(coordinator.locator("main")).to_contain_text("No claim is waiting.")
    screenshots(coordinator, "budget-3-adjusted", live_server)

    mentee.goto(f"/cepol/pairings/{pairing.pk}/")
    expect(mentee.locator("#pairing-budget")).to_contain_text("552.00 EUR")
    expect(mentee.locator("#meetings-h ~ .table-wrap")).to_contain_text("Adjusted: 6,000.00 MAD")
    expect(mentee.locator("#meetings-h ~ .table-wrap")).to_contain_text("Taxi receipts missing")
    screenshots(mentee, "budget-4-pairing", live_server)
