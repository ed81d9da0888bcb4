"""Tenancy: the organisation is resolved once per request from the URL (/<org_slug>/...)."""

from collections.abc import Callable

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse

from participants.models import Membership

ACTIVE_ROLE_SESSION_KEY = "active-role:{organisation_id}"


class OrganisationMiddleware:
    """Sets request.organisation, request.memberships (every role the person holds there, in
    order of precedence) and request.membership (the role they act in now, chosen with the
    switcher). A signed-in person who is not a member gets the same 404 as for an organisation
    that does not exist; an anonymous visitor is sent to sign in, whatever the slug."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # HttpRequest declares none of these: this middleware adds them (see OrganisationRequest).
        request.organisation = None  # type: ignore[attr-defined]
        request.membership = None  # type: ignore[attr-defined]
        request.memberships = []  # type: ignore[attr-defined]
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs) -> HttpResponse | None:
        slug = view_kwargs.get("org_slug")
        if slug is None:
            return None
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        memberships = sorted(
            Membership.objects.filter(organisation__slug=slug, user=request.user)
            .select_related("organisation", "country"),
            key=lambda membership: membership.precedence,
        )
        if not memberships:
            raise Http404
        organisation = memberships[0].organisation
        key = ACTIVE_ROLE_SESSION_KEY.format(organisation_id=organisation.pk)
        chosen = request.session.get(key)
        request.organisation = organisation
        request.memberships = memberships
        request.membership = next((m for m in memberships if m.role == chosen), memberships[0])
        return None
