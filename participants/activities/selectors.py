"""Reads of activities, their invitations and the advisory board, and the figures the
dashboard, the highlights and the donors' indicators count."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from participants.activities.models import (
    Activity,
    ActivityDocument,
    ActivityParticipant,
    AdvisoryBoardMember,
)
from participants.models import Application, Membership, User
from programmes import access
from programmes.access import COORDINATE, NOMINATE
from programmes.actor import Actor, Role
from programmes.models import Organisation, Project

P = ActivityParticipant


def project_activities(*, project: Project) -> QuerySet[Activity]:
    """A project's activities, newest first, each with its invited and attended counts."""
    return (Activity.objects.for_org(project.organisation).filter(project=project)
            .select_related("country")
            .annotate(invited_count=Count("participants", distinct=True),
                      confirmed_count=Count("participants", distinct=True,
                                            filter=Q(participants__response=P.Response.CONFIRMED)),
                      attended_count=Count("participants", distinct=True,
                                           filter=Q(participants__attended=P.Attended.YES)))
            .order_by("-starts_on", "-pk"))


def activity_for_member(*, actor: Actor, pk: int, for_change: bool) -> Activity:
    """Another organisation's activity, and one the person neither follows nor is invited to,
    answer like a missing one (404); a member who sees it but may not change it gets 403."""
    activity = get_object_or_404(
        Activity.objects.for_org(actor.organisation).select_related("project", "country"), pk=pk)
    if not access.may(actor=actor, action="view", obj=activity):
        raise Http404
    if for_change:
        access.require(actor=actor, action="manage", obj=activity)
    return activity


def activity_participants(activity: Activity) -> list[ActivityParticipant]:
    return list(ActivityParticipant.objects.for_org(activity.organisation)
                .filter(activity=activity).select_related("person"))


def activity_documents(activity: Activity) -> list[ActivityDocument]:
    return list(ActivityDocument.objects.for_org(activity.organisation)
                .filter(activity=activity).select_related("uploaded_by"))


def document_for_member(*, actor: Actor, activity: Activity, pk: int) -> ActivityDocument:
    return get_object_or_404(
        ActivityDocument.objects.for_org(actor.organisation).filter(activity=activity), pk=pk)


def invitation_of(*, actor: Actor, activity: Activity) -> ActivityParticipant | None:
    return (ActivityParticipant.objects.for_org(actor.organisation)
            .filter(activity=activity, person_id=actor.user.pk).first())


def invitations_of(*, actor: Actor) -> QuerySet[ActivityParticipant]:
    """The activities the person is invited to in this organisation, the coming ones first."""
    return (ActivityParticipant.objects.for_org(actor.organisation)
            .filter(person_id=actor.user.pk)
            .select_related("activity__project", "activity__country")
            .order_by("-activity__ends_on", "activity__pk"))


def coming_invitations(*, actor: Actor, today: date | None = None
                       ) -> QuerySet[ActivityParticipant]:
    """What the person is invited to and is not over yet, the soonest first (their home)."""
    return (invitations_of(actor=actor)
            .filter(activity__ends_on__gte=today or timezone.localdate(),
                    activity__cancelled=False)
            .order_by("activity__starts_on", "activity__pk"))


def board_members(*, project: Project, on: date | None = None) -> QuerySet[AdvisoryBoardMember]:
    """The project's advisory board: everyone who ever sat on it, or those sitting on `on`."""
    members = (AdvisoryBoardMember.objects.for_org(project.organisation)
               .filter(project=project).select_related("person", "country"))
    if on is not None:
        members = members.filter(Q(until__isnull=True) | Q(until__gte=on), since__lte=on)
    return members


def board_member_for_manager(*, actor: Actor, project: Project, pk: int) -> AdvisoryBoardMember:
    return get_object_or_404(
        AdvisoryBoardMember.objects.for_org(actor.organisation).filter(project=project), pk=pk)


