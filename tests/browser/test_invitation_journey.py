"""End-to-end journeys in a real Chromium: an organisation admin invites someone in each role, the
invitee joins, sets up MFA where their role requires it, and lands on the home page made for
their role. Also the language switcher (Arabic is right to left) and the skip link.

Needs Debian's Chromium at /usr/bin/chromium (package `chromium`); Playwright cannot download
its own browsers here. Screenshots go to data/test-artifacts/ (git-ignored); the fixtures are in
conftest.py."""

import re

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import Page, expect

from participants.models import Invitation, Membership, Role, User
from tests.browser.helpers import (
    DESKTOP,
    PHONE,
    invitation_link,
    join_from_invitation,
    screenshot,
    screenshots,
    sign_in_with_cookie,
)
from tests.factories import PASSWORD, MembershipFactory, UserFactory, with_totp
from tests.helpers import PERSONAS, World, totp_code

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Harbour-lantern-quietly-71"

# What each role's home page says: the role label in the lead line, and a heading of its own.
HOME_HEADING = {
    Role.ADMIN: "Pending invitations",
    Role.COORDINATOR: "Your projects",
    Role.FOCAL_POINT: "Projects you nominate for, for Morocco",
    Role.MENTOR: "Your pairing",
    Role.MENTEE: "Your pairing",
    Role.OBSERVER: "Projects",
}


def sign_in(page: Page, email: str, password: str = PASSWORD, totp_secret: str | None = None):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.locator("main").get_by_role("button", name="Sign In").click()
    if totp_secret:
        expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
        page.fill("input[name=code]", totp_code(totp_secret))
        page.locator("main").get_by_role("button", name="Sign In").click()


@pytest.mark.parametrize("role", PERSONAS)
def test_invitation_journey(transactional_db, world: World, live_server, new_page, role: str):
    # An admin whose authenticator secret we know.
    admin = UserFactory(email="inviter@cepol.test", full_name="Ines Inviter")
    MembershipFactory(organisation=world.org, user=admin, role=Role.ADMIN)
    admin_secret = with_totp(admin)
    email = f"new-{role.replace('_', '-')}@example.org"
    full_name = f"Nadia {role.replace('_', ' ').title()}"

    # 1. The admin invites.
    page = new_page(DESKTOP)
    sign_in(page, admin.email, totp_secret=admin_secret)
    expect(page).to_have_url(re.compile(r"/cepol/$"))
    page.locator("nav.main-nav").get_by_role("link", name="Invitations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invitations")
    page.locator("main").get_by_role("link", name="Invite someone").click()
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Full name").fill(full_name)
    page.get_by_label("Role").select_option(role)
    if role == Role.FOCAL_POINT:
        page.get_by_label("Country").select_option(label="Morocco")
    if role in (Role.COORDINATOR, Role.FOCAL_POINT):
        page.get_by_label("EUROMED Police").check()
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.locator(".messages")).to_contain_text(f"Invitation sent to {email}.")

    # 2. The e-mail.
    link = invitation_link(email, live_server)

    # 3. The invitee joins, on a phone.
    page = new_page(PHONE)
    join_from_invitation(page, link, email=email, full_name=full_name, password=NEW_PASSWORD)

    # 4. Admins and coordinators set up their authenticator app first.
    if role in (Role.ADMIN, Role.COORDINATOR):
        # Straight there: the password typed seconds ago is not asked for again.
        expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))
        secret = page.locator("#authenticator_secret").input_value()
        assert re.fullmatch(r"[A-Z2-7]{16,}=*", secret), secret
        page.fill("input[name=code]", totp_code(secret))
        page.get_by_role("button", name="Activate").click()
        expect(page.locator(".messages")).to_contain_text("Authenticator app activated.")
        # ...nor just after activating, to see the recovery codes made with it.
        expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/$"))
        codes = page.locator("#recovery_codes").input_value().split()
        assert len(codes) == 10 and all(re.fullmatch(r"\d{8}", c) for c in codes), codes
        page.locator("a.brand").click()  # to the start page, which sends them to /cepol/

    # 5. Their home page.
    expect(page).to_have_url(re.compile(r"/cepol/$"))
    label = Role(role).label
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {full_name}")
    expect(page.locator("main .lead").first).to_contain_text(f"{label} · CEPOL agency")
    expect(page.get_by_role("heading", name=HOME_HEADING[role], exact=True)).to_be_visible()
    if role in (Role.COORDINATOR, Role.FOCAL_POINT):
        expect(page.locator("main .card h3")).to_have_text(["EUROMED Police"])
    if role == Role.FOCAL_POINT:
        expect(page.locator("main .lead").first).to_contain_text("Morocco")
    screenshot(page, f"journey-{role}-phone.png")
    page.set_viewport_size(DESKTOP)
    screenshot(page, f"journey-{role}-desktop.png")
    screenshots(page, f"problem-10-signed-in-{role}", live_server)

    invitation = Invitation.unscoped.get(organisation=world.org, email=email)
    assert invitation.status == Invitation.Status.ACCEPTED
    user = User.objects.get(email=email)
    assert user.full_name == full_name
    assert user.check_password(NEW_PASSWORD)
    membership = Membership.unscoped.get(organisation=world.org, user=user)
    assert membership.role == role
    if role == Role.FOCAL_POINT:
        assert membership.country == world.morocco
    has_totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert has_totp == (role in (Role.ADMIN, Role.COORDINATOR))


def test_language_switcher(transactional_db, world: World, live_server, new_page):
    page = new_page(PHONE)
    sign_in_with_cookie(page, world.people["mentee"], live_server)
    page.goto("/cepol/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")

    page.locator(".menu > summary").click()  # on a phone, the language form is in the menu
    page.select_option("#language", "ar")
    page.locator("form.language button[type=submit]").click()
    expect(page.locator("html[dir=rtl]")).to_have_count(1)
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(page).to_have_url(re.compile(r"/cepol/$"))
    screenshot(page, "home-ar.png")

    page.locator(".menu > summary").click()
    page.select_option("#language", "fr")
    page.locator("form.language button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")


def test_first_tab_focuses_skip_link(transactional_db, world: World, live_server, new_page):
    page = new_page(DESKTOP)
    sign_in_with_cookie(page, world.people["mentor"], live_server)
    page.goto("/cepol/")
    skip = page.locator("a.skip-link")
    expect(skip).not_to_be_in_viewport()
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    expect(skip).to_have_text("Skip to content")
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
    expect(page.locator("main#main")).to_be_focused()
