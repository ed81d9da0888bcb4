"""A mentee's own data in a real Chromium: she opens "My data" from the header, reads what the
organisation holds about her, downloads it as JSON (built by a worker, at once in tests) and
checks it, corrects her name, asks for erasure (each admin is told), and sees the page in Arabic,
right to left.

The browser set-up (Debian's Chromium, screenshots in data/test-artifacts/) is
tests/browser/conftest.py's."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from participants.models import Notification
from programmes import cldr
from programmes.models import AuditEntry
from programmes.privacy.models import DataRequest
from tests.browser.helpers import DESKTOP, PHONE, screenshot, sign_in_with_cookie
from tests.factories import ApplicationFactory, MeetingFactory
from tests.helpers import START, World, active_pairing

pytestmark = pytest.mark.browser

LONG_TOPICS = ("Tracing crypto-assets through mixers and exchanges, with a walk-through of the "
               "Rabat unit's case files and the FIU's reports on suspicious transfers")


def test_a_mentee_sees_downloads_and_asks_about_her_data(
        transactional_db, world: World, live_server, new_page):
    mentee = world.people["mentee"]
    ApplicationFactory(call=world.call, applicant=mentee, full_name="Mentee Person",
                       email=mentee.email, agency="Sûreté nationale", rank="Commissaire")
    pairing = active_pairing(world)
    MeetingFactory(pairing=pairing, day=START, duration_minutes=60, topics=LONG_TOPICS,
                   logged_by=mentee)

    # 1. From her home page, the header's "My data" link.
    page = new_page(DESKTOP)
    sign_in_with_cookie(page, mentee, live_server)
    page.goto("/cepol/")
    page.get_by_role("link", name="My data").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My data")
    main = page.locator("main")
    for text in ("Sûreté nationale", "Commissaire", LONG_TOPICS, "mentee@cepol.test"):
        expect(main).to_contain_text(text)
    expect(page.get_by_role("heading", name="Meetings")).to_be_visible()
    screenshot(page, "my-data-1-page.png")
    page.set_viewport_size(PHONE)
    screenshot(page, "my-data-1-page-phone.png")
    # Long text wraps in its cell instead of widening the page.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    page.set_viewport_size(DESKTOP)

    # 2. She downloads it all as JSON, and it holds her application and meeting.
    page.get_by_role("button", name="Download as JSON").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My data (JSON)")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download my-data-").click()
    data = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    assert data["person"] == "mentee@cepol.test"
    sections = {section["model"]: section for section in data["sections"]}
    assert sections["participants.Application"]["rows"][0]["agency"] == "Sûreté nationale"
    assert sections["matching.Meeting"]["rows"][0]["topics"] == LONG_TOPICS
    assert AuditEntry.objects.for_org(world.org).filter(
        event=AuditEntry.Event.DATA_EXPORTED, actor=mentee).count() == 1

    # 3. A name with a control character is refused next to the field, what she typed kept;
    #    then she corrects it.
    page.get_by_role("link", name="Back to my data").click()
    name = page.get_by_label("Full name")
    name.fill("Salma\u0007 Idrissi")
    page.get_by_role("button", name="Save my details").click()
    expect(page.locator("#profile")).to_contain_text(
        "Remove the control characters (such as NUL) from this text.")
    expect(page.get_by_label("Full name")).to_have_value("Salma\u0007 Idrissi")
    screenshot(page, "my-data-2-name-refused.png")
    page.get_by_label("Full name").fill("Salma Idrissi")
    page.get_by_role("button", name="Save my details").click()
    expect(page.locator(".messages")).to_contain_text("Your details are saved.")
    expect(page.locator("header")).to_contain_text("Salma Idrissi")

    # 4. She asks for erasure; the admin is told.
    page.get_by_label("Erase my data").check()
    page.get_by_label("Your message").fill("I am leaving the service: please erase my data.")
    page.get_by_role("button", name="Send my request").click()
    expect(page.locator(".messages")).to_contain_text("Your request is sent")
    requests = page.locator("#request table")
    expect(requests).to_contain_text("Erase my data")
    expect(requests).to_contain_text("Open")
    made = DataRequest.objects.for_org(world.org).get()
    expect(requests).to_contain_text(cldr.day(made.due_on))
    assert made.kind == "erasure"
    assert Notification.objects.for_org(world.org).filter(
        user=world.people["admin"], link="/cepol/privacy/requests/").exists()
    page.locator("#request").scroll_into_view_if_needed()
    screenshot(page, "my-data-3-requested.png")

    # 5. The same page in Arabic, right to left.
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "ar",
                               "url": live_server.url}])
    page.goto("/cepol/my-data/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.get_by_role("heading", level=1)).to_have_text("بياناتي")
    expect(page.locator("#request table")).to_contain_text("محو بياناتي")
    screenshot(page, "my-data-4-arabic.png")
    page.set_viewport_size(PHONE)
    screenshot(page, "my-data-4-arabic-phone.png")
