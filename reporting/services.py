"""Every write to reports, feedback, exports and the organisation's look. A write to a report or
to feedback takes the pairing's row lock first, like every write to a pairing."""

import hashlib
import logging
from datetime import date
from decimal import Decimal
from typing import cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from matching.meetings.services import compliance_keep
from matching.models import ActivityPlan, Pairing
from matching.pairings.selectors import coordinators_of
from matching.pairings.services import (
    Mover,
    pairing_locked,
    pairing_tell,
    pairing_transition,
)
from matching.plans.selectors import approved_schedule
from matching.schedule import Schedule
from participants.models import User
from programmes import access, cldr
from programmes.actor import Actor
from programmes.models import Organisation, Project
from programmes.validators import refuse_control_characters
from reporting.models import (
    Competency,
    Export,
    Feedback,
    Indicator,
    Progress,
    Report,
    SelfAssessment,
    SelfAssessmentAnswer,
)
from reporting.outcomes import project_competencies, self_assessment_closed_reason
from reporting.selectors import meeting_log, plan_objectives, report_opens
from reporting.tasks import export_build

S = Pairing.Status
logger = logging.getLogger(__name__)
TEXT_LIMIT = 10000
# Fields a report may be submitted without; every other one must be filled in.
OPTIONAL = {"plan_changes", "recommendations"}


def report_closed_reason(pairing: Pairing, kind: str, schedule: Schedule | None,
                         today: date | None = None) -> str:
    """Why the pair cannot write this report now, or "" when they can."""
    today = today or timezone.localdate()
    if pairing.status != S.ACTIVE:
        return _("Reports are written while the pairing is active.")
    opens = report_opens(pairing, kind, schedule)
    if opens is None:
        return _("Reports are written once the activity plan is approved.")
    if today < opens:
        return _("This report opens on %(day)s.") % {"day": cldr.day(opens)}
    return ""


def _report_link(report: Report) -> str:
    return reverse("report_detail", args=[report.organisation.slug, report.pairing_id,
                                          report.kind, report.version])


def _latest(pairing: Pairing, kind: str) -> Report | None:
    return (Report.objects.for_org(pairing.organisation).filter(pairing=pairing, kind=kind)
            .select_for_update().order_by("-version").first())


def _writable(actor: Actor, pairing: Pairing, kind: str) -> Report:
    """The draft the pair writes, created from the approved plan on the first keystroke; the
    pairing is already locked."""
    access.require(actor=actor, action="take_part", obj=pairing)
    reason = report_closed_reason(pairing, kind, approved_schedule(pairing))
    if reason:
        raise ValidationError(reason)
    latest = _latest(pairing, kind)
    if latest is None:
        plan = ActivityPlan.objects.for_org(pairing.organisation).filter(
            pairing=pairing, status=ActivityPlan.Status.APPROVED).first()
        return Report.objects.create(
            organisation_id=pairing.organisation_id, pairing=pairing, kind=kind, version=1,
            objectives=[{"objective": text, "progress": "", "rating": None}
                        for text in plan_objectives(plan)],
        )
    if latest.status == Report.Status.SUBMITTED:
        raise ValidationError(_("The report is with the coordinator: it can be changed again "
                                "if they return it."))
    if latest.status == Report.Status.ACCEPTED:
        raise ValidationError(_("The report has been accepted."))
    return latest


def _objective(report: Report, name: str, prefix: str) -> dict:
    index = name.removeprefix(prefix)
    if not index.isdigit() or int(index) >= len(report.objectives):
        raise ValidationError(_("This report has no such field."))
    return report.objectives[int(index)]


def _set(report: Report, name: str, value: str) -> None:
    """One field of a draft: an objective's progress (`progress_<n>`) or rating
    (`rating_<n>`, a step of the Progress scale or "" for none yet) or a text field. The
    autosave reaches here without a form, so the rules on typed text are applied here too."""
    if name.startswith("rating_"):
        objective = _objective(report, name, "rating_")
        if value and value not in {str(step) for step in Progress.values}:
            raise ValidationError({name: _("Choose one of the steps of the scale.")})
        objective["rating"] = int(value) if value else None
        return
    try:
        refuse_control_characters(value)
    except ValidationError as error:
        raise ValidationError({name: error}) from error
    if len(value) > TEXT_LIMIT:
        raise ValidationError({name: _("Keep this under %(limit)s characters (it has "
                                        "%(count)s).") % {"limit": TEXT_LIMIT,
                                                          "count": len(value)}})
    if name.startswith("progress_"):
        _objective(report, name, "progress_")["progress"] = value
    elif name in Report.FIELDS[report.kind]:
        setattr(report, name, value)
    else:
        raise ValidationError(_("This report has no such field."))


