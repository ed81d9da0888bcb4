"""Invitations: the only way in. An admin invites by e-mail with a role; the link creates the
account and the membership; bad input gets a message next to the field and changes nothing."""

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import get_objects_for_user

from participants.models import Invitation, Membership, Role, User, hash_token
from programmes.models import Project
from tests.factories import PASSWORD, InvitationFactory
from tests.helpers import World


def invite(client, world: World, **data):
    form = {"email": "newcomer@example.org", "full_name": "Nadia Benali", "role": "mentee",
            "language": "en", "country": "", "projects": []}
    form.update(data)
    return client.post(reverse("invitation_create", args=[world.org.slug]), form)


def link_from_last_mail() -> str:
    return re.search(r"http://\S+/invitations/\S+/", mail.outbox[-1].body).group(0)


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def test_admin_invites_a_coordinator_who_joins_with_the_projects(
    world: World, client_as, django_capture_on_commit_callbacks
):
    admin = client_as(world.people["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(admin, world, email="Chloe.Martin@Example.org", role="coordinator",
                          projects=[world.project.pk], language="fr")
    assert response.status_code == 302
    invitation = Invitation.unscoped.get(email="chloe.martin@example.org")
    assert invitation.status == "pending" and invitation.invited_by == world.people["admin"]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["chloe.martin@example.org"]
    assert "CEPOL" in message.subject
    assert message.alternatives and "text/html" in message.alternatives[0][1]

    newcomer = client_as(None)
    link = path_of(link_from_last_mail())
    page = newcomer.get(link)
    assert page.status_code == 200
    assert "chloe.martin@example.org" in page.text
    response = newcomer.post(link, {"full_name": "Chloé Martin", "password1": PASSWORD,
                                    "password2": PASSWORD})
    assert response.status_code == 302
    # Signed in at once: a coordinator goes on to set up MFA, then to /cepol/.
    assert not response["Location"].startswith(reverse("account_login"))
    assert newcomer.session.get("_auth_user_id")
    user = User.objects.get(email="chloe.martin@example.org")
    assert int(newcomer.session["_auth_user_id"]) == user.pk
    assert user.full_name == "Chloé Martin" and user.language == "fr"
    assert EmailAddress.objects.get(user=user).verified
    assert Membership.objects.filter(user=user, organisation=world.org, role="coordinator").exists()
    projects = get_objects_for_user(user, "programmes.coordinate_project",
                                    klass=Project.unscoped.all(), accept_global_perms=False)
    assert list(projects) == [world.project]
    invitation.refresh_from_db()
    assert invitation.status == "accepted" and invitation.accepted_by == user
    # The link works once.
    assert newcomer.get(link).status_code == 404


def test_coordinator_is_sent_to_set_up_mfa_before_anything_else(world: World, client_as):
    coordinator = User.objects.create_user("fresh@example.org", PASSWORD, full_name="Fresh")
    Membership.objects.create(organisation=world.org, user=coordinator, role=Role.COORDINATOR)
    client = client_as(coordinator)
    for url in ("/cepol/", "/cepol/projects/", "/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == reverse("mfa_activate_totp")
    # Mentors are not asked.
    assert client_as(world.people["mentor"]).get("/cepol/").status_code == 200


def test_existing_person_accepts_into_a_second_organisation(
    world: World, client_as, django_capture_on_commit_callbacks
):
    """One person, several roles in several organisations."""
    outsider_admin = client_as(world.outsider)
    with django_capture_on_commit_callbacks(execute=True):
        response = outsider_admin.post(reverse("invitation_create", args=["interpol"]), {
            "email": world.people["mentor"].email, "role": "observer", "language": "en",
        })
    assert response.status_code == 302
    link = path_of(link_from_last_mail())
    assert client_as(None).get(link)["Location"].startswith(reverse("account_login"))
    mentor = client_as(world.people["mentor"])
    assert "Accept the invitation" in mentor.get(link).text
    assert mentor.post(link)["Location"] == "/interpol/"
    roles = set(Membership.unscoped.filter(user=world.people["mentor"])
                .values_list("organisation__slug", "role"))
    assert roles == {("cepol", "mentor"), ("interpol", "observer")}
    # The switcher moves between them.
    home = mentor.get("/interpol/")
    assert "INTERPOL · Observer" in home.text and "CEPOL · Mentor" in home.text


def test_signed_in_as_someone_else_cannot_take_an_invitation(
    world: World, client_as, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(client_as(world.people["admin"]), world, email="someone@example.org")
    link = path_of(link_from_last_mail())
    response = client_as(world.people["mentee"]).post(link, {
        "full_name": "Intruder", "password1": PASSWORD, "password2": PASSWORD,
    })
    assert response.status_code == 403
    assert not User.objects.filter(email="someone@example.org").exists()


@pytest.mark.parametrize("state", ["expired", "revoked", "accepted", "unknown"])
def test_an_unusable_invitation_link_is_not_found(world: World, client_as, state: str):
    invitation = InvitationFactory(organisation=world.org)
    token = "a-token-for-this-test"
    invitation.token_hash = hash_token(token if state != "unknown" else "other")
    if state == "expired":
        invitation.expires_at = timezone.now() - timedelta(minutes=1)
    elif state in ("revoked", "accepted"):
        invitation.status = state
    invitation.save()
    response = client_as(None).get(reverse("invitation_accept", args=[token]))
    assert response.status_code == 404
    assert "not valid" in response.text


def test_resend_replaces_the_link(world: World, client_as, django_capture_on_commit_callbacks):
    admin = client_as(world.people["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        invite(admin, world)
    first = path_of(link_from_last_mail())
    invitation = Invitation.unscoped.get(email="newcomer@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(reverse("invitation_resend", args=["cepol", invitation.pk]))
    second = path_of(link_from_last_mail())
    assert first != second
    assert client_as(None).get(first).status_code == 404
    assert client_as(None).get(second).status_code == 200


def test_revoked_invitation_cannot_be_used(world, client_as, django_capture_on_commit_callbacks):
    admin = client_as(world.people["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        invite(admin, world)
    link = path_of(link_from_last_mail())
    invitation = Invitation.unscoped.get(email="newcomer@example.org")
    admin.post(reverse("invitation_revoke", args=["cepol", invitation.pk]))
    assert client_as(None).get(link).status_code == 404


def test_expired_invitations_are_marked_by_the_periodic_task(world: World):
    from participants.tasks import invitations_expire

    old = InvitationFactory(organisation=world.org,
                            expires_at=timezone.now() - timedelta(days=1))
    fresh = InvitationFactory(organisation=world.org)
    assert invitations_expire.delay().get() == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.status, fresh.status) == ("expired", "pending")


# --- Control characters: refused next to the field, on our forms and on allauth's ------------

CONTROL = "Remove the control characters (such as NUL) from this text."


@pytest.mark.parametrize("bad", ["\x00", "\x07"], ids=["nul", "bell"])
def test_an_invitation_with_control_characters_is_refused_next_to_the_field(
        world: World, client_as, django_capture_on_commit_callbacks, bad):
    before = (Invitation.unscoped.count(), User.objects.count())
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(client_as(world.people["admin"]), world,
                          full_name=f"Nadia{bad} Benali")
    assert response.status_code == 200
    assert response.context["form"].errors["full_name"] == [CONTROL]
    assert CONTROL in response.text
    assert 'value="newcomer@example.org"' in response.text  # the rest of what was typed
    assert (Invitation.unscoped.count(), User.objects.count()) == before
    assert mail.outbox == []


@pytest.mark.parametrize(("field", "value"), [
    ("full_name", "Nadia\x00 Benali"), ("full_name", "Nadia\x9b Benali"),
    ("password1", PASSWORD + "\x07"),
])
def test_accepting_an_invitation_with_control_characters_is_refused(world: World, client_as,
                                                                     field, value):
    InvitationFactory(organisation=world.org, email="new@example.org",
                      token_hash=hash_token("tok"))
    data = {"full_name": "Nadia Benali", "password1": PASSWORD, "password2": PASSWORD,
            field: value}
    response = client_as(None).post(reverse("invitation_accept", args=["tok"]), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [CONTROL]
    assert CONTROL in response.text
    assert not User.objects.filter(email="new@example.org").exists()
    assert Invitation.unscoped.get(email="new@example.org").status == "pending"


def test_allauths_password_change_refuses_control_characters(world: World, client_as):
    mentor = world.people["mentor"]
    client = client_as(mentor)
    new = "a-brand-new-password-7\x07"
    response = client.post(reverse("account_change_password"), {
        "oldpassword": PASSWORD, "password1": new, "password2": new})
    assert response.status_code == 200
    assert CONTROL in response.context["form"].errors["password1"]
    assert CONTROL in response.text
    mentor.refresh_from_db()
    assert mentor.check_password(PASSWORD)
    # Tabs are no control character to refuse.
    new = "a-brand-new\tpassword-7"
    response = client.post(reverse("account_change_password"), {
        "oldpassword": PASSWORD, "password1": new, "password2": new})
    assert response.status_code == 302
    mentor.refresh_from_db()
    assert mentor.check_password(new)


def test_allauths_new_address_refuses_control_characters(world: World, client_as):
    mentor = world.people["mentor"]
    response = client_as(mentor).post(reverse("account_email"), {
        "action_add": "", "email": '"mentor\x07"@example.org'})
    assert response.status_code == 200
    assert CONTROL in response.context["form"].errors["email"]
    assert not EmailAddress.objects.filter(email__contains="\x07").exists()


def test_password_reset_mail_goes_through_celery_and_works(
    world: World, client_as, django_capture_on_commit_callbacks
):
    client = client_as(None)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("account_reset_password"),
                               {"email": world.people["mentor"].email})
    assert response.status_code == 302
    assert len(callbacks) == 1 and len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", mail.outbox[0].body)
    form_page = client.get(link.group(1), follow=True)
    assert form_page.status_code == 200
    response = client.post(form_page.redirect_chain[-1][0] if form_page.redirect_chain else
                           link.group(1), {"password1": "a-brand-new-password-7",
                                           "password2": "a-brand-new-password-7"})
    assert response.status_code == 302
    world.people["mentor"].refresh_from_db()
    assert world.people["mentor"].check_password("a-brand-new-password-7")
