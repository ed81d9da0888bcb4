"""Who may do what to activities (rules registered with programmes.access, see there)."""

from participants.activities.models import Activity
from programmes.access import may, rule
from programmes.actor import Actor


@rule(Activity, "manage")
def _may_manage(actor: Actor, activity: Activity) -> bool:
    """The project's coordinators and the organisation's admins run its activities."""
    return may(actor=actor, action="manage", obj=activity.project)


@rule(Activity, "view")
def _may_view(actor: Actor, activity: Activity) -> bool:
    """Those who follow the project (its managers, the observers), and whoever is invited."""
    return (may(actor=actor, action="follow", obj=activity.project)
            or activity.participants.filter(person_id=actor.user.pk).exists())
