"""From a shortlist to an active pairing in a real Chromium, one browser context per person: the
coordinator matches the shortlist, overrides one pair (with a reason), confirms; mentee and
mentor accept; they draft and sign a plan (the first draft breaks a rule and is refused); the
coordinator approves it, cannot start the pairing before the plan's start date, starts it on
that day, and its schedule is then shown.

The browser set-up (Debian's Chromium, screenshots in data/test-artifacts/) is
tests/browser/conftest.py's."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.conf import settings
from playwright.sync_api import expect

from matching.models import ActivityPlan, Pairing
from programmes.models import Country
from tests.browser.helpers import (
    DESKTOP,
    PHONE,
    screenshot,
    screenshots,
    sign_in_with_cookie,
    use_language,
)
from tests.factories import CallFactory, MembershipFactory, shortlisted
from tests.helpers import World

pytestmark = pytest.mark.browser

OVERRIDE_REASON = "Youssef is learning French for this exchange."


def test_from_shortlist_to_an_active_pairing(
    transactional_db, world: World, live_server, new_page, request
):
    spain = Country.objects.create(code="ES", name="Spain", is_eu_member=True)
    mentor_call = CallFactory(organisation=world.org, project=world.project,
                              role_sought="mentor", title="EUROMED mentors 2027")
    mentor_call.invited_countries.add(world.france, spain)
    shortlisted(world.call, user=world.people["mentee"], years=3)
    youssef_user = MembershipFactory(organisation=world.org, role="mentee",
                                     user__full_name="Youssef Alaoui").user
    youssef = shortlisted(world.call, user=youssef_user, languages=("es",), years=4)
    claire = shortlisted(mentor_call, user=world.people["mentor"], country=world.france,
                         years=20)
    pablo_user = MembershipFactory(organisation=world.org, role="mentor",
                                   user__full_name="Pablo Ruiz").user
    pablo = shortlisted(mentor_call, user=pablo_user, country=spain, languages=("es",),
                        years=25)

    # 1. The coordinator runs matching: the engine pairs Amina with Claire (French) and
    #    Youssef with Pablo (Spanish), and says why.
    coord = new_page(DESKTOP)
    sign_in_with_cookie(coord, world.people["coordinator"], live_server)
    coord.goto("/cepol/projects/euromed-police/")
    coord.get_by_role("link", name="Match mentees and mentors").click()
    expect(coord.get_by_role("heading", level=1)).to_have_text("Matching")
    amina_mentor = coord.get_by_label("Mentor for Mentee Person")
    youssef_mentor = coord.get_by_label("Mentor for Youssef Alaoui")
    expect(amina_mentor).to_have_value(str(claire.pk))
    expect(youssef_mentor).to_have_value(str(pablo.pk))
    expect(coord.locator("#matching-form")).to_contain_text(
        "Same thematic area: Criminal finances (+40)")
    screenshot(coord, "pairing-1-matching.png")

    # 2. They swap: Youssef to Claire (no common language, and Claire has one place), Amina to
    #    nobody. htmx re-checks at once and the page names the broken rule.
    amina_mentor.select_option(label="Nobody for now")
    expect(coord.locator("#matching-form")).to_contain_text(
        "Set by hand; the engine proposed Mentor Person.")
    # htmx binds the new form's selects once it has settled: change the next one after that.
    coord.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-settling, .htmx-swapping')")
    coord.wait_for_timeout(100)
    youssef_mentor.select_option(value=str(claire.pk))
    expect(coord.locator("#matching-form")).to_contain_text("no common working language")
    # Confirming without a reason is refused next to the row; nothing is saved.
    coord.get_by_role("button", name="Confirm these pairs").click()
    expect(coord.locator("#matching-form")).to_contain_text("say why you make it anyway")
    assert not Pairing.unscoped.exists()
    screenshot(coord, "pairing-2-override-refused.png")
    # With a reason, the pair is proposed; Amina stays in the pool for another round.
    expect(coord.get_by_label("Mentor for Youssef Alaoui")).to_have_value(str(claire.pk))
    coord.locator(f"#id_note_{youssef.pk}").fill(OVERRIDE_REASON)
    coord.get_by_role("button", name="Confirm these pairs").click()
    expect(coord.locator(".messages")).to_contain_text("1 pairing proposed")
    expect(coord.get_by_role("heading", level=1)).to_have_text("Pairings")
    pairing = Pairing.unscoped.get()
    assert (pairing.mentee, pairing.mentor) == (youssef_user, world.people["mentor"])
    assert pairing.overridden and pairing.override_note == OVERRIDE_REASON
    assert pairing.engine_proposal == pablo
    coord.goto("/cepol/projects/euromed-police/matching/")
    expect(coord.get_by_label("Mentor for Mentee Person")).to_be_visible()

    # 3. Youssef (on his phone) and Claire accept.
    youssef_page = new_page(PHONE)
    sign_in_with_cookie(youssef_page, youssef_user, live_server)
    youssef_page.goto("/cepol/")
    youssef_page.get_by_role("link", name="With your mentor Mentor Person").click()
    expect(youssef_page.locator(".next-step")).to_contain_text("Accept or decline this pairing.")
    screenshot(youssef_page, "pairing-3-proposed-phone.png")
    youssef_page.get_by_role("button", name="Accept the pairing").click()
    expect(youssef_page.locator(".messages")).to_contain_text("You accepted the pairing.")

    claire_page = new_page(DESKTOP)
    sign_in_with_cookie(claire_page, world.people["mentor"], live_server)
    claire_page.goto(f"/cepol/pairings/{pairing.pk}/")
    claire_page.get_by_role("button", name="Accept the pairing").click()
    expect(claire_page.locator(".next-step")).to_contain_text("Draft the activity plan together")

    # 4. Claire drafts the plan. Its first visit comes too late: refused, rule named, what she
    #    typed kept. She moves the visit and saves.
    claire_page.get_by_role("link", name="Draft the plan").click()
    claire_page.get_by_label("Objectives").fill("Financial investigations across borders.")
    claire_page.get_by_label("Start date").fill("2027-01-15")
    claire_page.get_by_label("Duration (months)").fill("14")
    claire_page.get_by_label("Online meetings a month").fill("0")
    visit = claire_page.get_by_role("group", name="Visit 1")
    visit.get_by_label("Date").fill("2027-05-10")
    visit.get_by_label("Place").fill("Rabat, Morocco")
    visit.get_by_label("Funded visit").check()
    claire_page.get_by_role("button", name="Save the plan").click()
    # Every rule the draft breaks is named at once, each next to its field.
    expect(claire_page.locator("#id_duration_months_error")).to_contain_text("Duration:")
    expect(claire_page.locator("#id_online_meetings_per_month_error")).to_contain_text(
        "Online meetings: the project asks for at least 1 a month.")
    expect(claire_page.locator("#visit-errors")).to_contain_text(
        "First in-person visit: plan it within the first 3 months (by Apr 14, 2027).")
    expect(claire_page.get_by_label("Objectives")).to_have_value(
        "Financial investigations across borders.")
    assert not ActivityPlan.unscoped.exists()
    screenshot(claire_page, "pairing-4-plan-refused.png")
    screenshots(claire_page, "problem-7-plan-every-rule", live_server)
    claire_page.get_by_label("Duration (months)").fill("12")
    claire_page.get_by_label("Online meetings a month").fill("2")
    claire_page.get_by_role("group", name="Visit 1").get_by_label("Date").fill("2027-03-10")
    claire_page.get_by_role("button", name="Save the plan").click()
    expect(claire_page.locator(".messages")).to_contain_text("Plan version 1 saved.")
    claire_page.get_by_role("button", name="Sign the plan").click()
    expect(claire_page.locator(".next-step")).to_contain_text("Waiting for Youssef Alaoui to sign")

    youssef_page.reload()
    youssef_page.get_by_role("button", name="Sign the plan").click()
    expect(youssef_page.locator(".next-step")).to_contain_text(
        "Waiting for the coordinator to review the plan.")

    # 5. The coordinator approves, then starts the pairing: its schedule is shown.
    coord.goto(f"/cepol/pairings/{pairing.pk}/")
    expect(coord.locator(".next-step")).to_contain_text("Review the activity plan")
    coord.get_by_role("button", name="Approve the plan").click()
    expect(coord.locator(".messages")).to_contain_text("Plan approved")
    # The plan starts on 15 January: until then the page says so instead of a start button.
    expect(coord.locator("#moves-h + .actions")).to_contain_text(
        "The plan starts on Jan 15, 2027: you can start the pairing from that day.")
    expect(coord.get_by_role("button", name="Start the pairing")).to_have_count(0)
    screenshot(coord, "pairing-5-starts-later.png")
    screenshots(coord, "problem-9-starts-later", live_server)

    # On 15 January the coordinator starts it (sessions made before are long expired).
    traveller = time_machine.travel(datetime(2027, 1, 15, 9, tzinfo=UTC))
    traveller.start()
    request.addfinalizer(traveller.stop)
    sign_in_with_cookie(coord, world.people["coordinator"], live_server)
    sign_in_with_cookie(youssef_page, youssef_user, live_server)
    coord.reload()
    coord.get_by_role("button", name="Start the pairing").click()
    expect(coord.locator("main .lead")).to_contain_text("Active")
    schedule = coord.locator("#schedule-h + dl")
    expect(schedule).to_contain_text("Interim report (halfway)")
    expect(schedule).to_contain_text("Jul 16, 2027")
    expect(schedule).to_contain_text("Jan 14, 2028")
    periods = coord.locator("#schedule-h ~ .table-wrap").nth(1)
    expect(periods.locator("tbody tr")).to_have_count(4)
    coord.set_viewport_size({"width": DESKTOP["width"], "height": 2400})
    screenshot(coord, "pairing-5-active.png")
    pairing.refresh_from_db()
    assert pairing.status == Pairing.Status.ACTIVE

    youssef_page.reload()
    expect(youssef_page.locator(".next-step")).to_contain_text(
        "The interim report, due on Jul 16, 2027.")
    screenshot(youssef_page, "pairing-6-active-phone.png")

    # The same pairing in Arabic, right to left.
    coord.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "ar",
                                "url": live_server.url}])
    coord.goto(f"/cepol/pairings/{pairing.pk}/")
    expect(coord.locator("html")).to_have_attribute("dir", "rtl")
    expect(coord.locator("#schedule-h")).to_have_text("الجدول الزمني")
    screenshot(coord, "pairing-7-active-arabic.png")
    use_language(coord, "en", live_server)
    coord.reload()
    screenshots(coord, "problem-8-pairing-cldr", live_server)
