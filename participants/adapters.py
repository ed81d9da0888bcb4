import time
from datetime import UTC, datetime

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.authentication import get_authentication_records
from allauth.core import context as allauth_context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.sites.shortcuts import get_current_site
from django.http import HttpRequest

from participants.selectors import mfa_required
from participants.tasks import email_send
from programmes.validators import refuse_control_characters

# How recent a sign-in counts as proof of the password when setting up the first authenticator.
FRESH_SIGN_IN_SECONDS = 300


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
