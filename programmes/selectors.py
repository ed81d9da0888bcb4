"""Reads of programme data that go beyond a one-liner, and access to single objects."""

from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from programmes.models import Project, ThematicArea
from programmes.permissions import can_manage_project, projects_visible_to
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