def _fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _texts(report: Report) -> dict[str, str]:
    """Every field of a draft by its form name."""
    return {**{f"progress_{index}": objective["progress"]
               for index, objective in enumerate(report.objectives)},
            **{f"rating_{index}": str(objective.get("rating") or "")
               for index, objective in enumerate(report.objectives)},
            **{name: getattr(report, name) for name in Report.FIELDS[report.kind]}}


def report_seen(report: Report) -> dict[str, str]:
    """A fingerprint of each field as a page shows it. Sent back with a save, it tells which
    fields this person changed, and whether someone else changed the same ones meanwhile."""
    return {name: _fingerprint(text) for name, text in _texts(report).items()}


def _conflict(texts: dict[str, str], name: str, value: str, shown: str) -> bool:
    """Did someone else change this field since the page showed it? Not when the draft
    already holds exactly this text (the person's own earlier save)."""
    current = texts.get(name)
    return current is not None and current != value and _fingerprint(current) != shown


def _changed_meanwhile(report: Report, name: str, acting_user: User) -> ValidationError:
    pairing = report.pairing
    editor = (pairing.mentor if acting_user.pk == pairing.mentee_id else pairing.mentee).full_name
    return ValidationError({name: _(
        "%(name)s changed this part while you had the page open, so your text here is not "
        "saved. Copy it, reload the page to see theirs, and merge the two.") % {"name": editor}})


@transaction.atomic
def report_autosave(*, actor: Actor, pairing: Pairing, kind: str, name: str, value: str,
                    seen: str) -> tuple[Report, str]:
    """Saves one field as the person types, one field at a time, so that mentor and mentee
    writing different parts never overwrite each other. `seen` is the fingerprint of this
    field as the page last had it: a field the partner changed since is not overwritten.
    Returns the report and the field's new fingerprint."""
    pairing = pairing_locked(pairing)
    report = _writable(actor, pairing, kind)
    if _conflict(_texts(report), name, value, seen or _fingerprint("")):
        raise _changed_meanwhile(report, name, actor.user)
    _set(report, name, value)
    report.last_edited_by = actor.user
    report.save()
    return report, _fingerprint(value)


@transaction.atomic
def report_submit(*, actor: Actor, pairing: Pairing, kind: str, values: dict[str, str],
                  seen: dict[str, str], submit: bool) -> Report:
    """Saves the whole form (the page without JavaScript saves this way) and, with `submit`,
    hands the report to the coordinators with the meeting log as it stands. Only the fields
    this person changed are written; one the partner changed meanwhile too is refused rather
    than overwritten. Every field is checked and each problem named next to its field; nothing
    is saved when one is found."""
    pairing = pairing_locked(pairing)
    report = _writable(actor, pairing, kind)
    texts = _texts(report)
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        shown = seen.get(name) or _fingerprint("")
        if _fingerprint(value) == shown:
            continue  # not changed on this page: the draft keeps what it has (maybe newer)
        if _conflict(texts, name, value, shown):
            errors.setdefault(name, []).extend(
                _changed_meanwhile(report, name, actor.user).messages)
            continue
        try:
            _set(report, name, value)
        except ValidationError as error:
            errors.setdefault(name, []).extend(error.messages)
    if submit:
        for index, objective in enumerate(report.objectives):
            if not objective["progress"].strip() and f"progress_{index}" not in errors:
                errors[f"progress_{index}"] = [
                    _("Say how far this objective got.") if kind == Report.Kind.INTERIM
                    else _("Say what came of this objective.")]
            if not objective.get("rating") and f"rating_{index}" not in errors:
                errors[f"rating_{index}"] = [_("Rate how far this objective got.")]
        for name in Report.FIELDS[kind]:
            if name not in OPTIONAL and not getattr(report, name).strip() \
                    and name not in errors:
                errors[name] = [_("This section is needed before the report is submitted.")]
    if errors:
        raise ValidationError(errors)
    report.last_edited_by = actor.user
    if submit:
        report.meetings_held = meeting_log(pairing)
        report.status = Report.Status.SUBMITTED
        report.submitted_by = actor.user
        report.submitted_at = timezone.now()
    report.save()
    if submit:
        compliance_keep(organisation=pairing.organisation, pairing_ids=[pairing.pk])
        partner = pairing.mentor if actor.user.pk == pairing.mentee_id else pairing.mentee
        subject, message = {
            Report.Kind.INTERIM: (
                gettext_noop("Interim report submitted: %(pairing)s"),
                gettext_noop("%(name)s submitted the interim report of a pairing in "
                             "%(project)s.")),
            Report.Kind.NARRATIVE: (
                gettext_noop("Narrative report submitted: %(pairing)s"),
                gettext_noop("%(name)s submitted the narrative report of a pairing in "
                             "%(project)s.")),
        }[Report.Kind(kind)]
        pairing_tell(pairing, [*coordinators_of(pairing.project), partner], subject, message,
                     link=_report_link(report), name=actor.user.full_name)
    return report


