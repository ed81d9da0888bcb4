"""Reads of programme data that go beyond a one-liner, and access to single objects."""

from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from programmes.models import Call, Project, ThematicArea
from programmes.permissions import (
    calls_visible_to,
    can_manage_call,
    can_manage_project,
    holds_role,
    projects_visible_to,
    projects_with_permission,
)
from programmes.requests import OrganisationRequest


def project_for_member(*, request: OrganisationRequest, slug: str, for_change: bool) -> Project:
    """Another organisation's project answers exactly like a missing one (404); a member who
    may not see or change this one gets 403."""
    project = get_object_or_404(Project.objects.for_org(request.organisation), slug=slug)
    if not projects_visible_to(request).filter(pk=project.pk).exists():
        raise PermissionDenied
    if for_change and not can_manage_project(request, project):
        raise PermissionDenied
    return project


def thematic_area_for_member(
    *, request: OrganisationRequest, project: Project, pk: int
) -> ThematicArea:
    return get_object_or_404(
        ThematicArea.objects.for_org(request.organisation).filter(project=project), pk=pk
    )


def project_list(*, request: OrganisationRequest) -> QuerySet[Project]:
    return projects_visible_to(request).annotate(
        thematic_area_count=Count("thematic_areas", distinct=True),
        partner_country_count=Count("partner_countries", distinct=True),
    ).order_by("name")


def call_for_member(*, request: OrganisationRequest, pk: int, for_change: bool) -> Call:
    call = get_object_or_404(
        Call.objects.for_org(request.organisation).select_related("project"), pk=pk
    )
    if not calls_visible_to(request).filter(pk=call.pk).exists():
        raise PermissionDenied
    if for_change and not can_manage_call(request, call):
        raise PermissionDenied
    return call


def call_list(*, request: OrganisationRequest) -> QuerySet[Call]:
    return (
        calls_visible_to(request).select_related("project")
        .annotate(application_count=Count("applications", distinct=True))
        .order_by("-created_at")
    )


def projects_for_new_calls(request: OrganisationRequest) -> QuerySet[Project]:
    """Where this person may open calls: every project for an admin, their own for a
    coordinator."""
    if holds_role(request, "admin"):
        return Project.objects.for_org(request.organisation).active()
    coordinated = projects_with_permission(request, "programmes.coordinate_project")
    return Project.objects.for_org(request.organisation).active().filter(pk__in=coordinated)


def call_country_counts(*, call: Call) -> list[dict]:
    """Per invited country: nominations made, places left and applications submitted."""
    from participants.models import Application, Nomination

    nominated = dict(
        Nomination.objects.for_org(call.organisation)
        .filter(call=call, status=Nomination.Status.NOMINATED)
        .values_list("country").annotate(n=Count("pk")).values_list("country", "n")
    )
    submitted = dict(
        Application.objects.for_org(call.organisation)
        .filter(call=call).exclude(status__in=["invited", "withdrawn"])
        .values_list("country").annotate(n=Count("pk")).values_list("country", "n")
    )
    return [
        {"country": country, "nominated": nominated.get(country.pk, 0),
         "places_left": max(call.places_per_country - nominated.get(country.pk, 0), 0),
         "submitted": submitted.get(country.pk, 0)}
        for country in call.invited_countries.all()
    ]
