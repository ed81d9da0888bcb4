"""Who may see and do what with pairings: rules registered with programmes.access (see there)."""

from django.db.models import Q, QuerySet

from matching.models import Pairing
from programmes.access import COORDINATE, may, projects_served_ids, rule
from programmes.actor import Actor, Role


def pairings_visible_to(*, actor: Actor) -> QuerySet[Pairing]:
    """Admins and observers see every pairing of the organisation; coordinators those of their
    projects; mentors and mentees their own. Focal points see none."""
    pairings = Pairing.objects.for_org(actor.organisation)
    if actor.holds(Role.ADMIN, Role.OBSERVER):
        return pairings
    visible = Q(pk__in=[])
    if actor.holds(Role.COORDINATOR):
        visible |= Q(project__in=projects_served_ids(actor=actor, perm=COORDINATE))
    if actor.holds(Role.MENTOR):
        visible |= Q(mentor=actor.user)
    if actor.holds(Role.MENTEE):
        visible |= Q(mentee=actor.user)
    return pairings.filter(visible)


def in_pair(*, actor: Actor, pairing: Pairing) -> bool:
    """Is this person the pairing's mentor or mentee (who alone write and sign its plan)?"""
    return actor.user.pk in (pairing.mentee_id, pairing.mentor_id)


@rule(Pairing, "view")
def _may_view(actor: Actor, pairing: Pairing) -> bool:
    return pairings_visible_to(actor=actor).filter(pk=pairing.pk).exists()


@rule(Pairing, "manage")
def _may_manage(actor: Actor, pairing: Pairing) -> bool:
    """The coordinator's side (moves, plan and report reviews): whoever manages the project."""
    return may(actor=actor, action="manage", obj=pairing.project)


@rule(Pairing, "follow")
def _may_follow(actor: Actor, pairing: Pairing) -> bool:
    """Compliance and the matching engine's proposal: its managers, and the observers."""
    return may(actor=actor, action="follow", obj=pairing.project)


@rule(Pairing, "take_part")
def _may_take_part(actor: Actor, pairing: Pairing) -> bool:
    """The pair's own side: the plan, meetings, reports and feedback."""
    return in_pair(actor=actor, pairing=pairing)
