"""Who may do what to which object: the one place that decides, and the one place that asks
django-guardian.

`may(actor=..., action=..., obj=...)` answers for any object: each app registers the rules of
its own models here (`@rule(Model, "action")`), so that an app below never needs to know the
apps above it. Views, services and templates (`{% may "manage" project as can_manage %}`) all
ask it.

A coordinator's and a focal point's projects are guardian object permissions on Project, with
direct foreign keys (they go with the project), always read against a queryset already scoped to
the actor's organisation and never through global (model-level) permissions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from guardian.shortcuts import assign_perm, remove_perm

from programmes.actor import Actor, Role
from programmes.models import Call, Project, ProjectUserObjectPermission

COORDINATE = "programmes.coordinate_project"
NOMINATE = "programmes.nominate_for_project"
# Roles that hold their projects as guardian object permissions on Project.
PROJECT_PERMISSION_OF_ROLE: dict[str, str] = {
    Role.COORDINATOR: COORDINATE, Role.FOCAL_POINT: NOMINATE,
}

Rule = Callable[[Actor, Any], bool]
_RULES: dict[tuple[type[Model], str], Rule] = {}


def rule(model: type[Model], action: str) -> Callable[[Rule], Rule]:
    """Registers who may do `action` to an object of `model`."""

    def register(decide: Rule) -> Rule:
        if (model, action) in _RULES:
            raise ValueError(f"{model.__name__}: the rule {action!r} is registered twice")
        _RULES[(model, action)] = decide
        return decide

    return register


def may(*, actor: Actor, action: str, obj: Model) -> bool:
    """Whether this actor may do this to this object. Another organisation's object is never
    allowed, whatever the rule says."""
    decide = _RULES.get((type(obj)._meta.concrete_model or type(obj), action))
    if decide is None:
        raise LookupError(f"No access rule {action!r} for {type(obj).__name__}")
    if getattr(obj, "organisation_id", actor.organisation.pk) != actor.organisation.pk:
        return False
    return decide(actor, obj)


def require(*, actor: Actor, action: str, obj: Model) -> None:
    """403 unless the actor may: for a member without the right (another organisation's
    object never gets this far: it is not found)."""
    if not may(actor=actor, action=action, obj=obj):
        raise PermissionDenied


def require_role(*, actor: Actor, roles: Iterable[str]) -> None:
    if not actor.holds(*roles):
        raise PermissionDenied


# --- guardian ---------------------------------------------------------------------------------

def projects_served(*, actor: Actor, perm: str) -> QuerySet[Project]:
    """The organisation's projects on which the actor holds this object permission."""
    return Project.objects.for_org(actor.organisation).filter(pk__in=_served_ids(actor, perm))


def projects_served_ids(*, actor: Actor, perm: str) -> frozenset[int]:
    """The ids of `projects_served`, read once per actor: a filter on them is a plain list of
    ids, not a subquery in every query that names them."""
    return _served_ids(actor, perm)


def _served_ids(actor: Actor, perm: str) -> frozenset[int]:
    # Straight from guardian's table of the person's own object permissions, in one small
    # query read once per actor: a project role is granted to a person (grant_projects), never
    # to a group, and never through a global permission, which guardian's has_perm would also
    # accept (as it would answer yes to any superuser). Reading groups too doubled the query's
    # cost on every page for grants that nothing makes.
    key = f"served:{perm}"
    if key not in actor.cache:
        codename = perm.split(".")[1]
        actor.cache[key] = frozenset(ProjectUserObjectPermission.objects.filter(
            user=actor.user, content_object__organisation=actor.organisation,
            permission__codename=codename,
            permission__content_type=ContentType.objects.get_for_model(Project),
        ).values_list("content_object_id", flat=True))
    return actor.cache[key]


def serves(*, actor: Actor, perm: str, project: Project) -> bool:
    return project.organisation_id == actor.organisation.pk and project.pk in _served_ids(
        actor, perm)


def holders(*, projects: Iterable[Project | int], perm: str) -> dict[int, set[int]]:
    """Who holds this permission on each of these projects: user ids by project id, in one
    query whatever the number of projects."""
    by_project: dict[int, set[int]] = defaultdict(set)
    codename = perm.split(".")[1]
    ids = {p if isinstance(p, int) else p.pk for p in projects}
    for project_id, user_id in ProjectUserObjectPermission.objects.filter(
            content_object__in=ids, permission__codename=codename,
    ).values_list("content_object", "user"):
        by_project[project_id].add(user_id)
    return by_project


