"""Plain helpers of the browser journeys (their fixtures are in conftest.py): viewports, signing
in without the forms, the invitation e-mail's link, screenshots in data/test-artifacts/
(git-ignored)."""

import re

from django.conf import settings
from django.core import mail
from django.test import Client
from playwright.sync_api import Page, expect

from participants.models import User
from tests.helpers import ROOT

ARTIFACTS = ROOT / "data" / "test-artifacts"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def join_from_invitation(page: Page, link: str, *, email: str, full_name: str,
                         password: str) -> None:
    """A newcomer opens the invitation link and creates the account: they are signed in at
    once, never asked for the password they have just chosen."""
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Join CEPOL agency")
    expect(page.get_by_label("Full name")).to_have_value(full_name)
    page.fill("input[name=password1]", password)
    page.fill("input[name=password2]", password)
    page.get_by_role("button", name="Create my account").click()
    expect(page.locator(".messages")).to_contain_text("Your account is ready")
    assert "/accounts/login/" not in page.url


def sign_in_with_cookie(page: Page, user: User, live_server) -> None:
    """Signs in without the forms (for tests about something else): a session made by Django's
    test client, handed to the browser."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }])


def invitation_link(email: str, live_server) -> str:
    messages = [m for m in mail.outbox if m.to == [email]]
    assert len(messages) == 1, [m.to for m in mail.outbox]
    match = re.search(re.escape(settings.SITE_URL) + r"(/invitations/[^\s/]+/)", messages[0].body)
    assert match, messages[0].body
    return live_server.url + match.group(1)


def screenshot(page: Page, name: str) -> None:
    page.screenshot(path=ARTIFACTS / name, full_page=True)


