"""Reads of people and memberships, and access to single objects."""

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from participants.models import (
    PROJECT_PERMISSION_OF_ROLE,
    Invitation,
    Membership,
    User,
    hash_token,
)
from programmes.models import Organisation, Project, ProjectUserObjectPermission
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
        Invitation.objects.select_related("organisation", "country")
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
    return Membership.objects.filter(user=user).select_related("organisation")


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
