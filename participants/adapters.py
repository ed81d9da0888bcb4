from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.http import HttpRequest

from participants.models import MFA_ROLES


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Nobody signs up on their own: people join through an invitation.
        return False


class MFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        # Admins and coordinators must keep their authenticator app.
        if authenticator.type == Authenticator.Type.TOTP and authenticator.user.memberships.filter(
            role__in=MFA_ROLES
        ).exists():
            return False
        return super().can_delete_authenticator(authenticator)
