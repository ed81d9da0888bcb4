"""The organisation admin's privacy pages in a real Chromium: the admin opens the data
requests, opens an erasure request, previews what erasing the person does, confirms it, then
reads the audit trail and filters it by kind. The same pages in Arabic (right to left).

The browser set-up (Debian's Chromium, screenshots in data/test-artifacts/) is
tests/browser/conftest.py's."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from participants.models import Application, Membership
from programmes.privacy.models import AuditEntry, DataRequest
from programmes.privacy.services import ERASED_NAME, audit_record
from tests.browser.helpers import DESKTOP, PHONE, screenshot, sign_in_with_cookie
from tests.factories import ApplicationFactory, DataRequestFactory
from tests.helpers import World

pytestmark = pytest.mark.browser


def requests_for(world: World) -> DataRequest:
    """An overdue correction request of the observer, and the mentee's erasure request."""
    today = timezone.localdate()
    DataRequestFactory(organisation=world.org, requester=world.people["observer"],
                       kind="correction", message="My rank is wrong.",
                       due_on=today - timedelta(days=2))
    return DataRequestFactory(organisation=world.org, requester=world.people["mentee"],
                              kind="erasure", message="Please erase everything about me.",
                              due_on=today + timedelta(days=25))


def admin_page(new_page, world: World, live_server, viewport: dict) -> Page:
    page = new_page(viewport)
    sign_in_with_cookie(page, world.people["admin"], live_server)
    return page


def test_admin_answers_an_erasure_request_and_reads_the_trail(
        transactional_db, world: World, live_server, new_page):
    mentee = world.people["mentee"]
    application = ApplicationFactory(call=world.call, applicant=mentee,
                                     full_name="Mentee Person", email=mentee.email)
    erasure = requests_for(world)
    audit_record(event=AuditEntry.Event.CV_DOWNLOADED, organisation=world.org,
                 user=world.people["coordinator"], obj=application, remote_addr="192.0.2.7")
    page = admin_page(new_page, world, live_server, DESKTOP)

    # 1. From the home page to the requests: the overdue one is marked.
    page.goto("/cepol/")
    page.locator("main").get_by_role("link", name="Data requests").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Data requests")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Observer Person")
    expect(rows.first).to_contain_text("overdue by 2 days")
    expect(rows.nth(1)).to_contain_text("25 days left")
    screenshot(page, "privacy-1-requests.png")

    # 2. The erasure request, its preview, and the confirmation.
    page.get_by_role("link", name="Mentee Person").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Erase my data")
    expect(page.locator("main")).to_contain_text("Please erase everything about me.")
    screenshot(page, "privacy-2-request.png")
    page.get_by_role("link", name="Preview the erasure").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Erase Mentee Person")
    preview = page.get_by_role("table")
    expect(preview).to_contain_text(re.compile("membership", re.IGNORECASE))
    expect(preview).to_contain_text(re.compile("application", re.IGNORECASE))
    screenshot(page, "privacy-3-erase-preview.png")
    page.get_by_role("button", name="Erase Mentee Person now").click()
    expect(page.locator(".messages")).to_contain_text(
        "The person is erased from the organisation.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Data requests")
    screenshot(page, "privacy-4-erased.png")
    erasure.refresh_from_db()
    assert erasure.status == DataRequest.Status.DONE
    assert Application.objects.for_org(world.org).get(pk=application.pk).full_name == ERASED_NAME
    assert not Membership.objects.for_org(world.org).filter(user=mentee).exists()

    # 3. The audit trail, filtered by kind.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit trail").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit trail")
    expect(page.locator("tbody")).to_contain_text("Person erased")
    # Closing the request changed its status: before and after.
    expect(page.locator("tbody")).to_contain_text(
        re.compile(r"status: open\s*→\s*(became)?\s*done"))
    expect(page.locator("tbody")).to_contain_text(re.compile(r"handled by: .*Admin Person"))
    screenshot(page, "privacy-5-audit.png")
    page.get_by_label("Kind").select_option(label="CV downloaded")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Coordinator Person")
    expect(rows.first).to_contain_text("192.0.2.7")
    screenshot(page, "privacy-6-audit-filtered.png")


def test_the_privacy_pages_in_arabic(transactional_db, world: World, live_server, new_page):
    mentee = world.people["mentee"]
    ApplicationFactory(call=world.call, applicant=mentee, full_name="Mentee Person",
                       email=mentee.email)
    erasure = requests_for(world)
    page = admin_page(new_page, world, live_server, PHONE)
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "ar",
                               "url": live_server.url}])

    page.goto("/cepol/privacy/requests/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("tbody tr")).to_have_count(2)
    screenshot(page, "privacy-arabic-1-requests-phone.png")
    page.goto(f"/cepol/privacy/requests/{erasure.pk}/")
    screenshot(page, "privacy-arabic-2-request-phone.png")
    page.locator(f"a[href$='?request={erasure.pk}']").click()
    screenshot(page, "privacy-arabic-3-erase-preview-phone.png")
    page.locator("form.warning button[type=submit]").click()
    expect(page.locator(".messages .success")).to_have_count(1)
    erasure.refresh_from_db()
    assert erasure.status == DataRequest.Status.DONE

    page.goto("/cepol/privacy/audit/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.locator("#id_event").select_option("erased")
    page.locator("form.filters button[type=submit]").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    screenshot(page, "privacy-arabic-4-audit-phone.png")
