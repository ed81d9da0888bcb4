"""Reads of a pairing's plans: every version, the approved one and the calendar it sets."""

from matching.models import ActivityPlan, Pairing
from matching.schedule import Schedule


def pairing_plans(pairing: Pairing) -> list[ActivityPlan]:
    """Every version of the plan, newest first, with its visits."""
    return list(
        ActivityPlan.objects.for_org(pairing.organisation).filter(pairing=pairing)
        .prefetch_related("visits").order_by("-version")
    )


def approved_plan(plans: list[ActivityPlan]) -> ActivityPlan | None:
    return next((plan for plan in plans if plan.status == ActivityPlan.Status.APPROVED), None)


def schedule_of(plan: ActivityPlan | None) -> Schedule | None:
    return Schedule(plan.start, plan.duration_months) if plan else None


def approved_schedule(pairing: Pairing) -> Schedule | None:
    plan = ActivityPlan.objects.for_org(pairing.organisation).filter(
        pairing=pairing, status=ActivityPlan.Status.APPROVED).first()
    return Schedule(plan.start, plan.duration_months) if plan else None
