"""Every write to pairings. Each move is allowed only from the right status, by the right person,
and is recorded as a PairingEvent."""

import secrets
from collections.abc import Sequence
from datetime import date
from enum import StrEnum
from typing import cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from matching import engine
from matching.engine import Text, gettext_noop
from matching.models import (
    ActivityPlan,
    Meeting,
    Pairing,
    PairingEvent,
    PlannedVisit,
    explained,
    stored,
)
from matching.plan_rules import (
    MeetingDraft,
    PlanDraft,
    Visit,
    meeting_problems,
    plan_problems,
)
from matching.schedule import Schedule
from matching.selectors import coordinators_of, matching_pool
from participants.models import Application, Membership, Role, User, hash_token
from participants.services import notify
from programmes import access
from programmes.actor import Actor
from programmes.models import Call, Project, ThematicArea

S = Pairing.Status
# A hand-made pair that gives a mentor more mentees than they offered to take.
CAPACITY_EXCEEDED = Text(gettext_noop("more mentees than the mentor's places"))



class Mover(StrEnum):
    """Who, or what, moves a pairing from one status to the next."""

    PAIR = "pair"  # mentor and mentee accept or decline a proposal
    PLAN_APPROVAL = "plan approval"  # the coordinator approves the first plan
    COORDINATOR = "coordinator"  # the coordinator's buttons
    REPORTS = "reports"  # the accepted narrative report and the feedback (reporting)


# The state machine: every change of a pairing's status, whichever app asks for it, is one of
# these (from, to) moves, made by its mover, through `pairing_transition`.
TRANSITIONS: dict[tuple[str, str], Mover] = {
    (S.PROPOSED, S.ACCEPTED): Mover.PAIR,
    (S.PROPOSED, S.DECLINED): Mover.PAIR,
    (S.ACCEPTED, S.PLAN_AGREED): Mover.PLAN_APPROVAL,
    (S.PLAN_AGREED, S.ACTIVE): Mover.COORDINATOR,
    (S.PROPOSED, S.ENDED_EARLY): Mover.COORDINATOR,
    (S.ACCEPTED, S.ENDED_EARLY): Mover.COORDINATOR,
    (S.PLAN_AGREED, S.ENDED_EARLY): Mover.COORDINATOR,
    (S.ACTIVE, S.ENDED_EARLY): Mover.COORDINATOR,
    (S.ACTIVE, S.COMPLETED): Mover.REPORTS,
}
COORDINATOR_MOVES = {move for move, mover in TRANSITIONS.items() if mover == Mover.COORDINATOR}


# Where the pair may draft or revise their activity plan.
PLAN_STATUSES = (S.ACCEPTED, S.PLAN_AGREED, S.ACTIVE)


def coordinator_moves(pairing: Pairing) -> list[str]:
    """The moves the coordinator's buttons offer from this pairing's status."""
    return [to for start, to in sorted(COORDINATOR_MOVES) if start == pairing.status]


def _tell(pairing: Pairing, people: Sequence[User], message: str, **params: object) -> None:
    """Tells these people of a move, in the app and by e-mail, with a link to the pairing."""
    link = reverse("pairing_detail", args=[pairing.organisation.slug, pairing.pk])
    for person in people:
        # Lazy, so that notify() translates it into each person's own language.
        notify(user=person, organisation=pairing.organisation, link=link,
               message=gettext_lazy(message),
               params={"project": pairing.project.name, **params})


def _record(pairing: Pairing, *, by: User, to_status: str, reason: str = "",
            created: bool = False) -> None:
    PairingEvent.objects.create(
        organisation_id=pairing.organisation_id, pairing=pairing, by=by, reason=reason,
        from_status="" if created else pairing.status, to_status=to_status,
    )


