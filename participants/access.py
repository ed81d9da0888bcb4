"""Who may do what to applications: rules registered with programmes.access (see there)."""

from participants.models import Application
from programmes.access import may, rule
from programmes.actor import Actor


@rule(Application, "review")
def _may_review(actor: Actor, application: Application) -> bool:
    """Coordinators of the call's project and organisation admins review applications."""
    return may(actor=actor, action="manage", obj=application.call)


@rule(Application, "read_cv")
def _may_read_cv(actor: Actor, application: Application) -> bool:
    """The CV goes to its owner and to those who review the application, nobody else."""
    return application.applicant_id == actor.user.pk or _may_review(actor, application)