@transaction.atomic
def report_review(*, actor: Actor, report: Report, accept: bool, comments: str) -> Report:
    """The coordinator accepts the report, or returns it with comments; a returned report is
    kept as it was, and its next version (a copy) opens for the pair. Accepting the narrative
    report completes the pairing once both participants gave their feedback."""
    pairing = pairing_locked(report.pairing)
    if not access.may(actor=actor, action="manage", obj=pairing.project):
        raise PermissionDenied
    report = Report.objects.for_org(pairing.organisation).select_for_update().get(pk=report.pk)
    if report.status != Report.Status.SUBMITTED:
        raise ValidationError(_("Only a submitted report is reviewed."))
    comments = comments.strip()
    if not accept and not comments:
        raise ValidationError({"comments": _("Say what should change.")})
    report.status = Report.Status.ACCEPTED if accept else Report.Status.RETURNED
    report.coordinator_comments = comments
    report.reviewed_by = actor.user
    report.reviewed_at = timezone.now()
    report.save()
    if not accept:
        Report.objects.create(
            organisation_id=pairing.organisation_id, pairing=pairing, kind=report.kind,
            version=report.version + 1, objectives=report.objectives,
            **{name: getattr(report, name) for name in Report.FIELDS[report.kind]},
        )
        compliance_keep(organisation=pairing.organisation, pairing_ids=[pairing.pk])
    # One message for each kind, so that each recipient reads all of it in their language.
    subject, message = {
        (Report.Kind.INTERIM, True): (
            gettext_noop("Interim report accepted: %(pairing)s"),
            gettext_noop("Your interim report in %(project)s was accepted.")),
        (Report.Kind.INTERIM, False): (
            gettext_noop("Interim report returned, to correct: %(pairing)s"),
            gettext_noop("Your interim report in %(project)s was returned: %(comments)s")),
        (Report.Kind.NARRATIVE, True): (
            gettext_noop("Narrative report accepted: %(pairing)s"),
            gettext_noop("Your narrative report in %(project)s was accepted.")),
        (Report.Kind.NARRATIVE, False): (
            gettext_noop("Narrative report returned, to correct: %(pairing)s"),
            gettext_noop("Your narrative report in %(project)s was returned: %(comments)s")),
    }[Report.Kind(report.kind), accept]
    pairing_tell(pairing, [pairing.mentee, pairing.mentor], subject, message,
                 link=_report_link(report), comments=comments)
    if accept and report.kind == Report.Kind.NARRATIVE:
        _complete_if_done(pairing, by=actor.user)
    return report


@transaction.atomic
def feedback_submit(*, actor: Actor, pairing: Pairing, satisfaction: int,
                    objectives_met: int, support_received: int, would_recommend: bool,
                    comments: str) -> Feedback:
    """A participant's own feedback, once, from the last month of the pairing."""
    pairing = pairing_locked(pairing)
    access.require(actor=actor, action="take_part", obj=pairing)
    reason = report_closed_reason(pairing, Report.Kind.NARRATIVE, approved_schedule(pairing))
    if reason:
        raise ValidationError(reason)
    if Feedback.objects.for_org(pairing.organisation).filter(
            pairing=pairing, author=actor.user).exists():
        raise ValidationError(_("You have already given your feedback."))
    feedback = Feedback(
        organisation_id=pairing.organisation_id, pairing=pairing, author=actor.user,
        satisfaction=satisfaction, objectives_met=objectives_met,
        support_received=support_received, would_recommend=would_recommend,
        comments=comments.strip(),
    )
    feedback.full_clean()
    feedback.save()
    compliance_keep(organisation=pairing.organisation, pairing_ids=[pairing.pk])
    _complete_if_done(pairing, by=actor.user)
    return feedback