@transaction.atomic
def pairing_propose(
    *, actor: Actor, project: Project, mentee: User, mentor: User, score: int = 0,
    explanation: Sequence[str] = (), broken_rules: Sequence[str] = (), override_note: str = "",
    mentee_application: Application | None = None, mentor_application: Application | None = None,
    call: Call | None = None, set_by_hand: bool = False,
    engine_proposal: Application | None = None,
) -> Pairing:
    """The coordinator confirms a pair, and mentor and mentee are asked to accept it. One that
    breaks a rule (a hand-made override) needs a note saying why; the broken rules are kept,
    and so is the mentor the engine had proposed instead."""
    if not access.may(actor=actor, action="manage", obj=project):
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
        ) % {"rules": "; ".join(explained(rule) for rule in broken_rules)}})
    live = Pairing.objects.for_org(project.organisation).filter(
        project=project, status__in=Pairing.LIVE
    )
    if live.filter(mentee=mentee).exists():
        raise ValidationError(_("%(name)s is already in a pairing of this project.")
                              % {"name": mentee})
    pairing = Pairing(
        organisation=project.organisation, project=project, call=call, mentee=mentee,
        mentor=mentor, mentee_application=mentee_application,
        mentor_application=mentor_application, score=score,
        explanation=[stored(line) for line in explanation],
        overridden=set_by_hand or bool(broken_rules),
        broken_rules=[stored(rule) for rule in broken_rules],
        override_note=override_note.strip() if set_by_hand or broken_rules else "",
        engine_proposal=engine_proposal if set_by_hand else None,
    )
    pairing.full_clean()
    pairing.save()
    _record(pairing, by=actor.user, to_status=S.PROPOSED, reason=pairing.override_note,
            created=True)
    _tell(pairing, [mentee, mentor], gettext_noop(
        "You are proposed a pairing in %(project)s: see who with, and accept or decline."))
    return pairing


@transaction.atomic
def matching_confirm(
    *, actor: Actor, project: Project, call: Call | None, chosen: dict[int, int | None],
    notes: dict[int, str],
) -> list[Pairing]:
    """The coordinator confirms the pairs of the matching page at once: all are proposed, or
    none. The project is locked and its pool read again meanwhile, so that two coordinators
    confirming together cannot pair one mentee twice or give a mentor more mentees than their
    places without saying why."""
    project = Project.objects.for_org(project.organisation).select_for_update().get(pk=project.pk)
    if not access.may(actor=actor, action="manage", obj=project):
        raise PermissionDenied
    pool = matching_pool(project=project, call=call)
    result = engine.match(pool.mentees, pool.mentors, pool.rules)
    proposed = {pair.mentee_id: pair.mentor_id for pair in result.pairs}
    load: dict[int | None, int] = dict(
        Pairing.objects.for_org(project.organisation)
        .filter(project=project, status__in=Pairing.LIVE)
        .values_list("mentor_id").annotate(n=Count("pk")).values_list("mentor_id", "n")
    )
    pairings = []
    for mentee_id, mentor_id in chosen.items():
        if mentor_id is None:
            continue
        mentee, mentor = pool.mentee(mentee_id), pool.mentor(mentor_id)
        if mentee is None or mentor is None:
            raise ValidationError({f"mentor_{mentee_id}": _(
                "Someone of this pair was paired or left the pool meanwhile: run matching "
                "again.")})
        mentee_app, mentor_app = pool.applications[mentee_id], pool.applications[mentor_id]
        broken = engine.broken_rules(mentee, mentor, pool.rules)
        load[mentor_app.applicant_id] = load.get(mentor_app.applicant_id, 0) + 1
        if load[mentor_app.applicant_id] > mentor_app.mentee_capacity:
            broken.append(CAPACITY_EXCEEDED)
        scored = engine.pair_score(mentee, mentor, pool.rules, area_names=pool.area_names,
                                   language_names=pool.language_names)
        engine_choice = proposed.get(mentee_id)
        try:
            pairings.append(pairing_propose(
                # The pool holds only applications with an applicant.
                actor=actor, project=project,
                mentee=cast(User, mentee_app.applicant), mentor=cast(User, mentor_app.applicant),
                score=scored[0] if scored else 0,
                explanation=scored[1] if scored else (), broken_rules=broken,
                override_note=notes.get(mentee_id, ""), mentee_application=mentee_app,
                mentor_application=mentor_app, call=mentee_app.call,
                set_by_hand=engine_choice != mentor_id,
                engine_proposal=pool.applications.get(engine_choice) if engine_choice else None,
            ))
        except ValidationError as error:
            # Shown on the row it concerns, not at the top of a long table.
            raise ValidationError({f"note_{mentee_id}": error.messages}) from error
    return pairings


