"""Donor indicators and the donor report in a real Chromium: the coordinator adds an indicator
(a bad target first), sees it against its target on the indicators page and the dashboard, and
builds and downloads the donor report, in English and in Arabic; the PDFs' pages are kept to
look at."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from reporting.models import Indicator
from tests.browser.helpers import screenshots, sign_in_with_cookie, use_language
from tests.helpers import World, keep_pages, pair, pdf_text

pytestmark = pytest.mark.browser


def _donor_report(page: Page, name: str) -> str:
    """Builds the donor report for the period offered (a worker runs it at once in tests) and
    downloads it: its text, its pages kept as NAME-<n>.png."""
    page.get_by_role("button", name=BUILD[name]).click()
    with page.expect_download() as info:
        page.locator("#export-progress").get_by_role("link").click()
    content = Path(info.value.path()).read_bytes()
    assert content.startswith(b"%PDF")
    keep_pages(content, name)
    return pdf_text(content)


BUILD = {"donor-report-journey-en": "Build the donor report",
         "donor-report-journey-ar": "إعداد تقرير الجهة المانحة"}


def test_a_coordinator_sets_an_indicator_and_downloads_the_donor_report(
        world: World, live_server, new_page):
    for n in range(3):
        pair(world, status="active", started_days_ago=30 + n)
    page = new_page()
    sign_in_with_cookie(page, world.people["coordinator"], live_server)
    page.goto(f"/{world.org.slug}/projects/{world.project.slug}/")
    page.get_by_role("link", name="Donor indicators").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Donor indicators")

    # A share over 100 is refused next to its field, what was typed kept.
    today = timezone.localdate()
    start, end = today - timedelta(days=180), today + timedelta(days=184)
    page.get_by_label("What is counted").select_option(label="Share of women among the "
                                                             "officers mentored")
    page.get_by_label("Donor's reference").fill("Output 2.1 Women reached")
    page.get_by_role("spinbutton", name="Target").fill("140")
    page.get_by_label("Period from").first.fill(start.isoformat())
    page.get_by_label("Period until").first.fill(end.isoformat())
    page.get_by_role("button", name="Add the indicator").click()
    expect(page.locator(".errorlist")).to_contain_text("its target is at most 100")
    expect(page.get_by_label("Donor's reference")).to_have_value("Output 2.1 Women reached")
    screenshots(page, "donor-1-refused", live_server)

    page.get_by_label("What is counted").select_option(label="Officers mentored")
    page.get_by_role("spinbutton", name="Target").fill("6")
    page.get_by_role("button", name="Add the indicator").click()
    expect(page.locator(".messages")).to_contain_text("The indicator is added.")
    row = page.get_by_role("row", name="Officers mentored")
    expect(row).to_contain_text("50% of the target")
    assert Indicator.objects.for_org(world.org).get().target == 6
    screenshots(page, "donor-2-indicators", live_server)

    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("heading", name="Donor indicators")).to_be_visible()
    expect(page.get_by_role("row", name="Officers mentored")).to_contain_text("3")

    page.get_by_role("link", name="Indicators and the donor report").click()
    text = _donor_report(page, "donor-report-journey-en")
    assert "donor report" in text and "Officers mentored" in text
    assert "Output 2.1 Women reached" in text and "3 pairs mentored in the period" in text

    use_language(page, "ar", live_server)
    page.goto(f"/{world.org.slug}/projects/{world.project.slug}/indicators/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    text = _donor_report(page, "donor-report-journey-ar")
    assert "Output 2.1" in text
