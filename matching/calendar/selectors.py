"""A person's calendar: the dates of their own pairings, and whose feed a secret opens."""

from collections.abc import Iterable
from datetime import timedelta

from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from matching.calendar.ics import Event
from matching.models import ActivityPlan, Pairing
from matching.schedule import Schedule
from participants.models import (
    ActivityParticipant,
    Membership,
    User,
    hash_token,
)

S = Pairing.Status


def calendar_events(user: User) -> list[Event]:
    """A person's own pairings in every organisation, as calendar events: start, first visit
    deadline, planned visits, interim report, end, narrative report and feedback. In the
    person's language."""
    # Only where the person is still a member: leaving an organisation ends its feed too.
    member_of = Membership.unscoped.filter(user=user).values("organisation_id")
    pairings = (Pairing.unscoped.filter(Q(mentor=user) | Q(mentee=user))
                .filter(status__in=[S.PLAN_AGREED, S.ACTIVE, S.COMPLETED],
                        organisation__in=member_of)
                .select_related("project", "mentor", "mentee"))
    plans = {plan.pairing_id: plan for plan in ActivityPlan.unscoped.filter(
        pairing__in=pairings, status=ActivityPlan.Status.APPROVED).prefetch_related("visits")}
    events: list[Event] = []
    with translation.override(user.language):
        for pairing in pairings:
            plan = plans.get(pairing.pk)
            if plan is None:
                continue
            partner = pairing.mentee if user.pk == pairing.mentor_id else pairing.mentor
            schedule = Schedule(plan.start, plan.duration_months)
            rules = pairing.project.rules
            where = _("%(project)s, with %(name)s") % {"project": pairing.project.name,
                                                       "name": partner}
            dated = [
                ("start", schedule.start, _("Pairing starts")),
                ("first-visit", schedule.first_months_end(rules.first_visit_within_months),
                 _("First in-person visit due")),
                ("interim", schedule.halfway, _("Interim report due")),
                ("end", schedule.end, _("Pairing ends")),
                ("narrative", schedule.end + timedelta(days=rules.narrative_report_due_days),
                 _("Narrative report and feedback due")),
            ]
            dated += [(f"visit-{visit.pk}", visit.day,
                       _("Planned visit: %(place)s") % {"place": visit.place})
                      for visit in plan.visits.all()]
            events += [Event(uid=f"pairing-{pairing.pk}-{key}", day=day,
                             summary=f"{summary} ({pairing.project.name})", description=where)
                       for key, day, summary in dated]
        # The programme activities the person is invited to and has not declined.
        events += _activity_events(
            ActivityParticipant.unscoped.filter(person=user, organisation__in=member_of,
                                                activity__cancelled=False)
            .exclude(response=ActivityParticipant.Response.DECLINED)
            .select_related("activity__project", "activity__country"))
    return sorted(events, key=lambda event: (event.day, event.uid))


def _activity_events(invitations: Iterable[ActivityParticipant]) -> list[Event]:
    """Activities from their first to their last day, with their place or "Online"."""
    events = []
    for invitation in invitations:
        activity = invitation.activity
        when = (_("Starts at %(time)s.") % {"time": f"{activity.start_time:%H:%M}"}
                if activity.start_time else "")
        events.append(Event(
            uid=f"activity-{activity.pk}", day=activity.starts_on, last_day=activity.ends_on,
            summary=f"{activity.title} ({activity.project.name})",
            description=" ".join(part for part in (
                str(activity.get_kind_display()), activity.place, when) if part),
            location=activity.place))
    return events


def calendar_owner(token: str) -> User | None:
    """Whose calendar feed this secret opens; nobody for an empty, wrong or renewed one."""
    if not token:
        return None
    return User.objects.filter(calendar_token_hash=hash_token(token), is_active=True).first()
