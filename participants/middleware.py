"""Who is acting, resolved once per request: the organisation from the URL (/<org_slug>/...),
the person's roles there and the one they act in. And MFA before anything else for the roles
that need it, and a second factor in this very session before Django's admin."""

from collections.abc import Callable

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from participants.models import Membership, User
from participants.selectors import (
    PROVIDER_MFA,
    actor_for,
    memberships_of_user,
    mfa_required,
)
from programmes.requests import ActorRequest


class AuthenticatedRequest(HttpRequest):
    """What a @login_required view receives."""

    user: User


class OrganisationRequest(ActorRequest):
    """What a view under /<org_slug>/ receives once ActorMiddleware has run, its person typed."""

    user: User


ACTIVE_ROLE_SESSION_KEY = "active-role:{organisation_id}"
# Pages a person may reach before setting up MFA: their account pages (sign-out, the set-up
# itself), the language switcher, static files and invitations.
OPEN_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/invitations/")


def memberships_held(request: HttpRequest) -> list[Membership]:
    """Every role the signed-in person holds, in every organisation, read once per request:
    the MFA rule, the actor and the role switcher all start from them. Each says, in the same
    query, whether the person has an authenticator app (`has_totp`), which the MFA rule asks
    of every admin and coordinator on every request."""
    held: list[Membership] | None = getattr(request, "_memberships_held", None)
    if held is None:
        held = list(memberships_of_user(request.user).annotate(  # type: ignore[arg-type]  # signed in
            has_totp=Exists(_totp_of(OuterRef("user")))))
        request._memberships_held = held  # type: ignore[attr-defined]  # ours, for this request
    return held


def _totp_of(user: object) -> QuerySet[Authenticator]:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP)


def has_totp(request: HttpRequest) -> bool:
    held = memberships_held(request) if not request.user.is_superuser else []
    return held[0].has_totp if held else _totp_of(request.user).exists()  # type: ignore[attr-defined]  # annotated


def mfa_passed(request: HttpRequest) -> bool:
    """Whether this session's sign-in went through a second factor. allauth records each step
    of a sign-in in the session (the password, then the code); a session that started before
    the person set up their authenticator app has the password alone."""
    user = request.user
    return user.is_authenticated and any(
        record.get("method") == "mfa" for record in get_authentication_records(request, user))


class MfaRequiredMiddleware:
    """Superusers, organisation admins and coordinators are sent to set up TOTP before anything
    else (participants.selectors.mfa_required). And Django's admin, which reaches every
    organisation, asks a superuser for a code in this session first: a sign-in from before the
    authenticator app was set up does not open it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.is_authenticated or request.path.startswith(OPEN_PREFIXES):
            return self.get_response(request)
        if (
            (user.is_superuser or mfa_required(user=user, memberships=memberships_held(request)))
            and not has_totp(request)
            # A sign-in whose identity provider asked for a second factor has had one.
            and not request.session.get(PROVIDER_MFA)
        ):
            return redirect("mfa_activate_totp")
        if (
            user.is_superuser
            and request.path.startswith(reverse("admin:index"))
            and not mfa_passed(request)
        ):
            then = urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})
            return HttpResponseRedirect(f"{reverse('mfa_reauthenticate')}?{then}")
        return self.get_response(request)


class ActorMiddleware:
    """Sets request.actor (programmes.actor.Actor: the person, the organisation, every role
    they hold there and the one they act in now, chosen with the switcher) and
    request.organisation. A signed-in person who is not a member gets the same 404 as for an
    organisation that does not exist; an anonymous visitor is sent to sign in, whatever the
    slug."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # HttpRequest declares neither: this middleware adds them (see OrganisationRequest).
        request.actor = None  # type: ignore[attr-defined]
        request.organisation = None  # type: ignore[attr-defined]
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs) -> HttpResponse | None:
        slug = view_kwargs.get("org_slug")
        if slug is None:
            return None
        # A view that authenticates by itself (the API, by token) resolves its actor the same
        # way once it knows who calls (api.views.ApiView): no redirect to a sign-in page there.
        if getattr(view_func, "resolves_own_actor", False):
            return None
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        actor = actor_for(user=request.user, organisation_slug=slug,
                          memberships=memberships_held(request))
        if actor is None:
            raise Http404
        key = ACTIVE_ROLE_SESSION_KEY.format(organisation_id=actor.organisation.pk)
        actor = actor.acting_as(request.session.get(key))
        request.actor = actor
        request.organisation = actor.organisation
        return None