@transaction.atomic
def pairing_respond(*, actor: Actor, pairing: Pairing, accept: bool,
                    reason: str = "") -> Pairing:
    """The mentor or the mentee accepts or declines. Both accepting makes the pairing accepted;
    one declining (with a reason) ends it and returns both to the pool."""
    pairing = pairing_locked(pairing)
    if actor.user.pk not in (pairing.mentee_id, pairing.mentor_id):
        raise PermissionDenied
    if pairing.status != S.PROPOSED:
        raise ValidationError(_("This pairing is no longer waiting for an answer."))
    if not accept:
        if not reason.strip():
            raise ValidationError({"reason": _("Say why you decline: the coordinator is told.")})
        pairing.end_reason = reason.strip()
        pairing_transition(pairing=pairing, by=actor.user, to_status=S.DECLINED,
                           mover=Mover.PAIR, reason=pairing.end_reason)
        partner = pairing.mentor if actor.user.pk == pairing.mentee_id else pairing.mentee
        _tell(pairing, [partner, *coordinators_of(pairing.project)], gettext_noop(
            "%(name)s declined the proposed pairing in %(project)s: %(reason)s"),
            name=str(actor.user), reason=pairing.end_reason)
        return pairing
    field = "mentee_accepted_at" if actor.user.pk == pairing.mentee_id else "mentor_accepted_at"
    setattr(pairing, field, timezone.now())
    pairing.save(update_fields=[field, "updated_at"])
    if pairing.mentee_accepted_at and pairing.mentor_accepted_at:
        pairing_transition(pairing=pairing, by=actor.user, to_status=S.ACCEPTED,
                           mover=Mover.PAIR)
        _tell(pairing, [pairing.mentee, pairing.mentor], gettext_noop(
            "Both of you accepted the pairing in %(project)s: draft your activity plan "
            "together."))
    return pairing


@transaction.atomic
def pairing_move(*, actor: Actor, pairing: Pairing, to_status: str,
                 reason: str = "") -> Pairing:
    """The coordinator's moves along the life of a pairing; ending early needs a reason. A plan
    becomes agreed only through its approval (`plan_review`), never by a move."""
    pairing = pairing_locked(pairing)
    if not access.may(actor=actor, action="manage", obj=pairing.project):
        raise PermissionDenied
    _refuse_unless_allowed(pairing, to_status=to_status, mover=Mover.COORDINATOR)
    if to_status == S.ENDED_EARLY:
        if not reason.strip():
            raise ValidationError({"reason": _("Say why the pairing ends early.")})
        pairing.end_reason = reason.strip()
    pairing_transition(pairing=pairing, by=actor.user, to_status=to_status,
                       mover=Mover.COORDINATOR, reason=reason.strip())
    message = {
        S.ACTIVE: gettext_noop("Your pairing in %(project)s has started."),
        S.ENDED_EARLY: gettext_noop("Your pairing in %(project)s has ended early: %(reason)s"),
    }[S(to_status)]
    _tell(pairing, [pairing.mentee, pairing.mentor], message, reason=pairing.end_reason)
    return pairing


def pairing_locked(pairing: Pairing) -> Pairing:
    """The pairing, read again under a row lock. Every write to a pairing or its plans takes
    this lock first, so they never wait on each other in two orders."""
    return (Pairing.objects.for_org(pairing.organisation).select_for_update(of=("self",))
            .select_related("project", "organisation", "mentee", "mentor").get(pk=pairing.pk))


