"""`manage.py create_organisation`: the platform's operators open an organisation and invite its
first admin, through the invitation service, so that running it needs no superuser. Refused
input creates nothing."""

import io
import re

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from participants.models import Invitation, Membership, Role, User
from programmes.models import Organisation
from tests.factories import PASSWORD
from tests.helpers import World

OPTIONS = {"name": "European Gendarmerie Force", "short_name": "EUROGENDFOR",
           "slug": "eurogendfor", "admin_email": "Ana.Sousa@Eurogendfor.example",
           "admin_name": "Ana Sousa"}


def create(**changes: str) -> str:
    options = OPTIONS | changes
    args = [f"--{name.replace('_', '-')}={value}" for name, value in options.items()]
    out = io.StringIO()
    call_command("create_organisation", *args, stdout=out)
    return out.getvalue()


def counts() -> tuple[int, int, int]:
    return Organisation.objects.count(), Invitation.unscoped.count(), len(mail.outbox)


def test_creates_the_organisation_and_invites_its_first_admin(
    world: World, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        output = create()
    organisation = Organisation.objects.get(slug="eurogendfor")
    assert (organisation.name, organisation.short_name) == ("European Gendarmerie Force",
                                                            "EUROGENDFOR")
    invitation = Invitation.objects.for_org(organisation).get()
    assert (invitation.email, invitation.full_name, invitation.role, invitation.status) == (
        "ana.sousa@eurogendfor.example", "Ana Sousa", Role.ADMIN, "pending")
    assert invitation.invited_by is None
    assert "EUROGENDFOR" in output and "ana.sousa@eurogendfor.example" in output
    # The invitation service sent the usual e-mail, which names no inviter.
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ana.sousa@eurogendfor.example"]
    assert "EUROGENDFOR" in message.subject
    assert ("You are invited to join European Gendarmerie Force on its mentoring platform as "
            "Organisation admin.") in message.body
    # The link makes her the organisation's admin, who must then set up MFA.
    link = re.search(r"http://\S+(/invitations/\S+/)", message.body).group(1)
    response = client.post(link, {"full_name": "Ana Sousa", "password1": PASSWORD,
                                  "password2": PASSWORD})
    assert response.status_code == 302
    ana = User.objects.get(email="ana.sousa@eurogendfor.example")
    assert Membership.objects.for_org(organisation).get(user=ana).role == Role.ADMIN
    client.force_login(ana)
    assert client.get("/eurogendfor/")["Location"] == reverse("mfa_activate_totp")


def test_the_invitation_is_in_the_language_asked_for(world: World,
                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        create(language="fr")
    assert Invitation.unscoped.get(email="ana.sousa@eurogendfor.example").language == "fr"
    assert "Nous vous invitons à rejoindre European Gendarmerie Force" in mail.outbox[0].body


@pytest.mark.parametrize(("changes", "message"), [
    ({"slug": "cepol"}, "--slug: Organisation with this Address already exists."),
    ({"slug": "admin"}, "--slug: This address is reserved by the platform."),
    ({"slug": "not a slug"}, "--slug: Enter a valid “slug”"),
    ({"name": " "}, "--name: This field cannot be blank."),
    ({"admin_email": "ana.sousa-at-eurogendfor"}, "--admin-email: Enter a valid email address."),
])
def test_refused_input_says_why_and_creates_nothing(
    world: World, django_capture_on_commit_callbacks, changes: dict, message: str
):
    before = counts()
    with django_capture_on_commit_callbacks(execute=True), \
            pytest.raises(CommandError) as refused:
        create(**changes)
    assert str(refused.value).startswith("Nothing was created.")
    assert message in str(refused.value)
    assert counts() == before
    assert not Organisation.objects.filter(name="European Gendarmerie Force").exists()
    # The organisation that held the address is untouched.
    assert Organisation.objects.get(slug="cepol").name == "CEPOL agency"
