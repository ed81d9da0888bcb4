"""Reads of programme data that go beyond a one-liner, and access to single objects."""

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from programmes import access
from programmes.actor import Actor
from programmes.models import Call, Project, ThematicArea


def project_for_member(*, actor: Actor, slug: str, for_change: bool) -> Project:
    """Another organisation's project answers exactly like a missing one (404); a member who
    may not see or change this one gets 403."""
    project = get_object_or_404(Project.objects.for_org(actor.organisation), slug=slug)
    access.require(actor=actor, action="manage" if for_change else "view", obj=project)
    return project


def thematic_area_for_member(*, actor: Actor, project: Project, pk: int) -> ThematicArea:
    return get_object_or_404(
        ThematicArea.objects.for_org(actor.organisation).filter(project=project), pk=pk
    )


def project_list(*, actor: Actor) -> QuerySet[Project]:
    return access.projects_visible_to(actor=actor).annotate(
        thematic_area_count=Count("thematic_areas", distinct=True),
        partner_country_count=Count("partner_countries", distinct=True),
    ).order_by("name")


def call_for_member(*, actor: Actor, pk: int, for_change: bool) -> Call:
    call = get_object_or_404(
        Call.objects.for_org(actor.organisation).select_related("project"), pk=pk
    )
    access.require(actor=actor, action="view", obj=call)
    if for_change:
        access.require(actor=actor, action="manage", obj=call)
    return call


def call_list(*, actor: Actor) -> QuerySet[Call]:
    return (
        access.calls_visible_to(actor=actor).select_related("project")
        .annotate(application_count=Count("applications", distinct=True))
        .order_by("-created_at")
    )


def projects_for_new_calls(*, actor: Actor) -> QuerySet[Project]:
    """Where this person may open calls: every active project for an admin, their own for a
    coordinator."""
    return access.projects_coordinated(actor=actor).filter(is_active=True)