def projects_held(*, organisation_id: int, user_ids: Iterable[int],
                  perm: str) -> dict[int, list[Project]]:
    """The projects each of these people holds this permission on, by user id, the projects in
    order of name, in one query."""
    codename = perm.split(".")[1]
    by_user: dict[int, list[Project]] = defaultdict(list)
    rows = (ProjectUserObjectPermission.objects.filter(
        content_object__organisation=organisation_id, user__in=set(user_ids),
        permission__codename=codename,
    ).select_related("content_object").order_by("content_object__name"))
    for row in rows:
        by_user[row.user_id].append(row.content_object)
    return by_user


def grant_projects(*, user: Any, perm: str, projects: Iterable[Project]) -> None:
    for project in projects:
        assign_perm(perm, user, project)


def revoke_projects(*, user: Any, perm: str, projects: Iterable[Project]) -> None:
    for project in projects:
        remove_perm(perm, user, project)


# --- Projects and calls -----------------------------------------------------------------------

def projects_visible_to(*, actor: Actor) -> QuerySet[Project]:
    """Admins and observers see every project of the organisation; coordinators and focal
    points the projects they serve; mentors and mentees the active ones."""
    projects = Project.objects.for_org(actor.organisation)
    if actor.holds(Role.ADMIN, Role.OBSERVER):
        return projects
    # A person holding several roles sees what each of them shows.
    visible = Q(pk__in=[])
    if actor.holds(Role.MENTOR, Role.MENTEE):
        visible |= Q(is_active=True)
    if actor.holds(Role.COORDINATOR):
        visible |= Q(pk__in=_served_ids(actor, COORDINATE))
    if actor.holds(Role.FOCAL_POINT):
        visible |= Q(pk__in=_served_ids(actor, NOMINATE))
    return projects.filter(visible)


def projects_coordinated(*, actor: Actor) -> QuerySet[Project]:
    """Where this person coordinates: every project for an admin, their own for a coordinator."""
    projects = Project.objects.for_org(actor.organisation)
    if actor.holds(Role.ADMIN):
        return projects
    if not actor.holds(Role.COORDINATOR):
        return projects.none()
    return projects.filter(pk__in=_served_ids(actor, COORDINATE))


@rule(Project, "view")
def _may_view_project(actor: Actor, project: Project) -> bool:
    return projects_visible_to(actor=actor).filter(pk=project.pk).exists()


@rule(Project, "manage")
def _may_manage_project(actor: Actor, project: Project) -> bool:
    """Rules, thematic areas, calls, matching, pairings: the organisation admin and the
    project's coordinators."""
    if actor.holds(Role.ADMIN):
        return True
    return actor.holds(Role.COORDINATOR) and serves(actor=actor, perm=COORDINATE, project=project)


@rule(Project, "follow")
def _may_follow_project(actor: Actor, project: Project) -> bool:
    """Who follows a project's pairings as a whole (compliance, dashboard): its managers, and
    the organisation's observers."""
    return actor.holds(Role.OBSERVER) or _may_manage_project(actor, project)


def calls_visible_to(*, actor: Actor) -> QuerySet[Call]:
    """Admins and observers see every call; coordinators the calls of their projects; focal
    points the calls (not drafts) that invite their country in the projects they serve;
    mentors and mentees the open calls they may put themselves forward for."""
    calls = Call.objects.for_org(actor.organisation)
    if actor.holds(Role.ADMIN, Role.OBSERVER):
        return calls
    visible = Q(pk__in=[])
    if actor.holds(Role.COORDINATOR):
        visible |= Q(project__in=_served_ids(actor, COORDINATE))
    if actor.countries:
        visible |= (Q(project__in=_served_ids(actor, NOMINATE))
                    & Q(invited_countries__in=actor.countries)
                    & ~Q(status=Call.Status.DRAFT))
    held = [m.role for m in actor.memberships if m.role in (Role.MENTOR, Role.MENTEE)]
    if held:
        visible |= Q(status=Call.Status.OPEN, allow_self_nomination=True, role_sought__in=held)
    return calls.filter(pk__in=calls.filter(visible).values("pk"))


@rule(Call, "view")
def _may_view_call(actor: Actor, call: Call) -> bool:
    return calls_visible_to(actor=actor).filter(pk=call.pk).exists()


@rule(Call, "manage")
def _may_manage_call(actor: Actor, call: Call) -> bool:
    return _may_manage_project(actor, call.project)


def focal_point_membership_for(*, actor: Actor, call: Call) -> Any:
    """The focal-point role through which this person nominates for this call, if any."""
    if not serves(actor=actor, perm=NOMINATE, project=call.project):
        return None
    invited = set(call.invited_countries.values_list("pk", flat=True))
    return next((m for m in actor.memberships if m.role == Role.FOCAL_POINT
                 and m.country_id in invited), None)


@rule(Call, "nominate")
def _may_nominate(actor: Actor, call: Call) -> bool:
    return focal_point_membership_for(actor=actor, call=call) is not None
