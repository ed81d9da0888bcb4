"""Every write to activity plans: drafted and revised by the pair, signed by both, approved or
returned by the coordinator. A plan that breaks the project's rules is refused, rule by rule."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from matching.meetings.services import compliance_keep
from matching.models import (
    ActivityPlan,
    Pairing,
    PlannedVisit,
)
from matching.pairings.selectors import coordinators_of
from matching.pairings.services import Mover, pairing_locked, pairing_tell, pairing_transition
from matching.plans.rules import PlanDraft, Visit, plan_problems, starts_in_the_past
from matching.texts import gettext_noop
from programmes import access, cldr
from programmes.actor import Actor

S = Pairing.Status


# Where the pair may draft or revise their activity plan.
PLAN_STATUSES = (S.ACCEPTED, S.PLAN_AGREED, S.ACTIVE)


def _latest_plan(pairing: Pairing) -> ActivityPlan | None:
    return (ActivityPlan.objects.for_org(pairing.organisation).filter(pairing=pairing)
            .select_for_update().order_by("-version").first())


@transaction.atomic
def plan_save(
    *, actor: Actor, pairing: Pairing, objectives: str, start: date, duration_months: int,
    online_meetings_per_month: int, visits: list[Visit],
) -> ActivityPlan:
    """The mentor or the mentee drafts the plan. A draft is edited in place (and loses its
    signatures); a plan already signed, approved or returned is kept, and the change becomes
    the next version (a signed plan still waiting for review is withdrawn by it). A plan that
    breaks the project's rules is refused, rule by rule."""
    pairing = pairing_locked(pairing)
    access.require(actor=actor, action="take_part", obj=pairing)
    if pairing.status not in PLAN_STATUSES:
        raise ValidationError(_("A plan is agreed once both have accepted the pairing."))
    problems = plan_problems(PlanDraft(
        start=start, duration_months=duration_months,
        online_meetings_per_month=online_meetings_per_month,
        visits=tuple(visits),
    ), pairing.project.rules)
    if problems:
        raise ValidationError(problems)
    latest = _latest_plan(pairing)
    if latest is not None and latest.status == ActivityPlan.Status.DRAFT:
        plan = latest
        plan.visits.all().delete()
    else:
        if latest is not None and latest.status == ActivityPlan.Status.SIGNED:
            latest.status = ActivityPlan.Status.SUPERSEDED
            latest.save(update_fields=["status", "updated_at"])
        plan = ActivityPlan(organisation_id=pairing.organisation_id, pairing=pairing,
                            version=(latest.version + 1) if latest else 1)
    plan.objectives, plan.start = objectives.strip(), start
    plan.duration_months, plan.online_meetings_per_month = duration_months, \
        online_meetings_per_month
    plan.mentee_signed_at = plan.mentor_signed_at = None
    plan.full_clean()
    plan.save()
    PlannedVisit.objects.bulk_create([
        PlannedVisit(organisation_id=pairing.organisation_id, plan=plan, day=v.day,
                     place=v.place.strip(), funded=v.funded,
                     estimated_cost=v.estimated_cost)
        for v in visits
    ])
    return plan


@transaction.atomic
def plan_sign(*, actor: Actor, pairing: Pairing, seen: str) -> ActivityPlan:
    """The mentor or the mentee signs the plan they read: `seen` is the version and the time
    of the last change of the plan shown to them (`plan_seal`), so a signature never lands on
    a text the partner changed in between."""
    pairing = pairing_locked(pairing)
    access.require(actor=actor, action="take_part", obj=pairing)
    if pairing.status not in PLAN_STATUSES:
        raise ValidationError(_("This pairing has ended: its plan is no longer signed."))
    plan = _latest_plan(pairing)
    if plan is None or plan.status != ActivityPlan.Status.DRAFT:
        raise ValidationError(_("Only a draft plan is signed."))
    if seen != plan_seal(plan):
        raise ValidationError(_("The plan changed since you read it: read it again, then "
                                "sign."))
    field = "mentee_signed_at" if actor.user.pk == pairing.mentee_id else "mentor_signed_at"
    setattr(plan, field, timezone.now())
    changed = [field]
    if plan.mentee_signed_at and plan.mentor_signed_at:
        plan.status = ActivityPlan.Status.SIGNED
        changed.append("status")
    # updated_at stays: the seal names the text, and a signature does not change the text.
    ActivityPlan.objects.for_org(pairing.organisation).filter(pk=plan.pk).update(
        **{name: getattr(plan, name) for name in changed})
    if plan.status == ActivityPlan.Status.SIGNED:
        pairing_tell(pairing, coordinators_of(pairing.project),
                     gettext_noop("Activity plan to review: %(pairing)s"), gettext_noop(
            "An activity plan in %(project)s is signed by both and waits for your review."))
    return plan


