"""Meetings and compliance in a real Chromium: the mentee logs a visit on her phone (a date in
the future is refused first), the mentor confirms it, the coordinator reads the compliance table
and opens the pairing's timeline; the mentee makes her calendar address."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from matching.models import Meeting
from tests.browser.helpers import (
    DESKTOP,
    PHONE,
    screenshot,
    sign_in_with_cookie,
)
from tests.helpers import World, active_pairing

pytestmark = pytest.mark.browser


def test_log_confirm_and_follow_compliance(
    transactional_db, world: World, live_server, new_page
):
    today = timezone.localdate()
    pairing = active_pairing(world, start=today - timedelta(days=40))

    mentee = new_page(PHONE)
    sign_in_with_cookie(mentee, world.people["mentee"], live_server)
    mentee.goto(f"/cepol/pairings/{pairing.pk}/")
    mentee.get_by_role("link", name="Log a meeting").click()
    mentee.get_by_label("In-person visit").check()
    mentee.get_by_label("Date").fill((today + timedelta(days=3)).isoformat())
    mentee.get_by_label("Duration (minutes)").fill("180")
    mentee.get_by_label("Topics").fill("Joint review of a money-laundering case")
    mentee.get_by_label("City").fill("Rabat")
    mentee.get_by_label("Country").select_option(label="Morocco")
    mentee.get_by_label("Funded visit").check()
    mentee.get_by_label("Costs claimed").fill("640")
    mentee.get_by_label("Currency").select_option("EUR")
    mentee.get_by_role("button", name="Save the meeting").click()
    expect(mentee.locator("main form")).to_contain_text("is in the future")
    expect(mentee.get_by_label("Topics")).to_have_value("Joint review of a money-laundering case")
    assert not Meeting.unscoped.exists()
    screenshot(mentee, "meeting-1-refused-phone.png")
    visit_day = today - timedelta(days=10)
    mentee.get_by_label("Date").fill(visit_day.isoformat())
    mentee.get_by_role("button", name="Save the meeting").click()
    expect(mentee.locator(".messages")).to_contain_text("Mentor Person is asked to confirm it")

    mentor = new_page(DESKTOP)
    sign_in_with_cookie(mentor, world.people["mentor"], live_server)
    mentor.goto(f"/cepol/pairings/{pairing.pk}/")
    mentor.locator("#meetings-h ~ .table-wrap").get_by_role("button", name="Confirm").click()
    expect(mentor.locator(".messages")).to_contain_text("Meeting confirmed.")
    assert Meeting.unscoped.get().confirmed_by == world.people["mentor"]

    coordinator = new_page(DESKTOP)
    sign_in_with_cookie(coordinator, world.people["coordinator"], live_server)
    coordinator.goto("/cepol/projects/euromed-police/")
    coordinator.get_by_role("link", name="Compliance").click()
    expect(coordinator.get_by_role("heading", level=1)).to_have_text("Compliance")
    row = coordinator.locator("tbody tr").first
    expect(row).to_contain_text("Mentee Person")
    # Month 1 had no online meeting: one thing late.
    expect(row.locator("td").last).to_have_text("1")
    screenshot(coordinator, "meeting-2-compliance-table.png")
    row.get_by_role("link", name="Mentee Person").click()
    expect(coordinator.locator("#meetings-h ~ .table-wrap")).to_contain_text("Rabat")
    coordinator.set_viewport_size({"width": DESKTOP["width"], "height": 2600})
    screenshot(coordinator, "meeting-3-timeline.png")

    mentee.goto("/cepol/")
    mentee.locator(".menu > summary").click()  # on a phone, the links are in the menu
    mentee.get_by_role("navigation", name="Main").get_by_role("link", name="Calendar").click()
    mentee.get_by_role("button", name="Make my address").click()
    address = mentee.get_by_label("Calendar address").input_value()
    assert "/calendar/" in address and address.endswith(".ics")
    feed = mentee.request.get(live_server.url + "/calendar/" + address.rsplit("/", 1)[1])
    assert feed.ok and "BEGIN:VCALENDAR" in feed.text()
