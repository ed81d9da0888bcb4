import time
from datetime import UTC, datetime

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.authentication import get_authentication_records
from allauth.core import context as allauth_context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.mfa.stages import AuthenticateStage
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp, SocialLogin
from django import forms
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.sites.shortcuts import get_current_site
from django.http import HttpRequest
from django.shortcuts import render
from django.utils.translation import gettext as _

from participants import selectors, services, sso
from participants.models import IdentityProvider
from participants.selectors import PROVIDER_MFA, mfa_required
from participants.tasks import email_send
from programmes.validators import refuse_control_characters

# How recent a sign-in counts as proof of the password when setting up the first authenticator.
FRESH_SIGN_IN_SECONDS = 300
ALLAUTH_MFA_STAGE = "allauth.mfa.stages.AuthenticateStage"
PROVIDER_AWARE_STAGE = "participants.adapters.ProviderAwareAuthenticateStage"


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Nobody signs up on their own: people join through an invitation.
        return False

    # allauth's own forms (change of address or password, password reset) are not ours to
    # give CleanTextForm: what they keep passes through these two hooks, which apply the rule.
    def clean_email(self, email: str) -> str:
        refuse_control_characters(email)
        return super().clean_email(email)

    def clean_password(self, password: str, user: AbstractBaseUser | None = None) -> str:
        refuse_control_characters(password)
        return super().clean_password(password, user=user)

    def authenticate(self, request: HttpRequest, **credentials):
        """A password sign-in, refused for those whose organisation has them sign in through
        its identity provider only (IdentityProvider.password_allowed): who left the force and
        is no longer vouched for by the provider cannot come in by the password either."""
        user = super().authenticate(request, **credentials)
        if user is not None and selectors.password_refused(user=user):
            raise forms.ValidationError(_(
                "Your organisation has you sign in with your agency account: use its button "
                "below."))
        return user

    def get_login_stages(self) -> list[str]:
        return [PROVIDER_AWARE_STAGE if path == ALLAUTH_MFA_STAGE else path
                for path in super().get_login_stages()]

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Account mails (password reset, address confirmation) are rendered here, where the
        request is, and sent by Celery once the transaction commits."""
        message = self.render_mail(template_prefix, email, {
            "request": context.get("request") or allauth_context.request,
            "email": email,
            "current_site": get_current_site(allauth_context.request),
            **context,
        })
        email_send.delay_on_commit(  # type: ignore[attr-defined]  # Celery's Django fixup makes tasks DjangoTasks
            subject=message.subject,
            body=message.body,
            subtype=message.content_subtype,
            to=list(message.to),
            alternatives=[(str(content), mimetype) for content, mimetype in getattr(
                message, "alternatives", []
            )],
        )

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """Those who must have MFA (superusers, admins and coordinators:
        selectors.mfa_required) are sent to set it up straight after signing in; asking for the
        password they have just typed would add nothing. Every later change to an authenticator
        still asks for it."""
        required = super().is_reauthentication_required(app=app, **kwargs)
        request = allauth_context.request
        if not required or app != "allauth.mfa" or request is None:
            return required
        user = request.user
        if not user.is_authenticated:
            return required
        records = get_authentication_records(request, user)
        sign_ins = [record for record in records if record["method"] == "password"]
        if not sign_ins or time.time() - sign_ins[-1]["at"] >= FRESH_SIGN_IN_SECONDS:
            return required
        # Authenticators made since that sign-in (the TOTP and its recovery codes, set up in
        # one go) do not call for the password again; one that was there before does.
        signed_in_at = datetime.fromtimestamp(sign_ins[-1]["at"], tz=UTC)
        return Authenticator.objects.filter(user=user, created_at__lt=signed_in_at).exists()

class MFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        # Those who must have an authenticator app keep it.
        if authenticator.type == Authenticator.Type.TOTP and mfa_required(
                user=authenticator.user):
            return False
        return super().can_delete_authenticator(authenticator)


class ProviderAwareAuthenticateStage(AuthenticateStage):
    """allauth's second-factor step, skipped when the organisation's identity provider has just
    asked for a second factor itself (PROVIDER_MFA): asking again would add nothing. Without
    the provider's word, whoever has an authenticator app is asked for its code as usual."""

    def _should_handle(self, request: HttpRequest) -> bool:
        if request.session.get(PROVIDER_MFA):
            return False
        return super()._should_handle(request)



class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Sign-in through an organisation's own identity provider (OpenID Connect). It reaches an
    existing member, or someone invited, with the address the provider vouches for; it never
    makes an account, and it refuses anyone else, a member of another organisation included."""

    def list_apps(self, request: HttpRequest | None, provider: str | None = None,
                  client_id: str | None = None) -> list[SocialApp]:
        """The organisations' providers, as allauth asks for them: all; those of a protocol
        ("saml", whose client ID is the organisation's slug; "openid_connect"); or one by its
        name ("sso-<organisation slug>")."""
        protocol = IdentityProvider.Protocol
        if provider == "saml":
            rows = selectors.identity_providers(protocol=protocol.SAML, slug=client_id)
        elif provider == "openid_connect":
            rows = selectors.identity_providers(protocol=protocol.OIDC, client_id=client_id)
        elif provider is not None:
            rows = selectors.identity_providers(slug=provider.removeprefix("sso-"))
        else:
            rows = selectors.identity_providers()
        return [sso.social_app(row) for row in rows]

    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        return False

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        providers = selectors.identity_providers(
            slug=sociallogin.account.provider.removeprefix("sso-"))
        provider = providers[0] if providers else None
        if provider is not None and provider.protocol == IdentityProvider.Protocol.SAML:
            # The assertion, signed by the organisation's own provider, names the address.
            email, verified = sociallogin.user.email or "", True
            mfa = sso.saml_second_factor(sociallogin.account.extra_data or {})
        else:
            data = sociallogin.account.extra_data or {}
            claims = {**data.get("userinfo", {}), **data.get("id_token", {})}
            email = claims.get("email") or ""
            # Entra ID says so in its own claim, "xms_edov" (the domain is the tenant's).
            verified = claims.get("email_verified") is True or claims.get("xms_edov") is True
            mfa = "mfa" in (claims.get("amr") or [])
        user = None
        if provider is not None and email and verified:
            user = services.sso_account(provider=provider, email=email)
        if user is None or (sociallogin.is_existing and sociallogin.user.pk != user.pk):
            raise ImmediateHttpResponse(render(request, "account/sso_refused.html", {
                "provider": provider}, status=403))
        request.session[PROVIDER_MFA] = mfa
        if not sociallogin.is_existing:
            sociallogin.connect(request, user)
