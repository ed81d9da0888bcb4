"""The main pages of each role, on the demo data, checked by axe-core in a real Chromium: in
English and in Arabic, on a desktop and at the reflow width of WCAG 1.4.10 (320 px), where no
page may scroll sideways. And the phone's view of the pages a pair uses on the move.

axe-core is vendored for these tests only (static/vendor/axe-core); the browser set-up is
tests/browser/conftest.py's."""

import pytest
from playwright.sync_api import expect

from config import demo
from matching.models import Pairing
from participants.models import Role, User
from programmes.models import Call
from reporting.models import Competency
from tests.browser.helpers import (
    DESKTOP,
    PHONE,
    REFLOW,
    axe_violations,
    screenshot,
    sideways_scroll,
    sign_in_with_cookie,
    use_language,
)

pytestmark = pytest.mark.browser

EUROMED = "/cepol/projects/euromed-police"
# Cohort people of the demo: a mentor with two mentees, and a mentee whose interim report is
# still to write.
MENTOR = "pieter.devries"
MENTEE = "rania.awad"


def pairing_of(local: str) -> Pairing:
    email = demo.cohort_email(local)
    return (Pairing.unscoped.filter(mentee__email=email) | Pairing.unscoped.filter(
        mentor__email=email)).order_by("pk").first()


def main_pages() -> list[tuple[User, list[str]]]:
    """Each role's person in the demo's CEPOL, and the pages they use most."""
    def demo_user(role: Role) -> User:
        return User.objects.get(email=demo.demo_email(role, "cepol"))

    open_call = Call.unscoped.get(title="EUROMED Police mentees 2027")
    shortlisted_call = Call.unscoped.get(title="EUROMED Police mentees 2026")
    mentor_pairing = pairing_of(MENTOR)
    mentee_pairing = pairing_of(MENTEE)
    competency = Competency.unscoped.filter(project__slug="euromed-police").first()
    return [
        (demo_user(Role.ADMIN), ["/cepol/", "/cepol/members/", "/cepol/invitations/",
                                 "/cepol/projects/"]),
        (demo_user(Role.COORDINATOR), [
            "/cepol/", f"{EUROMED}/", f"/cepol/calls/{open_call.pk}/",
            f"/cepol/calls/{shortlisted_call.pk}/applications/", f"{EUROMED}/matching/",
            "/cepol/pairings/", f"/cepol/pairings/{mentor_pairing.pk}/",
            f"{EUROMED}/compliance/", f"{EUROMED}/dashboard/", f"{EUROMED}/budget/",
            f"{EUROMED}/competencies/", f"{EUROMED}/indicators/",
            f"{EUROMED}/competencies/{competency.pk}/",
        ]),
        (demo_user(Role.FOCAL_POINT), ["/cepol/", "/cepol/nominations/",
                                       f"/cepol/calls/{open_call.pk}/"]),
        (User.objects.get(email=demo.cohort_email(MENTOR)), [
            "/cepol/", f"/cepol/pairings/{mentor_pairing.pk}/",
            f"/cepol/pairings/{mentor_pairing.pk}/meetings/new/",
            # Handed in: the mentor reads the version the coordinator has.
            f"/cepol/pairings/{mentor_pairing.pk}/reports/interim/v1/",
        ]),
        (User.objects.get(email=demo.cohort_email(MENTEE)), [
            "/cepol/", f"/cepol/pairings/{mentee_pairing.pk}/",
            f"/cepol/pairings/{mentee_pairing.pk}/meetings/new/",
            f"/cepol/pairings/{mentee_pairing.pk}/reports/interim/",
            f"/cepol/pairings/{mentee_pairing.pk}/self-assessment/start/",
            f"/cepol/pairings/{mentee_pairing.pk}/self-assessment/end/",
        ]),
        # TOPCOP's dashboard shows the outcomes' averages (enough people answered).
        (demo_user(Role.OBSERVER), ["/cepol/", f"{EUROMED}/dashboard/", "/cepol/pairings/",
                                    "/cepol/projects/topcop/dashboard/"]),
    ]


@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.parametrize("viewport", [DESKTOP, REFLOW], ids=["1280px", "320px"])
def test_main_pages_pass_axe_and_reflow(
    transactional_db, live_server, new_page, language: str, viewport: dict
):
    """No serious or critical violation on any main page; at 320 px, none scrolls sideways.
    Every page is checked before the test says what failed, so one run lists them all."""
    demo.load_demo()
    problems = []
    for user, urls in main_pages():
        page = new_page(viewport)
        sign_in_with_cookie(page, user, live_server)
        use_language(page, language, live_server)
        for url in urls:
            response = page.goto(url)
            assert response is not None and response.ok, (url, response and response.status)
            expect(page.locator("html")).to_have_attribute("lang", language)
            where = f"{user.email} {url}"
            problems += [f"{where}: {violation}" for violation in axe_violations(page)]
            if viewport == REFLOW and (scroll := sideways_scroll(page)):
                problems.append(f"{where}: scrolls sideways by {scroll}")
    assert not problems, "\n".join(problems)


def test_a_mentor_on_a_phone(transactional_db, live_server, new_page):
    """On a phone the header is one row (it took 234 px of a 390 px-wide phone): the links and
    tools open from its menu, by keyboard too, in English and in Arabic. The pairing's schedule,
    meetings and reports read as cards; the desktop keeps the header's links in view."""
    demo.load_demo()
    mentor = User.objects.get(email=demo.cohort_email(MENTOR))
    pairing = pairing_of(MENTOR)
    for language in ("en", "ar"):
        page = new_page(PHONE)
        sign_in_with_cookie(page, mentor, live_server)
        use_language(page, language, live_server)
        page.goto("/cepol/")
        header = page.locator(".site-header").bounding_box()
        assert header is not None and header["height"] <= 60, header
        main_nav = page.locator("nav.main-nav")
        expect(main_nav).to_be_hidden()
        screenshot(page, f"phone-home-{language}.png")
        summary = page.locator(".menu > summary")
        summary.focus()
        page.keyboard.press("Enter")
        expect(main_nav).to_be_visible()
        expect(page.locator(".menu")).to_have_attribute("open", "")
        screenshot(page, f"phone-menu-{language}.png")
        page.goto(f"/cepol/pairings/{pairing.pk}/")
        assert not sideways_scroll(page)
        schedule = page.locator("[aria-labelledby=months-caption]")
        # A card per month: its state is under the month's number, not beside it, and the
        # column headers are out of sight (each cell says its column).
        month = schedule.locator("tbody tr").first
        first, state = month.locator("th").bounding_box(), month.locator("td").last.bounding_box()
        assert first is not None and state is not None and state["y"] > first["y"], (first, state)
        assert schedule.locator("thead").bounding_box()["width"] <= 1
        screenshot(page, f"phone-pairing-{language}.png")
    page = new_page(DESKTOP)
    sign_in_with_cookie(page, mentor, live_server)
    page.goto(f"/cepol/pairings/{pairing.pk}/")
    expect(page.locator(".menu > summary")).to_be_hidden()
    expect(page.locator("nav.main-nav").get_by_role("link", name="Pairings")).to_be_visible()
    row = page.locator("[aria-labelledby=months-caption] tbody tr").first
    first, state = row.locator("th").bounding_box(), row.locator("td").last.bounding_box()
    assert first is not None and state is not None and state["y"] == first["y"], (first, state)
    screenshot(page, "desktop-pairing.png")