def plan_seal(plan: ActivityPlan) -> str:
    """What identifies the text of a plan as shown: its version and the time of its last edit."""
    return f"{plan.version}:{plan.updated_at.isoformat()}"


@transaction.atomic
def plan_review(*, actor: Actor, pairing: Pairing, approve: bool,
                comments: str = "") -> ActivityPlan:
    """The coordinator approves the signed plan (the pairing's plan is then agreed, and an
    earlier approved version is replaced) or returns it with comments. A plan that starts in
    the past is approved only with a reason, in the comments: its first weeks, and perhaps its
    first visit's deadline, are gone. The comments are kept with the plan and, when the
    approval agrees the pairing's plan, in the pairing's history."""
    pairing = pairing_locked(pairing)
    if not access.may(actor=actor, action="manage", obj=pairing.project):
        raise PermissionDenied
    if pairing.status not in PLAN_STATUSES:
        raise ValidationError(_("This pairing has ended: its plan is no longer reviewed."))
    plan = _latest_plan(pairing)
    if plan is None or plan.status != ActivityPlan.Status.SIGNED:
        raise ValidationError(_("Only a plan signed by both is reviewed."))
    if not approve:
        if not comments.strip():
            raise ValidationError({"comments": _("Say what to change: the pair is told.")})
        plan.status, plan.coordinator_comments = ActivityPlan.Status.RETURNED, comments.strip()
        plan.save(update_fields=["status", "coordinator_comments", "updated_at"])
        pairing_tell(pairing, [pairing.mentee, pairing.mentor],
                     gettext_noop("Activity plan returned with comments: %(pairing)s"),
                     gettext_noop("The coordinator returned your activity plan in %(project)s "
                                  "with comments."))
        return plan
    earlier = ActivityPlan.objects.for_org(pairing.organisation).filter(
        pairing=pairing, status=ActivityPlan.Status.APPROVED)
    kept_start = earlier.values_list("start", flat=True).first()
    if starts_in_the_past(plan.start, today=timezone.localdate(), kept_start=kept_start) \
            and not comments.strip():
        raise ValidationError({"comments": _(
            "This plan starts on %(start)s, a date that has passed: say why you approve it "
            "all the same. The reason is kept in the pairing's history."
        ) % {"start": cldr.day(plan.start)}})
    earlier.update(status=ActivityPlan.Status.SUPERSEDED, updated_at=timezone.now())
    plan.status, plan.coordinator_comments = ActivityPlan.Status.APPROVED, comments.strip()
    plan.save(update_fields=["status", "coordinator_comments", "updated_at"])
    compliance_keep(organisation=pairing.organisation, pairing_ids=[pairing.pk])
    if pairing.status == S.ACCEPTED:
        pairing_transition(pairing=pairing, by=actor.user, to_status=S.PLAN_AGREED,
                           mover=Mover.PLAN_APPROVAL, reason=plan.coordinator_comments)
    pairing_tell(pairing, [pairing.mentee, pairing.mentor],
                 gettext_noop("Activity plan approved: %(pairing)s"), gettext_noop(
        "The coordinator approved your activity plan in %(project)s."))
    return plan
