"""Every write to meetings: logged by one of the pair (held to the plan's rules), confirmed or
corrected by the other, under the pairing's row lock."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from matching.models import (
    Meeting,
    Pairing,
)
from matching.pairings.services import pairing_locked
from matching.plans.rules import MeetingDraft, meeting_problems
from matching.plans.selectors import approved_schedule
from programmes import access
from programmes.actor import Actor

S = Pairing.Status


MEETING_STATUSES = (S.ACTIVE, S.COMPLETED)


MEETING_FIELDS = ["kind", "day", "duration_minutes", "topics", "notes", "city", "country",
                  "funded", "cost_amount", "cost_currency"]


@transaction.atomic
def meeting_save(*, actor: Actor, pairing: Pairing, meeting: Meeting | None,
                 fields: dict, today: date | None = None) -> Meeting:
    """Mentor or mentee logs a meeting, or corrects one. A correction by the other participant
    waits for the first to confirm it in turn. A meeting outside the pairing, in the future, or
    a funded visit beyond the one allowed in its period is refused with the rule named."""
    pairing = pairing_locked(pairing)
    access.require(actor=actor, action="take_part", obj=pairing)
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
    access.require(actor=actor, action="take_part", obj=pairing)
    if actor.user.pk == meeting.logged_by_id:
        raise ValidationError(_("The other participant confirms a meeting you logged."))
    if meeting.confirmed_at is not None:
        raise ValidationError(_("This meeting is already confirmed."))
    meeting.confirmed_by, meeting.confirmed_at = actor.user, timezone.now()
    meeting.save(update_fields=["confirmed_by", "confirmed_at", "updated_at"])
    return meeting
