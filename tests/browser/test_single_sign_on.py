"""Single sign-on against a real OpenID Connect provider, started by the test (panva's
oidc-provider under Node.js: tests/sso/provider.mjs, installed by `make test` from
tests/sso/package-lock.json). The organisation's admin connects it on a settings page; then a
member signs in with their agency account. Joining stays by invitation: the provider reaches an
existing member or someone invited, never makes an account, and refuses a member of another
organisation. A forged return or an expired id token is refused. The provider's own second
factor stands in for ours; without it, ours is asked. Once the organisation has its members sign
in through the provider only, someone the provider stops vouching for cannot sign in at all."""

import json
import re
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.utils import timezone
from playwright.sync_api import Page, expect

from participants.models import IdentityProvider, Invitation, Membership, Role, User
from tests.browser.helpers import (
    DESKTOP,
    PHONE,
    screenshot,
    screenshots,
    sign_in_with_cookie,
)
from tests.factories import PASSWORD, InvitationFactory, with_totp
from tests.helpers import ROOT, World, free_port, totp_code

pytestmark = pytest.mark.browser

PROVIDER_DIR = ROOT / "tests" / "sso"
CLIENT_ID, CLIENT_SECRET = "mentoring-platform", "a-long-client-secret-for-the-test"
CALLBACK = "/accounts/oidc/sso-cepol/login/callback/"
# The agency accounts the provider knows, and the address it vouches for each.
PEOPLE = {
    "amina": {"email": "mentee@cepol.test", "email_verified": True, "name": "Mentee Person"},
    "carla": {"email": "coordinator@cepol.test", "email_verified": True},
    "nadia": {"email": "nadia@police.ma", "email_verified": True, "name": "Nadia Benali"},
    "stranger": {"email": "stranger@police.ma", "email_verified": True},
    "interpol": {"email": "admin@interpol.test", "email_verified": True},
    "unverified": {"email": "mentor@cepol.test", "email_verified": False},
    # Entra ID's way of saying the address is verified.
    "fatima": {"email": "focal_point@cepol.test", "xms_edov": True},
    "leaver": {"email": "mentor@cepol.test", "email_verified": True},
}




@contextmanager
def running(command: list[str]) -> Iterator[None]:
    """A provider in a process of its own, from the line where it says it is ready until the
    end of the block."""
    process = subprocess.Popen(  # noqa: S603 - our own programs and arguments
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=PROVIDER_DIR)
    try:
        assert process.stdout is not None
        assert process.stdout.readline().startswith("ready"), f"{command[1]} did not start"
        yield
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


@pytest.fixture
def provider(live_server) -> Iterator[str]:
    """The identity provider, running; yields its issuer address."""
    node = shutil.which("node")
    if node is None or not (PROVIDER_DIR / "node_modules" / "oidc-provider").exists():
        pytest.fail("Node.js and tests/sso/node_modules are needed: `make test` installs them "
                    "(npm ci --prefix tests/sso)", pytrace=False)
    port = free_port()
    config = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
              "redirect_uri": live_server.url + CALLBACK, "people": PEOPLE,
              "refused": ["leaver"]}
    with running([node, str(PROVIDER_DIR / "provider.mjs"), str(port), json.dumps(config)]):
        yield f"http://127.0.0.1:{port}"


def connect(page: Page, world: World, issuer: str, live_server) -> None:
    """The organisation's admin connects the provider on the settings page (after one refusal:
    the client secret left out)."""
    sign_in_with_cookie(page, world.people["admin"], live_server)
    page.goto("/cepol/")
    page.get_by_role("link", name="Sign-in with your identity provider").click()
    expect(page.locator("#oidc-callback")).to_have_text(live_server.url + CALLBACK)
    page.get_by_label("OpenID Connect").check()
    page.get_by_label("Name shown on the sign-in button").fill("CEPOL agency account")
    page.get_by_label("Issuer address").fill(issuer)
    page.get_by_label("Client ID").fill(CLIENT_ID)
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#id_client_secret_error")).to_be_visible()
    expect(page.get_by_label("Issuer address")).to_have_value(issuer)
    assert not IdentityProvider.unscoped.exists()
    page.get_by_label("Client secret").fill(CLIENT_SECRET)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("The identity provider is saved.")
    screenshots(page, "sso-1-settings", live_server)
    page.get_by_role("button", name="Sign out").click()


def agency_sign_in(page: Page, login: str, *, mfa: bool = False) -> None:
    """From our sign-in page, through the provider's, as this agency account."""
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Sign in with CEPOL agency account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Agency sign-in")
    page.get_by_label("Agency account").fill(login)
    if mfa:
        page.get_by_label("I confirmed with my second factor").check()
    page.get_by_role("button", name="Sign in at the agency").click()


