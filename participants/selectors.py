"""Reads of people and memberships, and access to single objects."""

from collections import defaultdict
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from participants.eligibility import Candidate, Criteria, eligibility_problems
from participants.models import (
    PROJECT_PERMISSION_OF_ROLE,
    Application,
    Invitation,
    Membership,
    Nomination,
    Notification,
    User,
    hash_token,
)
from programmes.models import Call, Country, Organisation, Project, ProjectUserObjectPermission
from programmes.requests import OrganisationRequest


def membership_for_admin(*, request: OrganisationRequest, pk: int, for_change: bool) -> Membership:
    # Only admins reach the member pages (the view checks the role); the scope is the
    # organisation either way, so another organisation's membership is a plain 404.
    return get_object_or_404(
        Membership.objects.for_org(request.organisation).select_related("user", "country"), pk=pk
    )


def invitation_for_admin(*, request: OrganisationRequest, pk: int, for_change: bool) -> Invitation:
    invitations = Invitation.objects.for_org(request.organisation)
    if for_change:
        invitations = invitations.filter(status=Invitation.Status.PENDING)
    return get_object_or_404(invitations, pk=pk)


def invitation_by_token(token: str) -> Invitation | None:
    """The token is its own scope: whoever holds the link may see that one invitation."""
    invitation = (
        Invitation.unscoped.select_related("organisation", "country")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if invitation is None or not invitation.is_usable:
        return None
    return invitation


def project_permissions(
    *, organisation: Organisation, memberships: Iterable[Membership]
) -> dict[int, list[Project]]:
    """The projects each coordinator or focal point serves, keyed by membership id, read in one
    query whatever the number of memberships."""
    memberships = list(memberships)
    codenames = {perm.split(".")[1]: role for role, perm in PROJECT_PERMISSION_OF_ROLE.items()}
    rows = (
        ProjectUserObjectPermission.objects.filter(
            content_object__organisation=organisation,
            user__in={m.user_id for m in memberships},
            permission__codename__in=codenames,
        )
        .select_related("permission", "content_object")
        .order_by("content_object__name")
    )
    by_user_role: dict[tuple[int, str], list[Project]] = defaultdict(list)
    for row in rows:
        by_user_role[(row.user_id, codenames[row.permission.codename])].append(row.content_object)
    return {m.pk: by_user_role.get((m.user_id, m.role), []) for m in memberships}


def projects_of_membership(membership: Membership) -> list[Project]:
    return project_permissions(
        organisation=membership.organisation, memberships=[membership]
    )[membership.pk]


def memberships_of_user(user: User) -> QuerySet[Membership]:
    """Every role a person holds, in every organisation: their own, so not tenant-scoped."""
    return Membership.unscoped.filter(user=user).select_related("organisation")


def focal_points_of_projects(
    *, organisation: Organisation, projects: list[Project]
) -> list[Membership]:
    """The focal points who nominate for any of these projects, by country."""
    users = ProjectUserObjectPermission.objects.filter(
        content_object__in=projects, permission__codename="nominate_for_project"
    ).values("user")
    return list(
        Membership.objects.for_org(organisation).with_role("focal_point")
        .filter(user__in=users).select_related("user", "country")
        .order_by("country__name", "user__full_name")
    )


def member_list(*, request: OrganisationRequest) -> QuerySet[Membership]:
    return Membership.objects.for_org(request.organisation).select_related("user", "country")


def invitation_list(*, request: OrganisationRequest) -> QuerySet[Invitation]:
    return (
        Invitation.objects.for_org(request.organisation)
        .select_related("country")
        .prefetch_related("projects")
    )


# --- Calls, nominations and applications ------------------------------------------------------

def focal_points_for_call(*, call: Call) -> list[Membership]:
    """The focal points who nominate for the call's project from one of its invited countries."""
    users = ProjectUserObjectPermission.objects.filter(
        content_object=call.project, permission__codename="nominate_for_project"
    ).values("user")
    return list(
        Membership.objects.for_org(call.organisation).with_role("focal_point")
        .filter(user__in=users, country__in=call.invited_countries.all())
        .select_related("user", "country")
    )


def places_left(*, call: Call, country: Country) -> int:
    taken = Nomination.objects.for_org(call.organisation).filter(
        call=call, country=country, status=Nomination.Status.NOMINATED
    ).count()
    return max(call.places_per_country - taken, 0)


def eligibility_of(application: Application) -> dict[str, str]:
    call = application.call
    candidate = Candidate(
        country_code=application.country_id,
        thematic_area_id=application.thematic_area_id,
        years_of_service=application.years_of_service,
        gender=application.gender,
        languages=frozenset(application.languages.values_list("language", flat=True)),
    )
    criteria = Criteria(
        invited_country_codes=frozenset(call.invited_countries.values_list("code", flat=True)),
        thematic_area_ids=frozenset(call.thematic_areas.values_list("pk", flat=True)),
        min_years_of_service=call.min_years_of_service,
        working_languages=frozenset(call.working_languages),
        female_only=call.female_only,
    )
    return eligibility_problems(candidate, criteria)


def application_for_applicant(*, request: OrganisationRequest, pk: int) -> Application:
    """The candidate's own application; anyone else's answers like a missing one."""
    return get_object_or_404(
        Application.objects.for_org(request.organisation).filter(applicant=request.user)
        .select_related("call__project", "country", "thematic_area"),
        pk=pk,
    )


def nominations_of_focal_point(*, request: OrganisationRequest) -> QuerySet[Nomination]:
    """A focal point follows their country's nominees, in the projects they serve."""
    membership = next((m for m in request.memberships if m.role == "focal_point"), None)
    if membership is None or membership.country_id is None:
        return Nomination.objects.none()
    from programmes.permissions import projects_with_permission

    served = projects_with_permission(request, "programmes.nominate_for_project")
    return (
        Nomination.objects.for_org(request.organisation)
        .filter(country=membership.country, call__project__in=served)
        .select_related("call", "thematic_area", "application")
        .order_by("-created_at")
    )


def application_for_reviewer(*, request: OrganisationRequest, pk: int) -> Application:
    """Coordinators of the call's project and organisation admins review applications."""
    from programmes.permissions import can_manage_call

    application = get_object_or_404(
        Application.objects.for_org(request.organisation)
        .select_related("call__project", "country", "thematic_area", "nomination__nominated_by",
                        "applicant"),
        pk=pk,
    )
    if not can_manage_call(request, application.call):
        raise PermissionDenied
    return application


def application_for_cv(*, request: OrganisationRequest, pk: int) -> Application:
    """The CV goes to its owner and to those who review the application, nobody else."""
    from programmes.permissions import can_manage_call

    application = get_object_or_404(
        Application.objects.for_org(request.organisation).select_related("call__project"), pk=pk
    )
    if application.applicant_id != request.user.pk and not can_manage_call(
        request, application.call
    ):
        raise PermissionDenied
    if not application.cv:
        raise Http404
    return application


def nomination_for_focal_point(*, request: OrganisationRequest, pk: int) -> Nomination:
    """Another country's nomination answers like a missing one."""
    return get_object_or_404(nominations_of_focal_point(request=request), pk=pk)


def review_list(*, call: Call) -> QuerySet[Application]:
    return (
        Application.objects.for_org(call.organisation).filter(call=call)
        .select_related("country", "thematic_area")
        .order_by("country__name", "full_name")
    )


def review_counts(applications: QuerySet[Application]) -> dict[str, list[tuple[str, int]]]:
    """Counts per country and per thematic area of the applications shown."""
    by = {}
    for key, field in (("countries", "country__name"), ("themes", "thematic_area__name")):
        by[key] = list(
            applications.order_by().values_list(field).annotate(n=Count("pk"))
            .order_by(field).values_list(field, "n")
        )
    return by


def notifications_of(*, request: OrganisationRequest) -> QuerySet[Notification]:
    return Notification.objects.for_org(request.organisation).filter(user=request.user)


def applications_of(*, request: OrganisationRequest) -> QuerySet[Application]:
    """The person's own applications in this organisation."""
    return (
        Application.objects.for_org(request.organisation).filter(applicant=request.user)
        .select_related("call").order_by("-created_at")
    )
