"""Every write to meetings: logged by one of the pair (held to the plan's rules), confirmed or
corrected by the other, under the pairing's row lock; and the pairings' kept compliance, which
every write that counts brings up to date."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Exists, Field, OuterRef
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from matching.budget.access import may_review_claims
from matching.hooks import reporting
from matching.meetings import compliance
from matching.models import ActivityPlan, Meeting, Pairing, PairingCompliance, PlannedVisit
from matching.pairings.services import pairing_locked
from matching.plans.rules import MeetingDraft, meeting_problems
from matching.plans.selectors import approved_schedule
from matching.schedule import Schedule
from programmes import access
from programmes.actor import Actor
from programmes.models import Organisation, Project
from programmes.signals import project_rules_changed

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
    claim_before = (meeting.funded, meeting.cost_amount, meeting.cost_currency)
    for name in MEETING_FIELDS:
        setattr(meeting, name, fields[name])
    if not in_person:  # a place and costs belong to a visit only
        meeting.city, meeting.country, meeting.cost_currency = "", None, ""
    if (meeting.funded, meeting.cost_amount, meeting.cost_currency) != claim_before:
        # A changed claim is reviewed again: what was approved was another claim.
        meeting.claim_status, meeting.approved_amount = Meeting.Claim.PENDING, None
        meeting.claim_reviewed_by, meeting.claim_reviewed_at = None, None
    meeting.topics, meeting.notes = meeting.topics.strip(), meeting.notes.strip()
    # A change by the other participant is a correction: it waits for the first to confirm it
    # and does not count meanwhile. A change by whoever logged it is still their own record.
    if meeting.pk is not None and meeting.logged_by_id != actor.user.pk:
        meeting.corrected = True
    meeting.logged_by = actor.user
    meeting.confirmed_by, meeting.confirmed_at = None, None
    meeting.full_clean()
    meeting.save()
    compliance_keep(organisation=pairing.organisation, pairing_ids=[pairing.pk], today=today)
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
    meeting.corrected = False  # the two agree again
    meeting.save(update_fields=["confirmed_by", "confirmed_at", "corrected", "updated_at"])
    compliance_keep(organisation=pairing.organisation, pairing_ids=[pairing.pk])
    return meeting


CLAIM_DECISIONS = (Meeting.Claim.APPROVED, Meeting.Claim.ADJUSTED, Meeting.Claim.REFUSED)


@transaction.atomic
def meeting_claim_review(*, actor: Actor, meeting: Meeting, decision: str,
                         amount: Decimal | None = None, note: str = "") -> Meeting:
    """A coordinator of the project approves a funded visit's claim as claimed, adjusts it to
    another amount (in the claim's currency) or refuses it; an adjustment or a refusal says
    why in the note. Anyone else is refused (PermissionDenied)."""
    pairing = pairing_locked(meeting.pairing)
    meeting = Meeting.objects.for_org(pairing.organisation).select_for_update().get(pk=meeting.pk)
    if not may_review_claims(actor=actor, project=pairing.project):
        raise PermissionDenied
    if not meeting.is_claim:
        raise ValidationError(_("Only a funded visit with its costs is a claim to review."))
    if decision not in CLAIM_DECISIONS:
        raise ValidationError({"decision": _("Approve, adjust or refuse the claim.")})
    note = note.strip()
    if decision == Meeting.Claim.ADJUSTED:
        if amount is None:
            raise ValidationError({"amount": _("Give the amount approved.")})
        if amount < 0:
            raise ValidationError({"amount": _("An amount cannot be negative.")})
    if decision != Meeting.Claim.APPROVED and not note:
        raise ValidationError({"note": _("Say why: the pair reads the note.")})
    meeting.claim_status = decision
    meeting.approved_amount = (meeting.cost_amount if decision == Meeting.Claim.APPROVED
                               else amount if decision == Meeting.Claim.ADJUSTED else None)
    meeting.claim_note = note
    meeting.claim_reviewed_by, meeting.claim_reviewed_at = actor.user, timezone.now()
    meeting.full_clean()
    meeting.save(update_fields=["claim_status", "approved_amount", "claim_note",
                                "claim_reviewed_by", "claim_reviewed_at", "updated_at"])
    return meeting


# --- Kept compliance --------------------------------------------------------------------------

KEPT_FIELDS = ["plan_start", "plan_months", "detail", "late_count", "late_months", "late_periods",
               "first_visit_late", "interim_late", "narrative_late", "to_confirm", "checked_on",
               "changes_on", "reminders", "reminders_planned"]


@receiver(project_rules_changed)
def _rules_changed(*, project: Project, **kwargs: object) -> None:
    """The project's rules changed (the online meetings a month, the grace days, the first
    visit's deadline): every pairing of it is held to the new ones."""
    compliance_keep(organisation=project.organisation, pairing_ids=Pairing.objects.for_org(
        project.organisation).filter(project=project).values_list("pk", flat=True))


def compliance_keep(*, organisation: Organisation, pairing_ids: Iterable[int],
                    today: date | None = None) -> int:
    """Recomputes the kept compliance of these pairings of the organisation, as of `today`,
    from their approved plan, meetings and reports: nine queries for each 2,000 pairings. A
    pairing without an approved plan keeps none. Returns how many it kept."""
    today = today or timezone.localdate()
    ids = list(pairing_ids)
    return sum(_keep(organisation, ids[start:start + KEEP_CHUNK], today)
               for start in range(0, len(ids), KEEP_CHUNK))


KEEP_CHUNK = 2000


def compliance_catch_up(*, project: Project, today: date | None = None) -> int:
    """Keeps, before a page reads them, the compliance of the project's pairings whose day has
    come and the scan has not reached yet (just after midnight), or that have none (brought in
    otherwise than through the services): two queries when, as usual, there is nothing to do."""
    today = today or timezone.localdate()
    organisation = project.organisation
    stale = PairingCompliance.objects.for_org(organisation).filter(
        pairing__project=project, changes_on__lte=today).values_list("pairing_id", flat=True)
    missing = ActivityPlan.objects.for_org(organisation).filter(
        pairing__project=project, status=ActivityPlan.Status.APPROVED).exclude(
        Exists(PairingCompliance.objects.for_org(organisation).filter(
            pairing_id=OuterRef("pairing_id")))
    ).order_by().values_list("pairing_id", flat=True)
    return compliance_keep(organisation=organisation, pairing_ids=[*stale, *missing],
                           today=today)


def _write_kept(kept: list[dict]) -> None:
    """Inserts or updates the kept rows with one statement run for each row (`executemany`:
    PostgreSQL's driver sends them in a pipeline, SQLite loops in C). On the day a cohort's
    month turns the scan rewrites every row of it: bulk_create's model instances and multi-row
    statements made that write the slowest part of the scan."""
    if not kept:
        return
    meta = PairingCompliance._meta
    names = ["organisation_id", "pairing_id", *KEPT_FIELDS]
    fields = [cast(Field, meta.get_field(name)) for name in names]
    columns = [cast(str, field.column) for field in fields]
    quote = connection.ops.quote_name
    now = timezone.now()
    statement = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(map(quote, columns))}, "  # noqa: S608 (the model's own names; values bound)
        f"{quote('created_at')}, {quote('updated_at')}) "
        f"VALUES ({', '.join(['%s'] * (len(columns) + 2))}) "
        f"ON CONFLICT ({quote('pairing_id')}) DO UPDATE SET "
        + ", ".join(f"{quote(column)} = excluded.{quote(column)}"
                    for column in [*columns[2:], "updated_at"]))
    moment = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.executemany(statement, [
            [*(field.get_db_prep_save(row[name], connection)
               for name, field in zip(names, fields, strict=True)),
             moment, moment] for row in kept])


