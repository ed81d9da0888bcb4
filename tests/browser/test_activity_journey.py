"""A programme activity in a real Chromium: the coordinator records a regional conference and
invites a mentee and a mentor, the mentee confirms on her phone from her home page, and the
coordinator records who attended. Screenshots on a desktop, a phone and in Arabic."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from participants.models import Activity, ActivityParticipant
from tests.browser.helpers import DESKTOP, PHONE, screenshot, screenshots, sign_in_with_cookie
from tests.factories import ApplicationFactory
from tests.helpers import World

pytestmark = pytest.mark.browser


def test_record_invite_confirm_and_attend(transactional_db, world: World, live_server, new_page):
    today = timezone.localdate()
    for who in ("mentee", "mentor"):
        ApplicationFactory(call=world.call, applicant=world.people[who], status="shortlisted")

    coordinator = new_page(DESKTOP)
    sign_in_with_cookie(coordinator, world.people["coordinator"], live_server)
    coordinator.goto("/cepol/projects/euromed-police/")
    coordinator.get_by_role("link", name="Activities").click()
    coordinator.get_by_role("link", name="Record an activity").click()
    coordinator.get_by_label("Kind").select_option(label="Regional or international conference")
    coordinator.get_by_label("Title").fill("Regional conference on asset recovery")
    coordinator.get_by_label("First day").fill(today.isoformat())
    coordinator.get_by_label("Last day").fill((today + timedelta(days=1)).isoformat())
    # No place and not online: refused next to the field, what was typed kept.
    coordinator.get_by_role("button", name="Save the activity").click()
    expect(coordinator.locator("main form")).to_contain_text("Say where it is held")
    expect(coordinator.get_by_label("Title")).to_have_value(
        "Regional conference on asset recovery")
    assert not Activity.unscoped.exists()
    coordinator.get_by_label("City").fill("Rabat")
    coordinator.get_by_label("Country").select_option(label="Morocco")
    coordinator.get_by_label("Criminal finances").check()
    coordinator.get_by_role("button", name="Save the activity").click()
    expect(coordinator.locator(".messages")).to_contain_text("Activity saved.")

    coordinator.get_by_role("link", name="Invite people").click()
    coordinator.get_by_label("Mentee Person").check()
    coordinator.get_by_label("Mentor Person").check()
    coordinator.get_by_role("button", name="Invite").click()
    expect(coordinator.locator(".messages")).to_contain_text("2 people invited.")
    assert ActivityParticipant.unscoped.count() == 2

    mentee = new_page(PHONE)
    sign_in_with_cookie(mentee, world.people["mentee"], live_server)
    mentee.goto("/cepol/")
    card = mentee.locator("section[aria-labelledby=activities-h]")
    expect(card).to_contain_text("Regional conference on asset recovery")
    screenshot(mentee, "activity-1-home-phone.png")
    card.get_by_role("link", name="Regional conference on asset recovery").click()
    mentee.get_by_role("button", name="I will attend").click()
    expect(mentee.locator(".messages")).to_contain_text("you confirmed")
    screenshot(mentee, "activity-2-confirmed-phone.png")
    assert ActivityParticipant.unscoped.get(person=world.people["mentee"]).response == "confirmed"

    coordinator.reload()
    table = coordinator.locator("section[aria-labelledby=people-h]")
    expect(table).to_contain_text("Confirmed")
    table.locator("tr", has_text="Mentee Person").get_by_label("Attended").check()
    table.locator("tr", has_text="Mentor Person").get_by_label("Did not attend").check()
    coordinator.get_by_role("button", name="Record attendance").click()
    expect(coordinator.locator(".messages")).to_contain_text("Attendance recorded.")
    attended = dict(ActivityParticipant.unscoped.values_list("person__full_name", "attended"))
    assert attended == {"Mentee Person": "yes", "Mentor Person": "no"}
    screenshots(coordinator, "activity-3-attendance", live_server)

    coordinator.goto("/cepol/projects/euromed-police/activities/")
    expect(coordinator.locator("tbody tr").first).to_contain_text("Rabat")
    screenshots(coordinator, "activity-4-list", live_server)
