"""Django's admin reaches every organisation, so it has no door of its own: one signs in through
allauth's sign-in like everywhere else (its rate limits, its MFA step), the admin's login page
never shows Django's password form, a superuser must have set up MFA and passed it in this
session, and nobody but a superuser gets in."""

import pytest
from allauth.mfa.models import Authenticator
from django.core.cache import cache
from django.urls import reverse
from django.utils.http import urlencode

from config.settings import base, production
from participants.adapters import MFAAdapter
from participants.models import User
from tests.factories import PASSWORD, UserFactory, with_totp
from tests.helpers import World, sign_in_with_mfa, totp_code

ADMIN = "/admin/"
SIGN_IN_THEN_ADMIN = f"{reverse('account_login')}?{urlencode({'next': ADMIN})}"
LOCKED_OUT = "Too many failed login attempts. Try again later."


@pytest.fixture
def superuser(db) -> User:
    return UserFactory(email="root@platform.test", full_name="Platform Operator",
                       is_staff=True, is_superuser=True)


def sign_in_with_password(client, user: User, password: str = PASSWORD, next_url: str = ADMIN):
    return client.post(f"{reverse('account_login')}?{urlencode({'next': next_url})}",
                       {"login": user.email, "password": password})


def test_the_admins_login_page_sends_to_allauths_sign_in(client, superuser):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == SIGN_IN_THEN_ADMIN
    # Without a next, it comes back to the login page, which goes on to the admin.
    assert client.get("/admin/login/")["Location"].startswith(reverse("account_login") + "?")
    # Its password form is gone: posting the right password to it signs nobody in.
    response = client.post("/admin/login/?next=/admin/",
                           {"username": superuser.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == SIGN_IN_THEN_ADMIN
    assert "_auth_user_id" not in client.session


def test_anonymous_visitor_of_the_admin_is_sent_to_sign_in(client, db):
    # (db: the sign-in page lists the organisations' identity providers)
    response = client.get(ADMIN, follow=True)
    assert response.redirect_chain[-1] == (SIGN_IN_THEN_ADMIN, 302)
    assert response.status_code == 200
    assert 'name="login"' in response.text and 'name="password"' in response.text
    assert "Django administration" not in response.text


def test_superuser_who_typed_only_the_password_is_sent_to_mfa_and_not_into_the_admin(
    client, superuser
):
    with_totp(superuser)
    response = sign_in_with_password(client, superuser)
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    # The admin sends the half-signed-in session through the sign-in, which is waiting for
    # the code.
    response = client.get(ADMIN, follow=True)
    assert [url for url, _status in response.redirect_chain] == [
        "/admin/login/?next=/admin/", SIGN_IN_THEN_ADMIN, reverse("mfa_authenticate")]
    assert response.status_code == 200 and 'name="code"' in response.text
    assert "Django administration" not in response.text
    assert "_auth_user_id" not in client.session


def test_superuser_reaches_the_admin_after_the_totp_code(client, superuser):
    secret = with_totp(superuser)
    response = sign_in_with_mfa(client, superuser, secret, next_url=ADMIN)
    assert response.status_code == 302 and response["Location"] == ADMIN
    page = client.get(ADMIN)
    assert page.status_code == 200
    assert "Site administration" in page.text
    assert client.get("/admin/participants/invitation/").status_code == 200


def test_a_session_signed_in_before_mfa_was_set_up_is_asked_for_the_code(client, superuser):
    """The password alone signed this session in (no authenticator yet): once the superuser has
    an authenticator app, the admin asks for its code before it opens."""
    Authenticator.objects.filter(user=superuser).delete()
    response = sign_in_with_password(client, superuser, next_url="/")
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(superuser.pk)
    secret = with_totp(superuser)
    for page in (ADMIN, "/admin/participants/membership/"):
        response = client.get(page)
        assert response.status_code == 302
        assert response["Location"] == (f"{reverse('mfa_reauthenticate')}?"
                                         f"{urlencode({'next': page})}")
    response = client.post(response["Location"], {"code": "000000"})
    assert response.status_code == 200 and "Incorrect code" in response.text
    assert client.get(ADMIN).status_code == 302
    response = client.post(f"{reverse('mfa_reauthenticate')}?{urlencode({'next': ADMIN})}",
                           {"code": totp_code(secret)})
    assert response.status_code == 302 and response["Location"] == ADMIN
    assert client.get(ADMIN).status_code == 200


def test_superuser_without_mfa_is_sent_to_set_it_up(client, superuser):
    sign_in_with_password(client, superuser, next_url="/")
    assert client.session["_auth_user_id"] == str(superuser.pk)
    for page in (ADMIN, "/admin/login/", "/admin/participants/user/", "/"):
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"] == reverse("mfa_activate_totp"), page
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    # And once set up, a superuser keeps it, as admins and coordinators do.
    with_totp(superuser)
    totp = Authenticator.objects.get(user=superuser, type=Authenticator.Type.TOTP)
    assert not MFAAdapter().can_delete_authenticator(totp)


@pytest.mark.parametrize("is_staff", [False, True])
def test_a_member_who_is_not_a_superuser_gets_no_admin(world: World, client, is_staff: bool):
    """An organisation admin, past MFA (and even marked staff), is refused: the admin reaches
    every organisation."""
    person = world.people["admin"]
    User.objects.filter(pk=person.pk).update(is_staff=is_staff)
    Authenticator.objects.filter(user=person).delete()
    sign_in_with_mfa(client, person, with_totp(person))
    response = client.get(ADMIN)
    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/"
    refused = client.get(response["Location"])
    assert refused.status_code == 403
    assert 'name="password"' not in refused.text
    assert client.get("/admin/participants/membership/").status_code == 302


@pytest.fixture
def rate_limits(settings):
    """allauth's rate limits as every setting but the tests' has them (its defaults: at most
    5 failed sign-ins per address in 5 minutes), in a cache emptied before and after."""
    del settings.ACCOUNT_RATE_LIMITS
    cache.clear()
    yield
    cache.clear()


def test_only_the_tests_switch_allauths_rate_limits_off():
    assert not hasattr(base, "ACCOUNT_RATE_LIMITS")
    assert not hasattr(production, "ACCOUNT_RATE_LIMITS")


def test_wrong_passwords_at_the_admins_sign_in_lock_the_account_out(
    client, superuser, rate_limits
):
    secret = with_totp(superuser)
    for _attempt in range(5):
        response = sign_in_with_password(client, superuser, password="wrong-password-123")
        assert response.status_code == 200
        assert "password you specified are not correct" in response.text
    # The right password no longer helps: the form says why, and nobody is signed in.
    response = sign_in_with_password(client, superuser)
    assert response.status_code == 200
    assert LOCKED_OUT in response.text
    assert "_auth_user_id" not in client.session
    assert client.get(ADMIN)["Location"].startswith("/admin/login/")
    # Another browser is locked out too: the limit counts the account, not the session.
    client.cookies.clear()
    response = client.post(reverse("account_login"),
                           {"login": superuser.email, "password": PASSWORD})
    assert response.status_code == 200 and LOCKED_OUT in response.text
    # Once the limit is lifted (the window passes), the same sign-in works, with MFA.
    cache.clear()
    assert sign_in_with_mfa(client, superuser, secret, next_url=ADMIN)["Location"] == ADMIN
