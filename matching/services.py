"""Every write to pairings. Each move is allowed only from the right status, by the right person,
and is recorded as a PairingEvent."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import get_objects_for_user

from matching.models import ActivityPlan, Pairing, PairingEvent, PlannedVisit
from matching.plan_rules import PlanDraft, PlanRules, Visit, plan_problems
from participants.models import Membership, Role, User
from programmes.models import Project

S = Pairing.Status

# The coordinator's moves: (from, to). Accepting and declining belong to mentor and mentee.
COORDINATOR_MOVES = {
    (S.ACCEPTED, S.PLAN_AGREED),
    (S.PLAN_AGREED, S.ACTIVE),
    (S.ACTIVE, S.COMPLETED),
    (S.PROPOSED, S.ENDED_EARLY),
    (S.ACCEPTED, S.ENDED_EARLY),
    (S.PLAN_AGREED, S.ENDED_EARLY),
    (S.ACTIVE, S.ENDED_EARLY),
}


def coordinates(user: User, project: Project) -> bool:
    """An organisation admin, or a coordinator of this very project (guardian, scoped to the
    project's organisation and never through global permissions)."""
    if Membership.objects.for_org(project.organisation).filter(
        user=user, role=Role.ADMIN
    ).exists():
        return True
    coordinated = get_objects_for_user(
        user, "programmes.coordinate_project",
        klass=Project.objects.for_org(project.organisation), accept_global_perms=False,
        with_superuser=False,
    )
    return coordinated.filter(pk=project.pk).exists()


def _record(pairing: Pairing, *, by: User, to_status: str, reason: str = "",
            created: bool = False) -> None:
    PairingEvent.objects.create(
        organisation_id=pairing.organisation_id, pairing=pairing, by=by, reason=reason,
        from_status="" if created else pairing.status, to_status=to_status,
    )


@transaction.atomic
def pairing_propose(
    *, acting_user: User, project: Project, mentee: User, mentor: User, score: int = 0,
    explanation: list[str] | None = None, broken_rules: list[str] | None = None,
    override_note: str = "",
) -> Pairing:
    """The coordinator confirms a pair. One that breaks a rule (a hand-made override) needs a
    note saying why; the broken rules are kept with it."""
    if not coordinates(acting_user, project):
        raise PermissionDenied
    members = Membership.objects.for_org(project.organisation)
    if not members.filter(user=mentee, role=Role.MENTEE).exists():
        raise ValidationError({"mentee": _("%(name)s is not a mentee of this organisation.")
                               % {"name": mentee}})
    if not members.filter(user=mentor, role=Role.MENTOR).exists():
        raise ValidationError({"mentor": _("%(name)s is not a mentor of this organisation.")
                               % {"name": mentor}})
    if broken_rules and not override_note.strip():
        raise ValidationError({"override_note": _(
            "This pair breaks a rule (%(rules)s): say why you make it anyway."
        ) % {"rules": "; ".join(broken_rules)}})
    live = Pairing.objects.for_org(project.organisation).filter(
        project=project, status__in=Pairing.LIVE
    )
    if live.filter(mentee=mentee).exists():
        raise ValidationError(_("%(name)s is already in a pairing of this project.")
                              % {"name": mentee})
    pairing = Pairing(
        organisation=project.organisation, project=project, mentee=mentee, mentor=mentor,
        score=score, explanation=explanation or [], overridden=bool(broken_rules),
        override_note="; ".join(broken_rules or []) + (
            f" — {override_note.strip()}" if broken_rules else ""),
    )
    pairing.full_clean()
    pairing.save()
    _record(pairing, by=acting_user, to_status=S.PROPOSED, reason=pairing.override_note,
            created=True)
    return pairing


@transaction.atomic
def pairing_respond(*, acting_user: User, pairing: Pairing, accept: bool,
                    reason: str = "") -> Pairing:
    """The mentor or the mentee accepts or declines. Both accepting makes the pairing accepted;
    one declining (with a reason) ends it and returns both to the pool."""
    pairing = Pairing.objects.select_for_update().get(pk=pairing.pk)
    if acting_user.pk not in (pairing.mentee_id, pairing.mentor_id):
        raise PermissionDenied
    if pairing.status != S.PROPOSED:
        raise ValidationError(_("This pairing is no longer waiting for an answer."))
    if not accept:
        if not reason.strip():
            raise ValidationError({"reason": _("Say why you decline: the coordinator is told.")})
        _record(pairing, by=acting_user, to_status=S.DECLINED, reason=reason.strip())
        pairing.status = S.DECLINED
        pairing.end_reason = reason.strip()
        pairing.save(update_fields=["status", "end_reason", "updated_at"])
        return pairing
    field = "mentee_accepted_at" if acting_user.pk == pairing.mentee_id else "mentor_accepted_at"
    setattr(pairing, field, timezone.now())
    changed = [field, "updated_at"]
    if pairing.mentee_accepted_at and pairing.mentor_accepted_at:
        _record(pairing, by=acting_user, to_status=S.ACCEPTED)
        pairing.status = S.ACCEPTED
        changed.append("status")
    pairing.save(update_fields=changed)
    return pairing


@transaction.atomic
def pairing_move(*, acting_user: User, pairing: Pairing, to_status: str,
                 reason: str = "") -> Pairing:
    """The coordinator's moves along the life of a pairing; ending early needs a reason."""
    pairing = Pairing.objects.select_for_update().select_related("project").get(pk=pairing.pk)
    if not coordinates(acting_user, pairing.project):
        raise PermissionDenied
    if (pairing.status, to_status) not in COORDINATOR_MOVES:
        raise ValidationError(_("A pairing cannot go from “%(from)s” to “%(to)s”.") % {
            "from": S(pairing.status).label, "to": S(to_status).label,
        })
    if to_status == S.ENDED_EARLY and not reason.strip():
        raise ValidationError({"reason": _("Say why the pairing ends early.")})
    _record(pairing, by=acting_user, to_status=to_status, reason=reason.strip())
    pairing.status = to_status
    pairing.end_reason = reason.strip() if to_status == S.ENDED_EARLY else pairing.end_reason
    pairing.save(update_fields=["status", "end_reason", "updated_at"])
    return pairing


# --- Activity plans ---------------------------------------------------------------------------

def _rules_of(project: Project) -> PlanRules:
    return PlanRules(
        duration_min_months=project.duration_min_months,
        duration_max_months=project.duration_max_months,
        first_visit_within_months=project.first_visit_within_months,
        funded_visit_period_months=project.funded_visit_period_months,
        funded_visits_until_month=project.funded_visits_until_month,
        online_meetings_per_month=project.online_meetings_per_month,
    )


@transaction.atomic
def plan_save(
    *, acting_user: User, pairing: Pairing, objectives: str, start: date, duration_months: int,
    online_meetings_per_month: int, visits: list[Visit],
) -> ActivityPlan:
    """The mentor or the mentee drafts the plan. A draft is edited in place (and loses its
    signatures); a plan already signed, approved or returned is kept, and the change becomes
    the next version. A plan that breaks the project's rules is refused, rule by rule."""
    pairing = Pairing.objects.select_for_update().select_related("project").get(pk=pairing.pk)
    if acting_user.pk not in (pairing.mentee_id, pairing.mentor_id):
        raise PermissionDenied
    if pairing.status not in (S.ACCEPTED, S.PLAN_AGREED, S.ACTIVE):
        raise ValidationError(_("A plan is agreed once both have accepted the pairing."))
    problems = plan_problems(PlanDraft(
        start=start, duration_months=duration_months,
        online_meetings_per_month=online_meetings_per_month,
        visits=tuple(visits),
    ), _rules_of(pairing.project))
    if problems:
        raise ValidationError(problems)
    latest = pairing.plans.order_by("-version").first()
    if latest is not None and latest.status == ActivityPlan.Status.DRAFT:
        plan = latest
        plan.visits.all().delete()
    else:
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
                     place=v.place.strip(), funded=v.funded)
        for v in visits
    ])
    return plan


