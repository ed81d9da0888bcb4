"""Every write to a pairing's status. The state machine (TRANSITIONS) decides every move, whichever
app asks for it; each move is made under the pairing's row lock and recorded as a PairingEvent."""

from collections.abc import Sequence
from enum import StrEnum

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from matching.models import (
    Pairing,
    PairingEvent,
)
from matching.pairings.selectors import coordinators_of
from matching.plans.selectors import approved_schedule
from matching.texts import gettext_noop
from participants.models import User
from participants.services import notify
from programmes import access, cldr
from programmes.actor import Actor

S = Pairing.Status


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


def coordinator_moves(pairing: Pairing) -> list[str]:
    """The moves the coordinator's buttons offer from this pairing's status."""
    return [to for start, to in sorted(COORDINATOR_MOVES) if start == pairing.status]


def pairing_named_for(pairing: Pairing, person: User) -> str:
    """The pairing as this person knows it, in the current language: their pairing with the
    partner for its mentor and mentee, the pairing of both for anyone else."""
    partner = {pairing.mentee_id: pairing.mentor, pairing.mentor_id: pairing.mentee}.get(person.pk)
    if partner is None:
        return _("the pairing of %(mentee)s and %(mentor)s") % {
            "mentee": pairing.mentee, "mentor": pairing.mentor}
    return _("your pairing with %(name)s") % {"name": partner}


def pairing_tell(pairing: Pairing, people: Sequence[User], subject: str, message: str, *,
                 link: str = "", **params: object) -> None:
    """Tells these people of a move, in the app and by e-mail, with a link (the pairing's page
    unless another is given). `subject` and `message` may name %(project)s and %(pairing)s,
    the pairing as each person knows it."""
    link = link or reverse("pairing_detail", args=[pairing.organisation.slug, pairing.pk])
    for person in people:
        with translation.override(person.language):
            named = pairing_named_for(pairing, person)
        # Lazy, so that notify() translates them into each person's own language.
        notify(user=person, organisation=pairing.organisation, link=link,
               subject=gettext_lazy(subject), message=gettext_lazy(message),
               params={"project": pairing.project.name, "pairing": named, **params})


def pairing_event_record(pairing: Pairing, *, by: User, to_status: str, reason: str = "",
            created: bool = False) -> None:
    PairingEvent.objects.create(
        organisation_id=pairing.organisation_id, pairing=pairing, by=by, reason=reason,
        from_status="" if created else pairing.status, to_status=to_status,
    )


@transaction.atomic
def pairing_respond(*, actor: Actor, pairing: Pairing, accept: bool,
                    reason: str = "") -> Pairing:
    """The mentor or the mentee accepts or declines. Both accepting makes the pairing accepted;
    one declining (with a reason) ends it and returns both to the pool."""
    pairing = pairing_locked(pairing)
    access.require(actor=actor, action="take_part", obj=pairing)
    if pairing.status != S.PROPOSED:
        raise ValidationError(_("This pairing is no longer waiting for an answer."))
    if not accept:
        if not reason.strip():
            raise ValidationError({"reason": _("Say why you decline: the coordinator is told.")})
        pairing.end_reason = reason.strip()
        pairing_transition(pairing=pairing, by=actor.user, to_status=S.DECLINED,
                           mover=Mover.PAIR, reason=pairing.end_reason)
        partner = pairing.mentor if actor.user.pk == pairing.mentee_id else pairing.mentee
        pairing_tell(pairing, [partner, *coordinators_of(pairing.project)],
            gettext_noop("Pairing declined by %(name)s: %(pairing)s"), gettext_noop(
            "%(name)s declined the proposed pairing in %(project)s: %(reason)s"),
            name=str(actor.user), reason=pairing.end_reason)
        return pairing
    field = "mentee_accepted_at" if actor.user.pk == pairing.mentee_id else "mentor_accepted_at"
    setattr(pairing, field, timezone.now())
    pairing.save(update_fields=[field, "updated_at"])
    if pairing.mentee_accepted_at and pairing.mentor_accepted_at:
        pairing_transition(pairing=pairing, by=actor.user, to_status=S.ACCEPTED,
                           mover=Mover.PAIR)
        pairing_tell(pairing, [pairing.mentee, pairing.mentor],
                     gettext_noop("Pairing accepted: %(pairing)s, draft your plan"), gettext_noop(
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
    if to_status == S.ACTIVE:
        _refuse_before_plan_starts(pairing)
    if to_status == S.ENDED_EARLY:
        if not reason.strip():
            raise ValidationError({"reason": _("Say why the pairing ends early.")})
        pairing.end_reason = reason.strip()
    pairing_transition(pairing=pairing, by=actor.user, to_status=to_status,
                       mover=Mover.COORDINATOR, reason=reason.strip())
    subject, message = {
        S.ACTIVE: (gettext_noop("Started: %(pairing)s"),
                   gettext_noop("Your pairing in %(project)s has started.")),
        S.ENDED_EARLY: (gettext_noop("Ended early: %(pairing)s"),
                        gettext_noop("Your pairing in %(project)s has ended early: "
                                     "%(reason)s")),
    }[S(to_status)]
    pairing_tell(pairing, [pairing.mentee, pairing.mentor], subject, message,
                 reason=pairing.end_reason)
    return pairing


def _refuse_before_plan_starts(pairing: Pairing) -> None:
    """A pairing starts on its approved plan's start date, not before: its months, meetings
    and reports are counted from that day."""
    schedule = approved_schedule(pairing)
    if schedule is not None and timezone.localdate() < schedule.start:
        raise ValidationError(
            _("The plan starts on %(day)s: the pairing can start on that day, not before. To "
              "start sooner, the pair change the plan's start date and sign it again.")
            % {"day": cldr.day(schedule.start)})


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
    pairing_event_record(pairing, by=by, to_status=to_status, reason=reason)
    pairing.status = to_status
    pairing.save(update_fields=["status", "end_reason", "updated_at"])
