"""What allauth needs to know of an organisation's identity provider (IdentityProvider): the
SocialApp it reads, built from our row on each sign-in, and the SAML metadata an admin uploads,
read into the provider's entity ID, sign-in address and signing certificate."""

from allauth.socialaccount.models import SocialApp
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from lxml import etree
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

from participants.models import IdentityProvider

# How a SAML sign-in is checked (python3-saml through allauth): strict, the assertion signed by
# the provider's certificate from its metadata, within its validity, in answer to our request
# (a provider-initiated sign-in is refused); our requests go unsigned, as most providers accept.
SAML_CHECKS = {
    "strict": True,
    "want_assertion_signed": True,
    "want_attribute_statement": False,
    "reject_idp_initiated_sso": True,
}
# Where SAML providers put the e-mail address: Entra ID and ADFS's claim, the LDAP "mail"
# attribute, a plain "email"; else the NameID, when its format is an e-mail address.
SAML_ATTRIBUTES = {
    "email": ["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
              "urn:oid:0.9.2342.19200300.100.1.3", "mail", "email"],
    "first_name": ["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
                   "urn:oid:2.5.4.42"],
    "last_name": ["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
                  "urn:oid:2.5.4.4"],
}


# How ADFS and Entra ID say, in a SAML assertion, how the person signed in; the value that
# means a second factor was asked.
SAML_AUTHN_METHODS = "http://schemas.microsoft.com/claims/authnmethodsreferences"
SAML_MULTIPLE_AUTHN = "http://schemas.microsoft.com/claims/multipleauthn"


def saml_second_factor(attributes: dict) -> bool:
    """Whether a SAML provider says the person passed a second factor (ADFS and Entra ID's
    authentication methods claim holds "multipleauthn")."""
    return SAML_MULTIPLE_AUTHN in (attributes.get(SAML_AUTHN_METHODS) or [])


def saml_idp(metadata: str) -> dict:
    """The provider's entity ID, sign-in address (HTTP-Redirect binding) and certificate, read
    from its metadata; refused with a reason an admin can act on."""
    try:
        found = OneLogin_Saml2_IdPMetadataParser.parse(metadata).get("idp", {})
    except (etree.XMLSyntaxError, ValueError) as error:
        raise ValidationError(_("This is not SAML metadata: %(reason)s") % {
            "reason": error}) from None
    certificate = found.get("x509cert") or next(iter(
        found.get("x509certMulti", {}).get("signing", [])), None)
    sign_in = found.get("singleSignOnService", {}).get("url")
    if not found.get("entityId") or not sign_in or not certificate:
        raise ValidationError(_(
            "The metadata must name the provider (entityID), its sign-in address with the "
            "HTTP-Redirect binding, and its signing certificate."))
    return {"entity_id": found["entityId"], "sso_url": sign_in, "x509cert": certificate}


def social_app(provider: IdentityProvider) -> SocialApp:
    """allauth's app for this provider, never saved: our row is the one record."""
    slug = provider.organisation.slug
    if provider.protocol == IdentityProvider.Protocol.SAML:
        return SocialApp(provider="saml", provider_id=provider.provider_id, client_id=slug,
                         name=provider.name, settings={
                             "idp": saml_idp(provider.saml_metadata),
                             "attribute_mapping": SAML_ATTRIBUTES,
                             "use_nameid_for_email": False, "advanced": SAML_CHECKS})
    return SocialApp(provider="openid_connect", provider_id=provider.provider_id,
                     name=provider.name, client_id=provider.client_id,
                     secret=provider.client_secret,
                     settings={"server_url": provider.issuer, "oauth_pkce_enabled": True})
