"""The organisation's identity provider, as its admin connects it: bad input refused next to
the field with what was typed kept, the secret never shown back and kept when left blank, one
provider per organisation, each organisation's its own; and the link to an agency account in
the person's export. (The sign-ins themselves, against a real provider:
tests/browser/test_single_sign_on.py.)"""

from django.urls import reverse

from participants.models import IdentityProvider
from programmes.privacy.services import personal_data_collect
from tests.factories import IdentityProviderFactory
from tests.helpers import World

GOOD = {"name": "CEPOL agency account", "issuer": "https://login.example.org/cepol",
        "client_id": "mentoring", "client_secret": "s3cret-from-the-provider", "enabled": "on",
        "password_allowed": "on"}


def url(world: World, org=None) -> str:
    return reverse("identity_provider_edit", args=[(org or world.org).slug])


def test_the_admin_connects_the_provider_and_bad_input_is_refused(world: World, client_as):
    admin = client_as(world.people["admin"])
    page = admin.get(url(world)).text
    assert "/accounts/oidc/sso-cepol/login/callback/" in page
    refused = admin.post(url(world), {**GOOD, "issuer": "not an address", "client_secret": ""})
    assert refused.status_code == 400
    assert 'id="id_issuer_error"' in refused.text and 'id="id_client_secret_error"' in refused.text
    assert 'value="CEPOL agency account"' in refused.text  # what was typed is kept
    assert not IdentityProvider.unscoped.exists()

    assert admin.post(url(world), GOOD).status_code == 302
    provider = IdentityProvider.objects.for_org(world.org).get()
    assert (provider.issuer, provider.client_secret) == (GOOD["issuer"], GOOD["client_secret"])
    page = admin.get(url(world)).text
    assert GOOD["client_secret"] not in page  # never shown back
    assert "A secret is stored" in page

    # Saved again with the secret left blank: the stored one stays.
    again = admin.post(url(world), {**GOOD, "client_secret": "", "name": "Agency"})
    assert again.status_code == 302
    provider.refresh_from_db()
    assert (provider.name, provider.client_secret) == ("Agency", GOOD["client_secret"])
    assert IdentityProvider.unscoped.count() == 1


def test_each_organisation_has_its_own_provider(world: World, client_as):
    IdentityProviderFactory(organisation=world.other_org, name="INTERPOL account")
    page = client_as(world.people["admin"]).get(url(world)).text
    assert "INTERPOL account" not in page
    # Another organisation's settings answer like a missing page.
    assert client_as(world.people["admin"]).get(url(world, world.other_org)).status_code == 404


def test_the_link_to_an_agency_account_is_in_the_persons_export(world: World):
    from allauth.socialaccount.models import SocialAccount

    person = world.people["mentee"]
    SocialAccount.objects.create(user=person, provider="sso-cepol", uid="amina",
                                 extra_data={"userinfo": {"email": person.email}})
    export = personal_data_collect(organisation=world.org, user=person)
    assert "amina" in str(export) and "sso-cepol" in str(export)