def _keep(organisation: Organisation, pairing_ids: list[int], today: date) -> int:
    pairings = dict(Pairing.objects.for_org(organisation).filter(pk__in=pairing_ids)
                    .values_list("pk", "project_id"))
    rules = {project.pk: project.rules for project in
             Project.objects.for_org(organisation).filter(pk__in=set(pairings.values()))}
    plans = {pairing_id: (start, months, per_month) for pairing_id, start, months, per_month in
             ActivityPlan.objects.for_org(organisation).filter(
                 pairing_id__in=pairings, status=ActivityPlan.Status.APPROVED)
             .values_list("pairing_id", "start", "duration_months",
                          "online_meetings_per_month")}
    planned: dict[int, list[date]] = defaultdict(list)
    for pairing_id, day in PlannedVisit.objects.for_org(organisation).filter(
            plan__pairing_id__in=plans, plan__status=ActivityPlan.Status.APPROVED
    ).values_list("plan__pairing_id", "day"):
        planned[pairing_id].append(day)
    held: dict[int, list[compliance.Held]] = defaultdict(list)
    to_confirm: dict[int, int] = defaultdict(int)
    for pairing_id, day, kind, confirmed, corrected in Meeting.objects.for_org(
            organisation).filter(pairing_id__in=plans).values_list(
            "pairing_id", "day", "kind", "confirmed_at", "corrected"):
        if not corrected or confirmed is not None:  # as Meeting.counts says
            held[pairing_id].append(compliance.Held(day, kind == Meeting.Kind.IN_PERSON))
        to_confirm[pairing_id] += confirmed is None
    reports = reporting().handed_in(list(plans))
    kept = []
    for pairing_id, (start, months, per_month) in plans.items():
        schedule = Schedule(start, months)
        state = compliance.compliance(
            schedule=schedule, held=held[pairing_id], planned_visits=planned[pairing_id],
            meetings_a_month=per_month, rules=rules[pairings[pairing_id]], today=today,
            interim_done=reports[pairing_id].interim,
            narrative_done=reports[pairing_id].narrative)
        due = compliance.pairing_reminders(state=state, schedule=schedule,
                                           held=held[pairing_id], today=today)
        kept.append({
            "organisation_id": organisation.pk, "pairing_id": pairing_id, "plan_start": start,
            "plan_months": months, "detail": compliance.as_json(state),
            "late_count": state.late_count,
            "late_months": sum(code.startswith("month-") for code in state.late),
            "late_periods": sum(code.startswith("period-") for code in state.late),
            "first_visit_late": "first-visit" in state.late,
            "interim_late": "interim-report" in state.late,
            "narrative_late": "narrative-report" in state.late,
            "to_confirm": to_confirm[pairing_id], "checked_on": today,
            "changes_on": compliance.changes_on(state=state, today=today),
            "reminders": [[d.kind, d.period, d.params] for d in due],
            "reminders_planned": not due})
    _write_kept(kept)
    PairingCompliance.objects.for_org(organisation).filter(
        pairing_id__in=set(pairings) - set(plans)).delete()
    return len(kept)
