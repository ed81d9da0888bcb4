"""The pages that bring every app together: each role's home page, which shows projects,
calls, applications and pairings at once. It sits on the top floor, above every app. And the
Django admin's login page, which hands over to allauth's sign-in, and its page of the
platform's health for the operators."""

import hmac

from allauth.account.decorators import secure_admin_login
from allauth.account.utils import get_next_redirect_url
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from prometheus_client import CONTENT_TYPE_LATEST

from config import health
from config import metrics as app_metrics
from matching.models import Pairing
from matching.pairings.access import pairings_visible_to
from matching.pairings.selectors import own_pairings_with_steps
from matching.reminders.selectors import platform_reminder_health, reminder_health
from participants import selectors as participant_selectors
from participants.activities import selectors as activity_selectors
from participants.middleware import OrganisationRequest
from participants.models import Invitation, Membership
from programmes import access
from programmes.access import PROJECT_PERMISSION_OF_ROLE
from programmes.actor import Role
from programmes.models import Project
from programmes.selectors import call_list
from reporting.outcomes import self_assessments_due


def home(request: OrganisationRequest, org_slug: str) -> HttpResponse:
    """What each role needs to see first."""
    role = request.actor.membership.role
    organisation = request.organisation
    context: dict = {"role": role}
    if role == Role.ADMIN:
        counts = dict(
            Membership.objects.for_org(organisation).values_list("role")
            .annotate(n=Count("pk")).values_list("role", "n")
        )
        context["role_rows"] = [(label, counts.get(value, 0)) for value, label in Role.choices]
        context["pending_invitations"] = (
            Invitation.objects.for_org(organisation).pending().select_related("country")[:5]
        )
        context["reminders"] = reminder_health(organisation=organisation)
        context["projects"] = Project.objects.for_org(organisation).annotate(
            thematic_area_count=Count("thematic_areas")
        )
    elif role in (Role.COORDINATOR, Role.FOCAL_POINT):
        # The projects of the role acted in (a coordinator who is also a focal point sees each
        # role's own on its own page).
        projects = list(access.projects_served(
            actor=request.actor, perm=PROJECT_PERMISSION_OF_ROLE[role])
            .prefetch_related("thematic_areas").order_by("name"))
        context["projects"] = projects
        calls = call_list(actor=request.actor).filter(project__in=[p.pk for p in projects])
        if role == Role.COORDINATOR:
            context["calls"] = calls.exclude(status="closed")[:10]
            counts = dict(pairings_visible_to(actor=request.actor).values_list("status")
                          .annotate(n=Count("pk")).values_list("status", "n"))
            context["pairing_rows"] = [(value, label, counts.get(value, 0))
                                       for value, label in Pairing.Status.choices]
            context["focal_points"] = participant_selectors.focal_points_of_projects(
                organisation=organisation, projects=projects
            )
        else:
            context["calls"] = calls.filter(status="open")[:10]
    elif role == Role.OBSERVER:
        context["projects"] = access.projects_visible_to(actor=request.actor).prefetch_related(
            "thematic_areas")
        # An advisory board's members are observers: their meetings are here.
        context["invitations"] = activity_selectors.coming_invitations(actor=request.actor)[:5]
    else:
        context["projects"] = access.projects_visible_to(actor=request.actor)
        context["applications"] = participant_selectors.applications_of(actor=request.actor)[:10]
        context["pairings"] = own_pairings_with_steps(actor=request.actor)
        context["invitations"] = activity_selectors.coming_invitations(actor=request.actor)[:5]
        context["self_assessments_due"] = self_assessments_due(actor=request.actor)
        context["calls"] = call_list(actor=request.actor).filter(
            status="open", allow_self_nomination=True
        )[:10]
    # Mentors and mentees share one page; what differs comes from the role.
    template = "participant" if role in (Role.MENTOR, Role.MENTEE) else role
    return render(request, f"home/{template}.html", context)


@secure_admin_login
def admin_login(request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
    """Django's admin login page, without its password form: secure_admin_login sends anyone
    not signed in to allauth's sign-in (then back here) and refuses a signed-in person who is
    not staff. Whoever else arrives goes on to the admin if it lets them in, and is refused if
    not (MfaRequiredMiddleware has already asked a superuser for their code)."""
    if admin.site.has_permission(request):
        return redirect(get_next_redirect_url(request) or reverse("admin:index"))
    raise PermissionDenied


# --- Liveness and readiness (config/health.py) -------------------------------------------------

def livez(request: HttpRequest) -> HttpResponse:
    """The process answers: for a container's restart policy. Reads nothing."""
    return HttpResponse("ok\n", content_type="text/plain")


def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus's scrape (config/metrics.py): for the bearer of METRICS_TOKEN, or from an
    address of METRICS_ALLOWED_IPS (the connection's own, never a forwarded header anyone can
    write). With neither configured there is no such page."""
    token, allowed = settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS
    if not token and not allowed:
        raise Http404
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    bearer_ok = bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode())
    if not bearer_ok and request.META.get("REMOTE_ADDR") not in allowed:
        if token:
            refused = HttpResponse("A valid bearer token is required.\n", status=401,
                                   content_type="text/plain")
            refused["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return refused
        return HttpResponse("Not allowed from this address.\n", status=403,
                            content_type="text/plain")
    response = HttpResponse(app_metrics.exposition(), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response


def readyz(request: HttpRequest) -> JsonResponse:
    """Whether this process can serve (the database, the cache, the broker, the data folder's
    free space, the reminder scan's heartbeat): 200, or 503 naming what fails and why."""
    checks = health.readiness()
    ready = all(check.ok for check in checks)
    return JsonResponse({"status": "ready" if ready else "unavailable",
                         "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in checks}},
                        status=200 if ready else 503)


def platform_health(request: HttpRequest) -> HttpResponse:
    """The platform's operators' page in Django's admin (config/urls.py wraps it in the admin's
    own door: superusers past MFA): the readiness checks now, with their reasons (the operator
    is signed in, unlike /readyz's anonymous caller), the reminder scan's last runs, and each
    organisation's reminders given up, waiting and last sent."""
    context = {
        **admin.site.each_context(request),
        "title": _("Platform health"),
        "checks": health.readiness(errors_in_full=True),
        "reminders": platform_reminder_health(),
        "scan_max_age": settings.HEALTH_SCAN_MAX_AGE_MINUTES,
    }
    return render(request, "admin/platform_health.html", context)