@transaction.atomic
def pairing_complete_without_feedback(*, actor: Actor, pairing: Pairing,
                                      reason: str) -> Pairing:
    """The coordinator completes a pairing whose narrative report is accepted but whose
    feedback never came (a participant left the service, say): the reason is recorded."""
    pairing = pairing_locked(pairing)
    if not access.may(actor=actor, action="manage", obj=pairing.project):
        raise PermissionDenied
    if pairing.status != S.ACTIVE or not Report.objects.for_org(pairing.organisation).filter(
            pairing=pairing, kind=Report.Kind.NARRATIVE, status=Report.Status.ACCEPTED
    ).exists():
        raise ValidationError(_("A pairing is completed once its narrative report is "
                                "accepted."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the pairing is completed without all the "
                                           "feedback.")})
    pairing_transition(pairing=pairing, by=actor.user, to_status=S.COMPLETED,
                       mover=Mover.REPORTS, reason=reason.strip())
    _tell_completed(pairing)
    return pairing


def _complete_if_done(pairing: Pairing, *, by: User) -> None:
    """The narrative report accepted and both participants' feedback in: the pairing is
    completed. Called under the pairing's lock."""
    if pairing.status != S.ACTIVE:
        return
    accepted = Report.objects.for_org(pairing.organisation).filter(
        pairing=pairing, kind=Report.Kind.NARRATIVE, status=Report.Status.ACCEPTED).exists()
    authors = set(Feedback.objects.for_org(pairing.organisation).filter(pairing=pairing)
                  .values_list("author_id", flat=True))
    if accepted and authors >= {pairing.mentee_id, pairing.mentor_id}:
        pairing_transition(pairing=pairing, by=by, to_status=S.COMPLETED, mover=Mover.REPORTS)
        _tell_completed(pairing)


def _tell_completed(pairing: Pairing) -> None:
    pairing_tell(pairing, [pairing.mentee, pairing.mentor],
                 gettext_noop("Completed, your certificate is ready: %(pairing)s"),
                 gettext_noop("Your pairing in %(project)s is completed: thank you. Your "
                              "certificate of completion is on the pairing's page."))


# --- Outcomes: competencies and self-assessments ---------------------------------------------

def _competencies_locked(project: Project) -> list[Competency]:
    """The project's competencies, locked: two coordinators reordering at once take turns."""
    return list(Competency.objects.for_org(project.organisation).filter(project=project)
                .select_for_update().order_by("order", "pk"))


def _competency_clean(competency: Competency) -> None:
    for name in ("name", "description"):
        try:
            refuse_control_characters(getattr(competency, name))
        except ValidationError as error:
            raise ValidationError({name: error}) from error
    competency.full_clean()


@transaction.atomic
def competency_add(*, actor: Actor, project: Project, name: str,
                   description: str) -> Competency:
    """A competency the project's participants will rate themselves on, after the others."""
    access.require(actor=actor, action="manage", obj=project)
    existing = _competencies_locked(project)
    competency = Competency(organisation_id=project.organisation_id, project=project,
                            name=name.strip(), description=description.strip(),
                            order=max((c.order for c in existing), default=0) + 1)
    _competency_clean(competency)
    competency.save()
    return competency


@transaction.atomic
def competency_update(*, actor: Actor, competency: Competency, name: str,
                      description: str) -> Competency:
    """Renames or redescribes a competency. Past answers stay with it: a change of meaning
    should be a new competency (and this one retired)."""
    access.require(actor=actor, action="manage", obj=competency.project)
    _competencies_locked(competency.project)
    competency = Competency.objects.for_org(competency.organisation).get(pk=competency.pk)
    competency.name, competency.description = name.strip(), description.strip()
    _competency_clean(competency)
    competency.save(update_fields=["name", "description", "updated_at"])
    return competency


@transaction.atomic
def competency_move(*, actor: Actor, competency: Competency, up: bool) -> Competency:
    """Moves a competency one place up or down the order the forms ask them in."""
    access.require(actor=actor, action="manage", obj=competency.project)
    ordered = _competencies_locked(competency.project)
    index = next(i for i, c in enumerate(ordered) if c.pk == competency.pk)
    other = index - 1 if up else index + 1
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, item in enumerate(ordered, start=1):
        if item.order != position:
            item.order = position
            item.save(update_fields=["order", "updated_at"])
    return next(c for c in ordered if c.pk == competency.pk)


@transaction.atomic
def competency_retire(*, actor: Actor, competency: Competency, retire: bool) -> Competency:
    """A retired competency is no longer asked; the answers given on it stay, with their
    figures. Brought back, it is asked again."""
    access.require(actor=actor, action="manage", obj=competency.project)
    _competencies_locked(competency.project)
    competency = Competency.objects.for_org(competency.organisation).get(pk=competency.pk)
    competency.retired_at = timezone.now() if retire else None
    competency.save(update_fields=["retired_at", "updated_at"])
    return competency


