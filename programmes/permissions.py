"""Who may see and change which project: the decisions, in one place. A coordinator's and a
focal point's projects are guardian object permissions, always read against a queryset already
scoped to the organisation and never through global (model-level) permissions."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from guardian.shortcuts import get_objects_for_user

from participants.models import Role
from programmes.models import Call, Project
from programmes.requests import OrganisationRequest


def holds_role(request: OrganisationRequest, *roles: str) -> bool:
    return any(membership.role in roles for membership in request.memberships)


def projects_with_permission(request: OrganisationRequest, perm: str) -> QuerySet[Project]:
    return get_objects_for_user(
        request.user,
        perm,
        klass=Project.objects.for_org(request.organisation),
        accept_global_perms=False,
        with_superuser=False,
    )


def projects_visible_to(request: OrganisationRequest) -> QuerySet[Project]:
    """Admins and observers see every project of the organisation; coordinators and focal
    points the projects they serve; mentors and mentees the active ones."""
    projects = Project.objects.for_org(request.organisation)
    if holds_role(request, Role.ADMIN, Role.OBSERVER):
        return projects
    # A person holding several roles sees what each of them shows.
    visible = Q(pk__in=[])
    if holds_role(request, Role.MENTOR, Role.MENTEE):
        visible |= Q(is_active=True)
    if holds_role(request, Role.COORDINATOR):
        coordinated = projects_with_permission(request, "programmes.coordinate_project")
        visible |= Q(pk__in=coordinated.values("pk"))
    if holds_role(request, Role.FOCAL_POINT):
        served = projects_with_permission(request, "programmes.nominate_for_project")
        visible |= Q(pk__in=served.values("pk"))
    return projects.filter(visible)


def can_manage_project(request: OrganisationRequest, project: Project) -> bool:
    """Rules and thematic areas: the organisation admin and the project's coordinators."""
    if holds_role(request, Role.ADMIN):
        return True
    if not holds_role(request, Role.COORDINATOR):
        return False
    coordinated = projects_with_permission(request, "programmes.coordinate_project")
    return coordinated.filter(pk=project.pk).exists()


def can_follow_project(request: OrganisationRequest, project: Project) -> bool:
    """Who follows a project's pairings as a whole (compliance, overrides): its managers, and
    the organisation's observers."""
    return can_manage_project(request, project) or holds_role(request, Role.OBSERVER)


def require_role(request: OrganisationRequest, *roles: str) -> None:
    if not holds_role(request, *roles):
        raise PermissionDenied


def calls_visible_to(request: OrganisationRequest) -> QuerySet[Call]:
    """Admins and observers see every call; coordinators the calls of their projects; focal
    points the calls (not drafts) that invite their country in the projects they serve;
    mentors and mentees the open calls they may put themselves forward for."""
    calls = Call.objects.for_org(request.organisation)
    if holds_role(request, Role.ADMIN, Role.OBSERVER):
        return calls
    visible = Q(pk__in=[])
    if holds_role(request, Role.COORDINATOR):
        coordinated = projects_with_permission(request, "programmes.coordinate_project")
        visible |= Q(project__in=coordinated.values("pk"))
    for membership in request.memberships:
        if membership.role == Role.FOCAL_POINT and membership.country_id:
            served = projects_with_permission(request, "programmes.nominate_for_project")
            visible |= (Q(project__in=served.values("pk"))
                        & Q(invited_countries=membership.country_id)
                        & ~Q(status=Call.Status.DRAFT))
    held = [m.role for m in request.memberships if m.role in (Role.MENTOR, Role.MENTEE)]
    if held:
        visible |= Q(status=Call.Status.OPEN, allow_self_nomination=True, role_sought__in=held)
    return calls.filter(pk__in=calls.filter(visible).values("pk"))


def can_manage_call(request: OrganisationRequest, call: Call) -> bool:
    return can_manage_project(request, call.project)


def focal_point_membership_for(request: OrganisationRequest, call: Call):
    """The focal-point role through which this person nominates for this call, if any."""
    for membership in request.memberships:
        if (membership.role == Role.FOCAL_POINT and membership.country_id
                and call.invited_countries.filter(pk=membership.country_id).exists()
                and projects_with_permission(request, "programmes.nominate_for_project")
                .filter(pk=call.project_id).exists()):
            return membership
    return None
