"""Outcomes in a real Chromium: a mentee finds the self-assessment at the start on her home page,
answers it (a score left out is refused next to its competency, the others kept), and at the end
of the pairing answers again and sees her gain; her mentor sees her gains, not her scores.

The browser set-up (Debian's Chromium, screenshots in data/test-artifacts/) is
tests/browser/conftest.py's."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from matching.models import ActivityPlan, Pairing
from matching.schedule import add_months
from reporting.models import Competency, SelfAssessment
from tests.browser.helpers import DESKTOP, PHONE, screenshots, sign_in_with_cookie
from tests.factories import (
    CompetencyFactory,
    PairingFactory,
    SelfAssessmentAnswerFactory,
    SelfAssessmentFactory,
)
from tests.helpers import World, running

pytestmark = pytest.mark.browser

COMPETENCIES = ["Leadership", "International police cooperation", "Criminal intelligence analysis"]


def person(new_page, user, live_server, viewport: dict) -> Page:
    page = new_page(viewport)
    sign_in_with_cookie(page, user, live_server)
    return page


def score(page: Page, competency: str, value: str) -> None:
    page.get_by_role("group", name=competency).get_by_label(value, exact=True).check()


def test_a_participant_answers_at_the_start_and_at_the_end_and_sees_her_gain(
    transactional_db, world: World, live_server, new_page
):
    for order, name in enumerate(COMPETENCIES, start=1):
        CompetencyFactory(project=world.project, name=name, order=order,
                          description=f"What {name.lower()} covers.")
    pairing = running(world)
    mentee = person(new_page, world.people["mentee"], live_server, PHONE)

    # 1. Her home page says the self-assessment at the start is due.
    mentee.goto("/cepol/")
    mentee.get_by_role("link", name="Give your self-assessment at the start").click()
    expect(mentee.get_by_role("heading", level=1)).to_contain_text("Your self-assessment")
    score(mentee, COMPETENCIES[0], "2")
    score(mentee, COMPETENCIES[2], "1 (beginner)")
    mentee.get_by_role("button", name="Give my self-assessment").click()
    # The one left out is named next to it; the others are kept.
    error = mentee.locator(".self-assessment .errorlist, .self-assessment .error").first
    expect(error).to_contain_text("Give a score from 1 to 5.")
    expect(mentee.get_by_role("group", name=COMPETENCIES[0]).get_by_label(
        "2", exact=True)).to_be_checked()
    screenshots(mentee, "outcomes-1-refused", live_server)
    assert not SelfAssessment.unscoped.exists()
    score(mentee, COMPETENCIES[1], "3")
    mentee.get_by_role("button", name="Give my self-assessment").click()
    expect(mentee.locator(".messages")).to_contain_text("your self-assessment is recorded")
    expect(mentee.locator("main table tbody tr")).to_have_count(3)
    mentee.goto(f"/cepol/pairings/{pairing.pk}/")
    expect(mentee.locator("#outcomes-h")).to_be_visible()
    expect(mentee.get_by_role("link", name="Give your self-assessment at the start")
           ).to_have_count(0)

    # 2. Months later, in the pairing's last month, the end one is due.
    ActivityPlan.unscoped.filter(pairing=pairing, status="approved").update(
        start=add_months(timezone.localdate(), -11))
    mentee.goto(f"/cepol/pairings/{pairing.pk}/")
    mentee.get_by_role("link", name="Give your self-assessment at the end").click()
    for competency, value in zip(COMPETENCIES, ["4", "3", "3"], strict=True):
        score(mentee, competency, value)
    mentee.get_by_role("button", name="Give my self-assessment").click()
    expect(mentee.locator(".messages")).to_contain_text("your self-assessment is recorded")
    rows = mentee.locator("main table tbody tr")
    expect(rows.nth(0)).to_contain_text("+2")  # 2 -> 4
    expect(rows.nth(1)).to_contain_text("0")  # 3 -> 3
    expect(rows.nth(2)).to_contain_text("+2")  # 1 -> 3
    screenshots(mentee, "outcomes-2-gain", live_server)
    assert SelfAssessment.unscoped.count() == 2

    # 3. Her mentor sees her gains on the pairing page, not her scores.
    mentor = person(new_page, world.people["mentor"], live_server, DESKTOP)
    mentor.goto(f"/cepol/pairings/{pairing.pk}/")
    section = mentor.locator("section:has(#outcomes-h)")
    expect(section).to_contain_text("+2")
    expect(section.locator("table").first.locator("thead th")).to_have_text(
        ["Competency", "Gain"])
    screenshots(mentor, "outcomes-3-pairing", live_server)


def test_the_coordinator_sets_the_competencies_and_the_observer_reads_averages(
    transactional_db, world: World, live_server, new_page
):
    coordinator = person(new_page, world.people["coordinator"], live_server, DESKTOP)
    coordinator.goto(f"/cepol/projects/{world.project.slug}/competencies/")
    coordinator.get_by_role("button", name="Add").click()
    expect(coordinator.locator("#id_name_error")).to_contain_text("This field is required.")
    for name in COMPETENCIES:
        coordinator.get_by_label("Name").fill(name)
        coordinator.get_by_role("button", name="Add").click()
        expect(coordinator.locator(".messages")).to_contain_text("The competency is added.")
    coordinator.get_by_role("button", name=f"Up {COMPETENCIES[2]}").click()
    coordinator.get_by_role("button", name=f"Retire {COMPETENCIES[0]}").click()
    rows = coordinator.locator("main table tbody tr th")
    expect(rows).to_have_text([COMPETENCIES[2], COMPETENCIES[1], COMPETENCIES[0]])
    screenshots(coordinator, "outcomes-4-competencies", live_server)

    # Three people answered at the start and at the end: the observer reads the averages.
    asked = list(Competency.unscoped.filter(retired_at__isnull=True).order_by("order"))
    for _ in range(3):
        pairing = PairingFactory(project=world.project, status=Pairing.Status.COMPLETED)
        for moment, value in (("start", 2), ("end", 4)):
            assessment = SelfAssessmentFactory(pairing=pairing, moment=moment)
            for competency in asked:
                SelfAssessmentAnswerFactory(assessment=assessment, competency=competency,
                                            score=value)
    observer = person(new_page, world.people["observer"], live_server, DESKTOP)
    observer.goto(f"/cepol/projects/{world.project.slug}/dashboard/")
    card = observer.locator("section.outcomes")
    expect(card).to_contain_text("3 participants answered at the start and at the end")
    expect(card.locator("tbody tr")).to_have_count(2)
    card.scroll_into_view_if_needed()
    screenshots(observer, "outcomes-5-dashboard", live_server)
