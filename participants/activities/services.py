"""Every write to activities: made and changed by the project's coordinators (or the
organisation's admins), who invite people, record attendance, attach documents and keep the
advisory board; answered by those invited."""

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from participants.activities import selectors
from participants.activities.models import (
    Activity,
    ActivityDocument,
    ActivityParticipant,
    AdvisoryBoardMember,
)
from participants.models import User
from participants.services import notify
from programmes import access
from programmes.actor import Actor
from programmes.models import Project

P = ActivityParticipant

ACTIVITY_FIELDS = ["kind", "title", "starts_on", "ends_on", "start_time", "online", "city",
                   "country", "description", "agenda", "minutes", "decisions", "cancelled"]


@transaction.atomic
def activity_save(*, actor: Actor, project: Project, activity: Activity | None,
                  fields: dict[str, Any], thematic_areas: Iterable[Any] = ()) -> Activity:
    """A coordinator records an activity of their project, or changes one. A new advisory
    board meeting invites the board's members sitting on its first day."""
    access.require(actor=actor, action="manage", obj=project)
    if activity is not None and activity.project_id != project.pk:
        raise PermissionDenied
    created = activity is None
    if activity is None:
        activity = Activity(organisation_id=project.organisation_id, project=project)
    for name in ACTIVITY_FIELDS:
        if name in fields:
            setattr(activity, name, fields[name])
    if activity.online:  # a place belongs to an activity held somewhere
        activity.city, activity.country = "", None
    elif not activity.city.strip():
        raise ValidationError({"city": _("Say where it is held, or tick “held online”.")})
    if activity.ends_on is not None and activity.starts_on is not None \
            and activity.ends_on < activity.starts_on:
        raise ValidationError({"ends_on": _("The last day cannot come before the first.")})
    if not activity.is_board_meeting:  # a board's record belongs to its meetings only
        activity.agenda = activity.minutes = activity.decisions = ""
    activity.title = activity.title.strip()
    activity.full_clean()
    activity.save()
    areas = list(thematic_areas)
    if any(area.project_id != project.pk for area in areas):
        raise ValidationError({"thematic_areas": _("Choose the project's own thematic areas.")})
    activity.thematic_areas.set(areas)
    if created and activity.is_board_meeting:
        members = selectors.board_members(project=project, on=activity.starts_on)
        participants_invite(actor=actor, activity=activity,
                            people=[member.person for member in members])
    return activity


@transaction.atomic
def participants_invite(*, actor: Actor, activity: Activity,
                        people: Iterable[User]) -> list[ActivityParticipant]:
    """Invites these people (each once; someone already invited is left as they are) and tells
    each in the app and by e-mail. Only people who take part in the project may be invited."""
    access.require(actor=actor, action="manage", obj=activity)
    people = list(people)
    allowed = set(selectors.invitable_people(project=activity.project)
                  .values_list("pk", flat=True))
    if any(person.pk not in allowed for person in people):
        raise ValidationError({"people": _("Invite only people who take part in the project.")})
    already = set(ActivityParticipant.objects.for_org(activity.organisation)
                  .filter(activity=activity).values_list("person_id", flat=True))
    made = []
    now = timezone.now()
    for person in people:
        if person.pk in already:
            continue
        already.add(person.pk)
        invitation = ActivityParticipant(
            organisation_id=activity.organisation_id, activity=activity, person=person,
            invited_at=now, invited_by=actor.user)
        invitation.full_clean()
        invitation.save()
        made.append(invitation)
        notify(user=person, organisation=activity.organisation,
               subject=gettext_lazy("Invitation: %(title)s"),
               message=gettext_lazy("You are invited to %(title)s (%(project)s), from "
                                    "%(day)s. Please confirm or decline."),
               params={"title": activity.title, "project": activity.project.name,
                       "day": activity.starts_on},
               link=reverse("activity_detail", args=[activity.organisation.slug, activity.pk]))
    return made


