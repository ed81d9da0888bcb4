"""The demo's dashboard in a real Chromium: the one browser journey about the demo data, so the
one that loads it (every other test makes the few rows it needs)."""

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import DESKTOP, PHONE, screenshot, sign_in_with_cookie

pytestmark = pytest.mark.browser


def test_the_dashboard_on_the_demo_data(transactional_db, live_server, new_page):
    """The coordinator of EUROMED Police reads the 2023 highlights on a desktop, on a phone and
    in Arabic, and builds the highlights PDF."""
    from django.conf import settings

    from config import demo
    from participants.models import Role, User

    demo.load_demo()
    coordinator = User.objects.get(email=demo.demo_email(Role.COORDINATOR, "cepol"))
    for name, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page = new_page(size)
        sign_in_with_cookie(page, coordinator, live_server)
        page.goto("/cepol/projects/euromed-police/")
        page.get_by_role("link", name="Dashboard", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
        expect(page.locator(".figure-active strong")).to_have_text("11")
        expect(page.locator(".figure-starting strong")).to_have_text("2")
        expect(page.get_by_role("figure", name="Pairs by the mentee's thematic area")) \
            .to_contain_text("Criminal finances")
        expect(page.locator(".figure-active")).to_contain_text("Active pairs")
        expect(page.get_by_role("figure", name="Applications submitted, by the applicant's "
                                              "country")).to_be_visible()
        screenshot(page, f"dashboard-{name}.png")
    page.get_by_role("combobox", name="Status").select_option("active")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator(".figure-starting strong")).to_have_text("0")
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "ar",
                               "url": live_server.url}])
    page.reload()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator(".figure-active strong")).to_have_text("11")
    screenshot(page, "dashboard-arabic-phone.png")