@transaction.atomic
def self_assessment_submit(*, actor: Actor, pairing: Pairing, moment: str,
                           scores: dict[int, int | None], comments: str) -> SelfAssessment:
    """A participant's own scores (1 to 5) on each competency the project asks, once per
    moment. Every competency needs its score; each missing one is named next to it
    (`score_<competency id>`) and nothing is saved."""
    pairing = pairing_locked(pairing)
    access.require(actor=actor, action="take_part", obj=pairing)
    if moment not in SelfAssessment.Moment.values:
        raise ValidationError(_("There is no such self-assessment."))
    reason = self_assessment_closed_reason(pairing, moment, approved_schedule(pairing))
    if reason:
        raise ValidationError(reason)
    given = SelfAssessment.objects.for_org(pairing.organisation).filter(
        pairing=pairing, author=actor.user)
    if given.filter(moment=moment).exists():
        raise ValidationError(_("You have already given this self-assessment."))
    if moment == SelfAssessment.Moment.START and given.filter(
            moment=SelfAssessment.Moment.END).exists():
        raise ValidationError(_("The self-assessment at the end is given: the one at the "
                                "start is past."))
    competencies = project_competencies(pairing.project)
    if not competencies:
        raise ValidationError(_("This project asks no self-assessment."))
    errors: dict[str, list[str]] = {}
    for competency in competencies:
        score = scores.get(competency.pk)
        if score is None:
            errors[f"score_{competency.pk}"] = [_("Give a score from 1 to 5.")]
        elif not 1 <= score <= 5:
            errors[f"score_{competency.pk}"] = [_("A score is from 1 to 5.")]
    comments = comments.strip()
    try:
        refuse_control_characters(comments)
    except ValidationError as error:
        errors.setdefault("comments", []).extend(error.messages)
    if errors:
        raise ValidationError(errors)
    assessment = SelfAssessment(organisation_id=pairing.organisation_id, pairing=pairing,
                                author=actor.user, moment=moment, submitted_at=timezone.now(),
                                comments=comments)
    assessment.full_clean()
    assessment.save()
    # One save each (a handful of rows), not bulk_create: the history sees every answer.
    for competency in competencies:
        SelfAssessmentAnswer.objects.create(
            organisation_id=pairing.organisation_id, assessment=assessment,
            competency=competency, score=cast(int, scores[competency.pk]))
    return assessment


# --- Exports ----------------------------------------------------------------------------------

@transaction.atomic
def export_request(*, actor: Actor, kind: str, format: str, project: Project | None = None,
                   pairing: Pairing | None = None, params: dict | None = None) -> Export:
    """Queues a document to build in the background (after the commit, so that the worker
    finds the row), in the actor's organisation."""
    export = Export.objects.create(
        organisation=actor.organisation, requested_by=actor.user, kind=kind, format=format,
        project=project, pairing=pairing, params=params or {},
    )
    export_build.delay_on_commit(export.organisation_id, export.pk)  # type: ignore[attr-defined]  # Celery's Django fixup makes tasks DjangoTasks
    return export


# --- The organisation's look ------------------------------------------------------------------

@transaction.atomic
def organisation_branding_update(*, organisation: Organisation, colour: str,
                                 logo: bytes | None, logo_type: str,
                                 remove_logo: bool) -> Organisation:
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    organisation.colour = colour
    if remove_logo:
        organisation.logo, organisation.logo_type = b"", ""
    elif logo:
        organisation.logo, organisation.logo_type = logo, logo_type
    organisation.full_clean()
    organisation.save(update_fields=["colour", "logo", "logo_type"])
    return organisation


# --- Donor indicators -------------------------------------------------------------------------

@transaction.atomic
def indicator_save(*, actor: Actor, project: Project, indicator: Indicator | None,
                   metric: str, reference: str, target: Decimal, period_start: date,
                   period_end: date) -> Indicator:
    """Adds or changes one of the project's indicators (its coordinators and the admin)."""
    access.require(actor=actor, action="manage", obj=project)
    if indicator is None:
        indicator = Indicator(organisation=project.organisation, project=project)
    elif indicator.project_id != project.pk:
        raise PermissionDenied
    indicator.metric, indicator.reference, indicator.target = metric, reference, target
    indicator.period_start, indicator.period_end = period_start, period_end
    indicator.full_clean()
    indicator.save()
    return indicator


@transaction.atomic
def indicator_delete(*, actor: Actor, indicator: Indicator) -> None:
    access.require(actor=actor, action="manage", obj=indicator.project)
    indicator.delete()