def _refuse_unless_allowed(pairing: Pairing, *, to_status: str, mover: Mover) -> None:
    if TRANSITIONS.get((pairing.status, to_status)) != mover:
        raise ValidationError(_("A pairing cannot go from “%(from)s” to “%(to)s”.") % {
            "from": S(pairing.status).label,
            "to": S(to_status).label if to_status in S.values else to_status,
        })


def pairing_transition(*, pairing: Pairing, by: User, to_status: str, mover: Mover,
                       reason: str = "") -> None:
    """Moves a locked pairing (`pairing_locked`) to another status, if the state machine
    allows this mover to, and records the move as a PairingEvent."""
    _refuse_unless_allowed(pairing, to_status=to_status, mover=mover)
    _record(pairing, by=by, to_status=to_status, reason=reason)
    pairing.status = to_status
    pairing.save(update_fields=["status", "end_reason", "updated_at"])


# --- Activity plans ---------------------------------------------------------------------------

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
    if actor.user.pk not in (pairing.mentee_id, pairing.mentor_id):
        raise PermissionDenied
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
                     place=v.place.strip(), funded=v.funded)
        for v in visits
    ])
    return plan


@transaction.atomic
def plan_sign(*, actor: Actor, pairing: Pairing, seen: str) -> ActivityPlan:
    """The mentor or the mentee signs the plan they read: `seen` is the version and the time
    of the last change of the plan shown to them (`plan_seal`), so a signature never lands on
    a text the partner changed in between."""
    pairing = pairing_locked(pairing)
    if actor.user.pk not in (pairing.mentee_id, pairing.mentor_id):
        raise PermissionDenied
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
        _tell(pairing, coordinators_of(pairing.project), gettext_noop(
            "An activity plan in %(project)s is signed by both and waits for your review."))
    return plan


def plan_seal(plan: ActivityPlan) -> str:
    """What identifies the text of a plan as shown: its version and the time of its last edit."""
    return f"{plan.version}:{plan.updated_at.isoformat()}"


@transaction.atomic
def plan_review(*, actor: Actor, pairing: Pairing, approve: bool,
                comments: str = "") -> ActivityPlan:
    """The coordinator approves the signed plan (the pairing's plan is then agreed, and an
    earlier approved version is replaced) or returns it with comments."""
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
        _tell(pairing, [pairing.mentee, pairing.mentor], gettext_noop(
            "The coordinator returned your activity plan in %(project)s with comments."))
        return plan
    ActivityPlan.objects.for_org(pairing.organisation).filter(
        pairing=pairing, status=ActivityPlan.Status.APPROVED
    ).update(status=ActivityPlan.Status.SUPERSEDED, updated_at=timezone.now())
    plan.status, plan.coordinator_comments = ActivityPlan.Status.APPROVED, comments.strip()
    plan.save(update_fields=["status", "coordinator_comments", "updated_at"])
    if pairing.status == S.ACCEPTED:
        pairing_transition(pairing=pairing, by=actor.user, to_status=S.PLAN_AGREED,
                           mover=Mover.PLAN_APPROVAL)
    _tell(pairing, [pairing.mentee, pairing.mentor], gettext_noop(
        "The coordinator approved your activity plan in %(project)s."))
    return plan


# --- Matching settings ------------------------------------------------------------------------

@transaction.atomic
def matching_settings_update(
    *, actor: Actor, project: Project, related_areas: dict[ThematicArea, list[ThematicArea]],
) -> Project:
    if not access.may(actor=actor, action="manage", obj=project):
        raise PermissionDenied
    project.full_clean()
    project.save(update_fields=[*MATCHING_FIELDS, "updated_at"])
    for area, related in related_areas.items():
        if area.project_id != project.pk or any(r.project_id != project.pk for r in related):
            raise PermissionDenied
        area.related_areas.set(related)
    return project


MATCHING_FIELDS = ["weight_same_area", "weight_related_area", "weight_common_language",
                   "weight_seniority", "weight_preference", "preferred_mentor_gender"]


# --- Meetings ---------------------------------------------------------------------------------

MEETING_STATUSES = (S.ACTIVE, S.COMPLETED)
MEETING_FIELDS = ["kind", "day", "duration_minutes", "topics", "notes", "city", "country",
                  "funded", "cost_amount", "cost_currency"]