@transaction.atomic
def participant_respond(*, actor: Actor, activity: Activity, confirm: bool) -> ActivityParticipant:
    """The person invited confirms or declines; they may change their mind until it is over."""
    invitation = (ActivityParticipant.objects.for_org(activity.organisation).select_for_update()
                  .filter(activity=activity, person_id=actor.user.pk).first())
    if invitation is None:
        raise PermissionDenied
    if activity.cancelled:
        raise ValidationError(_("This activity is cancelled."))
    if activity.ends_on < timezone.localdate():
        raise ValidationError(_("This activity is over: it no longer takes answers."))
    invitation.response = P.Response.CONFIRMED if confirm else P.Response.DECLINED
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["response", "responded_at", "updated_at"])
    return invitation


@transaction.atomic
def attendance_record(*, actor: Actor, activity: Activity,
                      attended: dict[int, str]) -> int:
    """The coordinator records who attended: `attended` gives, by invitation id, yes, no or
    unknown. Recorded once the activity has begun. Returns how many changed."""
    access.require(actor=actor, action="manage", obj=activity)
    if activity.starts_on > timezone.localdate():
        raise ValidationError(_("Attendance is recorded once the activity has begun."))
    if any(value not in P.Attended.values for value in attended.values()):
        raise ValidationError(_("Choose attended, did not attend or not recorded."))
    changed = 0
    for invitation in (ActivityParticipant.objects.for_org(activity.organisation)
                       .select_for_update().filter(activity=activity, pk__in=list(attended))):
        if invitation.attended != attended[invitation.pk]:
            invitation.attended = attended[invitation.pk]
            invitation.save(update_fields=["attended", "updated_at"])
            changed += 1
    return changed


@transaction.atomic
def document_add(*, actor: Actor, activity: Activity, title: str, file: Any,
                 content_type: str) -> ActivityDocument:
    """Attaches a document the form has checked (type and size)."""
    access.require(actor=actor, action="manage", obj=activity)
    document = ActivityDocument(organisation_id=activity.organisation_id, activity=activity,
                                title=title.strip(), file=file, content_type=content_type,
                                uploaded_by=actor.user)
    document.full_clean()
    document.save()
    return document


@transaction.atomic
def document_delete(*, actor: Actor, document: ActivityDocument) -> None:
    access.require(actor=actor, action="manage", obj=document.activity)
    file = document.file
    name = file.name
    document.delete()
    if name:
        transaction.on_commit(lambda: file.storage.delete(name))


@transaction.atomic
def board_member_add(*, actor: Actor, project: Project, person: User, fields: dict[str, Any]
                     ) -> AdvisoryBoardMember:
    """Adds a representative to the project's advisory board. Someone already sitting on it
    is refused."""
    access.require(actor=actor, action="manage", obj=project)
    if not selectors.board_candidates(organisation=project.organisation).filter(
            pk=person.pk).exists():
        raise ValidationError({"person": _("Choose a member of the organisation.")})
    if selectors.board_members(project=project, on=fields["since"]).filter(
            person=person).exists():
        raise ValidationError({"person": _("%(name)s already sits on the board.")
                               % {"name": person}})
    member = AdvisoryBoardMember(organisation_id=project.organisation_id, project=project,
                                 person=person, country=fields.get("country"),
                                 role=fields.get("role", "").strip(), since=fields["since"],
                                 until=fields.get("until"))
    member.full_clean()
    member.save()
    return member


@transaction.atomic
def board_member_end(*, actor: Actor, member: AdvisoryBoardMember,
                     until: date | None = None) -> AdvisoryBoardMember:
    """Ends a membership of the board: the person stays in its history, no longer invited."""
    access.require(actor=actor, action="manage", obj=member.project)
    until = until or timezone.localdate()
    if member.until is not None and member.until <= until:
        raise ValidationError(_("This membership has already ended."))
    if until < member.since:
        raise ValidationError(_("A membership cannot end before it began."))
    member.until = until
    member.save(update_fields=["until", "updated_at"])
    return member