def invitable_people(*, project: Project) -> QuerySet[User]:
    """Who may be invited to the project's activities: the people of the organisation who take
    part in the project (its mentors and mentees, by their applications to its calls; its
    coordinators and focal points), its observers and its advisory board."""
    organisation = project.organisation
    members = Membership.objects.for_org(organisation)
    served = access.holders(projects=[project.pk], perm=COORDINATE)[project.pk] | access.holders(
        projects=[project.pk], perm=NOMINATE)[project.pk]
    applicants = (Application.objects.for_org(organisation)
                  .filter(call__project=project, applicant__isnull=False)
                  .exclude(status=Application.Status.WITHDRAWN).values("applicant"))
    board = board_members(project=project).values("person")
    people = members.filter(
        Q(role__in=[Role.MENTOR, Role.MENTEE], user__in=applicants)
        | Q(role__in=[Role.COORDINATOR, Role.FOCAL_POINT], user__in=served)
        | Q(role=Role.OBSERVER) | Q(user__in=board)).values("user")
    return User.objects.filter(pk__in=people, is_active=True).order_by("full_name", "pk")


def board_candidates(*, organisation: Organisation) -> QuerySet[User]:
    """Who may sit on an advisory board: any active member of the organisation (a
    representative joins it through an invitation, usually as an observer)."""
    return User.objects.filter(
        is_active=True,
        pk__in=Membership.objects.for_org(organisation).values("user")).order_by("full_name")


# --- Figures ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class KindFigures:
    kind: str
    label: str
    held: int
    invited: int
    attended: int

    @property
    def rate(self) -> float | None:
        return self.attended / self.invited if self.invited else None


@dataclass(frozen=True)
class ActivityFigures:
    """What a project's activities held in a period add up to.

    - held: activities not cancelled whose last day falls within the period;
    - invited: invitations to them, whatever the answer (declined ones included);
    - attended: invitees recorded as having attended;
    - attendance_rate: attended / invited, counting only the held activities whose attendance
      was recorded (at least one invitee marked attended or not attended), so an activity whose
      list is still to be filled in does not pull the rate down. None when nothing counts.
    - board_meetings: advisory board meetings among those held."""

    held: int = 0
    by_kind: list[KindFigures] = field(default_factory=list)
    invited: int = 0
    attended: int = 0
    recorded_invited: int = 0
    attendance_rate: float | None = None
    board_meetings: int = 0


def held_activities(*, project: Project, start: date | None,
                    end: date | None) -> QuerySet[Activity]:
    held = Activity.objects.for_org(project.organisation).filter(project=project,
                                                                  cancelled=False)
    if start is not None:
        held = held.filter(ends_on__gte=start)
    if end is not None:
        held = held.filter(ends_on__lte=end)
    return held


def activity_figures(*, project: Project, start: date | None, end: date | None,
                     today: date | None = None) -> ActivityFigures:
    """The activities held within [start, end] (see ActivityFigures), in two queries whatever
    their number. Activities ending after `today` (default: today) are not held yet."""
    today = today or timezone.localdate()
    end = min(end, today) if end is not None else today
    held = list(held_activities(project=project, start=start, end=end).values_list("pk", "kind"))
    if not held:
        return ActivityFigures()
    kinds = dict(held)
    invited: Counter[str] = Counter()
    attended: Counter[str] = Counter()
    recorded: set[int] = set()
    invited_by_activity: Counter[int] = Counter()
    attended_total = 0
    for activity_id, answer in (ActivityParticipant.objects.for_org(project.organisation)
                                .filter(activity__in=list(kinds))
                                .values_list("activity_id", "attended")):
        invited[kinds[activity_id]] += 1
        invited_by_activity[activity_id] += 1
        if answer != P.Attended.UNKNOWN:
            recorded.add(activity_id)
        if answer == P.Attended.YES:
            attended[kinds[activity_id]] += 1
            attended_total += 1
    recorded_invited = sum(invited_by_activity[pk] for pk in recorded)
    held_by_kind = Counter(kinds.values())
    labels = dict(Activity.Kind.choices)
    by_kind = [KindFigures(kind, str(labels[kind]), held_by_kind[kind], invited[kind],
                           attended[kind])
               for kind in Activity.Kind.values if held_by_kind[kind]]
    return ActivityFigures(
        held=len(kinds), by_kind=by_kind, invited=sum(invited.values()),
        attended=attended_total, recorded_invited=recorded_invited,
        attendance_rate=attended_total / recorded_invited if recorded_invited else None,
        board_meetings=held_by_kind[Activity.Kind.BOARD_MEETING])
