from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from participants.models import MFA_ROLES, Membership

# Pages a person may reach before setting up MFA: their account pages (sign-out, the set-up
# itself), the language switcher, static files and invitations.
OPEN_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/invitations/")


class MfaRequiredMiddleware:
    """Organisation admins and coordinators are sent to set up TOTP before anything else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(OPEN_PREFIXES)
            and Membership.unscoped.filter(user=user, role__in=MFA_ROLES).exists()
            and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        ):
            return redirect("mfa_activate_totp")
        return self.get_response(request)