def approved_schedule(pairing: Pairing) -> Schedule | None:
    plan = ActivityPlan.objects.for_org(pairing.organisation).filter(
        pairing=pairing, status=ActivityPlan.Status.APPROVED).first()
    return Schedule(plan.start, plan.duration_months) if plan else None


@transaction.atomic
def meeting_save(*, actor: Actor, pairing: Pairing, meeting: Meeting | None,
                 fields: dict, today: date | None = None) -> Meeting:
    """Mentor or mentee logs a meeting, or corrects one. A correction by the other participant
    waits for the first to confirm it in turn. A meeting outside the pairing, in the future, or
    a funded visit beyond the one allowed in its period is refused with the rule named."""
    pairing = pairing_locked(pairing)
    if actor.user.pk not in (pairing.mentee_id, pairing.mentor_id):
        raise PermissionDenied
    if pairing.status not in MEETING_STATUSES:
        raise ValidationError(_("Meetings are logged once the pairing is active."))
    schedule = approved_schedule(pairing)
    if schedule is None:  # an active pairing always has one; a guard, not a path
        raise ValidationError(_("Meetings are logged once the pairing is active."))
    if meeting is not None and meeting.pairing_id != pairing.pk:
        raise PermissionDenied
    others = Meeting.objects.for_org(pairing.organisation).filter(pairing=pairing, funded=True)
    if meeting is not None:
        others = others.exclude(pk=meeting.pk)
    in_person = fields["kind"] == Meeting.Kind.IN_PERSON
    problems = meeting_problems(
        MeetingDraft(day=fields["day"], in_person=in_person, funded=fields["funded"],
                     cost_amount=fields["cost_amount"], cost_currency=fields["cost_currency"]),
        schedule=schedule, rules=pairing.project.rules,
        today=today or timezone.localdate(),
        other_funded_days=tuple(others.values_list("day", flat=True)),
    )
    if problems:
        raise ValidationError(problems)
    if meeting is None:
        meeting = Meeting(organisation_id=pairing.organisation_id, pairing=pairing)
    for name in MEETING_FIELDS:
        setattr(meeting, name, fields[name])
    if not in_person:  # a place and costs belong to a visit only
        meeting.city, meeting.country, meeting.cost_currency = "", None, ""
    meeting.topics, meeting.notes = meeting.topics.strip(), meeting.notes.strip()
    meeting.logged_by = actor.user
    meeting.confirmed_by, meeting.confirmed_at = None, None
    meeting.full_clean()
    meeting.save()
    return meeting


@transaction.atomic
def meeting_confirm(*, actor: Actor, meeting: Meeting) -> Meeting:
    """The other participant confirms the meeting as logged."""
    pairing = pairing_locked(meeting.pairing)
    meeting = Meeting.objects.for_org(pairing.organisation).select_for_update().get(pk=meeting.pk)
    if actor.user.pk not in (pairing.mentee_id, pairing.mentor_id):
        raise PermissionDenied
    if actor.user.pk == meeting.logged_by_id:
        raise ValidationError(_("The other participant confirms a meeting you logged."))
    if meeting.confirmed_at is not None:
        raise ValidationError(_("This meeting is already confirmed."))
    meeting.confirmed_by, meeting.confirmed_at = actor.user, timezone.now()
    meeting.save(update_fields=["confirmed_by", "confirmed_at", "updated_at"])
    return meeting


# --- Calendar ---------------------------------------------------------------------------------

def calendar_address_renew(*, user: User) -> str:
    """A new secret for the person's calendar feed; the old address stops working. Only the
    hash is kept: the address is shown once, when it is made."""
    token = secrets.token_urlsafe(32)
    user.calendar_token_hash = hash_token(token)
    user.save(update_fields=["calendar_token_hash"])
    return token


def calendar_address_remove(*, user: User) -> None:
    user.calendar_token_hash = ""
    user.save(update_fields=["calendar_token_hash"])