@pytest.fixture
def connected(transactional_db, world: World, live_server, new_page, provider) -> World:
    connect(new_page(DESKTOP), world, provider, live_server)
    return world


def test_a_member_signs_in_with_their_agency_account(connected, live_server, new_page):
    page = new_page(PHONE)
    page.goto("/accounts/login/")
    screenshots(page, "sso-2-sign-in-page", live_server)
    agency_sign_in(page, "amina")
    expect(page).to_have_url(re.compile(r"/cepol/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Mentee Person")
    screenshot(page, "sso-3-signed-in-phone.png")
    link = SocialAccount.objects.get(provider="sso-cepol")
    assert link.user == connected.people["mentee"]
    assert User.objects.count() == len(connected.people) + 1  # no account made


def test_entra_ids_own_word_for_a_verified_address_counts(connected, new_page):
    page = new_page(DESKTOP)
    agency_sign_in(page, "fatima")
    expect(page).to_have_url(re.compile(r"/cepol/$"))
    assert SocialAccount.objects.get().user == connected.people["focal_point"]


def test_someone_invited_joins_through_the_provider(connected, new_page):
    InvitationFactory(organisation=connected.org, email="nadia@police.ma",
                      full_name="Nadia Benali", role=Role.MENTOR)
    page = new_page(DESKTOP)
    agency_sign_in(page, "nadia")
    expect(page).to_have_url(re.compile(r"/cepol/$"))
    nadia = User.objects.get(email="nadia@police.ma")
    assert Membership.unscoped.get(user=nadia).role == Role.MENTOR
    assert Invitation.unscoped.get(email="nadia@police.ma").status == Invitation.Status.ACCEPTED
    assert not nadia.has_usable_password()


@pytest.mark.parametrize("login", ["stranger", "interpol", "unverified"])
def test_the_provider_never_makes_an_account_nor_opens_another_organisation(
    connected, new_page, live_server, login
):
    """An address nobody invited, a member of another organisation, an address the provider
    does not confirm: refused, and nothing is made."""
    people = User.objects.count()
    page = new_page(DESKTOP)
    agency_sign_in(page, login)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in refused")
    if login == "stranger":
        screenshots(page, "sso-4-refused", live_server)
    page.goto("/cepol/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    assert User.objects.count() == people and not SocialAccount.objects.exists()


def test_a_forged_return_or_an_expired_id_token_is_refused(connected, new_page, live_server):
    page = new_page(DESKTOP)
    page.goto(f"{CALLBACK}?code=forged&state=forged")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Login Failure")
    page.goto("/cepol/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))

    # Our clock two hours on: the id token the provider signs now has already expired.
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        agency_sign_in(page, "amina")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Login Failure")
    assert not SocialAccount.objects.exists()


def test_the_providers_second_factor_stands_in_for_ours(connected, new_page):
    """A coordinator must have MFA: when the provider says it asked for a second factor, ours is
    not asked again; when it does not, the platform asks for its own code."""
    coordinator = connected.people["coordinator"]
    Authenticator.objects.filter(user=coordinator).delete()  # one whose secret we know
    secret = with_totp(coordinator)
    page = new_page(DESKTOP)
    agency_sign_in(page, "carla")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.fill("input[name=code]", totp_code(secret))
    page.locator("main").get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(re.compile(r"/cepol/$"))

    other = new_page(DESKTOP)
    agency_sign_in(other, "carla", mfa=True)
    expect(other).to_have_url(re.compile(r"/cepol/$"))
    expect(other.get_by_role("heading", level=1)).to_have_text("Welcome, Coordinator Person")


def test_once_the_provider_is_the_only_door_a_leaver_cannot_sign_in(connected, new_page):
    """The mentor leaves the force: the provider refuses them, and once the organisation has
    its members sign in through the provider only, their password no longer opens either."""
    IdentityProvider.unscoped.update(password_allowed=False)
    page = new_page(DESKTOP)
    agency_sign_in(page, "leaver")
    expect(page.get_by_role("alert")).to_have_text("This agency account cannot sign in.")
    page.goto("/accounts/login/")
    page.fill("input[name=login]", "mentor@cepol.test")
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form").first.get_by_role("button", name="Sign In").click()
    expect(page.locator("main")).to_contain_text(
        "Your organisation has you sign in with your agency account")
    page.goto("/cepol/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


# --- SAML 2.0 -----------------------------------------------------------------------------------

SAML_PEOPLE = {"amina": "mentee@cepol.test", "stranger": "stranger@police.ma",
               "interpol": "admin@interpol.test", "carla": "coordinator@cepol.test"}


@pytest.fixture
def saml_provider(live_server, tmp_path) -> Iterator[str]:
    """The SAML identity provider (pysaml2), running in a process of its own; yields its base
    address (its metadata is at /metadata)."""
    port = free_port()
    config = {"workdir": str(tmp_path), "people": SAML_PEOPLE,
              "sp_metadata_url": f"{live_server.url}/accounts/saml/cepol/metadata/"}
    with running([sys.executable, str(PROVIDER_DIR / "saml_idp.py"), str(port),
                  json.dumps(config)]):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def saml_connected(transactional_db, world: World, live_server, new_page, saml_provider,
                   tmp_path) -> World:
    """The admin uploads the provider's metadata (after a file that is not metadata, refused
    next to the field), then downloads the platform's."""
    metadata = tmp_path / "federationmetadata.xml"
    with urllib.request.urlopen(f"{saml_provider}/metadata", timeout=10) as answer:  # noqa: S310
        metadata.write_bytes(answer.read())
    not_metadata = tmp_path / "notes.xml"
    not_metadata.write_text("<notes>not metadata</notes>")
    page = new_page(DESKTOP)
    sign_in_with_cookie(page, world.people["admin"], live_server)
    page.goto("/cepol/settings/sign-in/")
    page.get_by_label("SAML 2.0").check()
    page.get_by_label("Name shown on the sign-in button").fill("CEPOL agency account")
    page.get_by_label("The provider's metadata file (XML)").set_input_files(not_metadata)
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#id_metadata_file_error")).to_contain_text("The metadata must name")
    expect(page.get_by_label("Name shown on the sign-in button")).to_have_value(
        "CEPOL agency account")
    assert not IdentityProvider.unscoped.exists()
    page.get_by_label("The provider's metadata file (XML)").set_input_files(metadata)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("The identity provider is saved.")
    screenshots(page, "sso-5-saml-settings", live_server)
    link = page.get_by_role("link", name="Download the platform's metadata")
    answer = page.request.get(link.get_attribute("href"))
    assert answer.status == 200, answer.text()
    ours = answer.text()
    assert "AssertionConsumerService" in ours and "/accounts/saml/cepol/acs/" in ours
    return world


def saml_sign_in(page: Page, login: str, *, tamper: bool = False, mfa: bool = False) -> None:
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Sign in with CEPOL agency account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Agency sign-in")
    page.get_by_label("Agency account").fill(login)
    if tamper:
        page.get_by_label("Tamper with the response").check()
    if mfa:
        page.get_by_label("I confirmed with my second factor").check()
    page.get_by_role("button", name="Sign in at the agency").click()
    page.get_by_role("button", name="Continue to the platform").click()


def test_a_member_signs_in_through_saml(saml_connected, new_page):
    page = new_page(PHONE)
    saml_sign_in(page, "amina")
    expect(page).to_have_url(re.compile(r"/cepol/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Mentee Person")
    assert SocialAccount.objects.get(provider="sso-cepol").user == saml_connected.people["mentee"]


@pytest.mark.parametrize("login", ["stranger", "interpol"])
def test_saml_never_makes_an_account_nor_opens_another_organisation(saml_connected, new_page,
                                                                    login):
    people = User.objects.count()
    page = new_page(DESKTOP)
    saml_sign_in(page, login)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign-in refused")
    assert User.objects.count() == people and not SocialAccount.objects.exists()


def test_a_tampered_or_expired_saml_assertion_is_refused(saml_connected, new_page):
    page = new_page(DESKTOP)
    # The address changed after the provider signed: the signature no longer holds.
    saml_sign_in(page, "amina", tamper=True)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Login Failure")
    # Our clock a day on: the assertion's validity (NotOnOrAfter) is long past.
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        saml_sign_in(page, "amina")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Login Failure")
    page.goto("/cepol/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    assert not SocialAccount.objects.exists()


def test_a_saml_providers_second_factor_stands_in_for_ours(saml_connected, new_page):
    """ADFS and Entra ID say in the assertion when they asked for a second factor: then ours is
    not asked again; otherwise the coordinator gives the platform's own code."""
    coordinator = saml_connected.people["coordinator"]
    Authenticator.objects.filter(user=coordinator).delete()  # one whose secret we know
    secret = with_totp(coordinator)
    page = new_page(DESKTOP)
    saml_sign_in(page, "carla")
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.fill("input[name=code]", totp_code(secret))
    page.locator("main").get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(re.compile(r"/cepol/$"))

    other = new_page(DESKTOP)
    saml_sign_in(other, "carla", mfa=True)
    expect(other).to_have_url(re.compile(r"/cepol/$"))
    expect(other.get_by_role("heading", level=1)).to_have_text("Welcome, Coordinator Person")