@transaction.atomic
def plan_sign(*, acting_user: User, plan: ActivityPlan) -> ActivityPlan:
    plan = ActivityPlan.objects.select_for_update().select_related("pairing").get(pk=plan.pk)
    pairing = plan.pairing
    if acting_user.pk not in (pairing.mentee_id, pairing.mentor_id):
        raise PermissionDenied
    if plan.status != ActivityPlan.Status.DRAFT:
        raise ValidationError(_("Only a draft plan is signed."))
    field = "mentee_signed_at" if acting_user.pk == pairing.mentee_id else "mentor_signed_at"
    setattr(plan, field, timezone.now())
    changed = [field, "updated_at"]
    if plan.mentee_signed_at and plan.mentor_signed_at:
        plan.status = ActivityPlan.Status.SIGNED
        changed.append("status")
    plan.save(update_fields=changed)
    return plan


@transaction.atomic
def plan_review(*, acting_user: User, plan: ActivityPlan, approve: bool,
                comments: str = "") -> ActivityPlan:
    """The coordinator approves a signed plan (the pairing's plan is then agreed, and an earlier
    approved version is replaced) or returns it with comments."""
    plan = (ActivityPlan.objects.select_for_update(of=("self",))
            .select_related("pairing__project").get(pk=plan.pk))
    if not coordinates(acting_user, plan.pairing.project):
        raise PermissionDenied
    if plan.status != ActivityPlan.Status.SIGNED:
        raise ValidationError(_("Only a plan signed by both is reviewed."))
    if not approve:
        if not comments.strip():
            raise ValidationError({"comments": _("Say what to change: the pair is told.")})
        plan.status, plan.coordinator_comments = ActivityPlan.Status.RETURNED, comments.strip()
        plan.save(update_fields=["status", "coordinator_comments", "updated_at"])
        return plan
    plan.pairing.plans.filter(status=ActivityPlan.Status.APPROVED).update(
        status=ActivityPlan.Status.SUPERSEDED, updated_at=timezone.now()
    )
    plan.status, plan.coordinator_comments = ActivityPlan.Status.APPROVED, comments.strip()
    plan.save(update_fields=["status", "coordinator_comments", "updated_at"])
    if plan.pairing.status == S.ACCEPTED:
        pairing_move(acting_user=acting_user, pairing=plan.pairing, to_status=S.PLAN_AGREED,
                     reason=_("Plan version %(version)s approved.") % {"version": plan.version})
    return plan
