"""Who reviews claims and records exchange rates: the project's coordinators alone (the
organisation's admins and observers read the budget page; they do not act on it)."""

from programmes.access import COORDINATE, may, serves
from programmes.actor import Actor, Role
from programmes.models import Project


def may_review_claims(*, actor: Actor, project: Project) -> bool:
    return actor.holds(Role.COORDINATOR) and serves(actor=actor, perm=COORDINATE, project=project)


def may_read_budget(*, actor: Actor, project: Project) -> bool:
    """The project's coordinators, the organisation's admins and observers."""
    return may(actor=actor, action="follow", obj=project)
