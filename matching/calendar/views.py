"""The calendar page (the feed's address) and the feed itself, opened by its secret."""

from datetime import UTC

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from matching.calendar import ics, selectors, services
from matching.reminders.services import site_domain
from participants.middleware import OrganisationRequest


def calendar_page(request: OrganisationRequest, org_slug: str) -> HttpResponse:
    """The person's private calendar address: made (or made anew) and shown once, or removed."""
    address = ""
    if request.method == "POST":
        if request.POST.get("action") == "remove":
            services.calendar_address_remove(user=request.user)
            messages.success(request, _("Your calendar address is removed: it no longer works."))
            return redirect("calendar_page", org_slug=org_slug)
        token = services.calendar_address_renew(user=request.user)
        address = settings.SITE_URL + reverse("calendar_feed", args=[token])
    return render(request, "matching/calendar.html", {
        "address": address, "has_address": bool(request.user.calendar_token_hash),
    })


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed itself: no sign-in (a calendar application cannot), the secret is the key; a
    wrong or renewed secret answers 404."""
    owner = selectors.calendar_owner(token)
    if owner is None:
        raise Http404
    # In the owner's language, whoever fetches it: a calendar application sends its own
    # Accept-Language (or none), and someone else given the address reads the owner's calendar.
    with translation.override(owner.language):
        body = ics.calendar(name=_("Mentoring"), events=selectors.calendar_events(owner),
                            stamp=timezone.now().astimezone(UTC), domain=site_domain())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Language"] = owner.language
    response["Cache-Control"] = "private, max-age=900"
    return response
