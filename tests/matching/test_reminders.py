"""Reminders: planned as rows with unique keys, sent once. The time-travel test walks a 12-month
pairing day by day through its whole life and checks every reminder sent, no more, no fewer."""

import smtplib
from datetime import date, timedelta
from unittest import mock

from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from matching.meetings.services import meeting_save
from matching.models import Meeting, Pairing, Reminder
from matching.pairings.services import pairing_move, pairing_respond
from matching.plans.services import plan_review
from matching.proposals.services import pairing_propose
from matching.reminders.services import reminders_plan, reminders_send
from participants.models import Notification
from tests.factories import MembershipFactory
from tests.helpers import START, World, active_pairing, as_actor, at_nine, revision_signed


def log(pairing: Pairing, day: date, *, in_person: bool = False) -> Meeting:
    return meeting_save(actor=as_actor(pairing.mentee), pairing=pairing, meeting=None, today=day,
                        fields={"kind": "in_person" if in_person else "online", "day": day,
                                "duration_minutes": 60, "topics": "Asset tracing",
                                "notes": "", "city": "Rabat" if in_person else "",
                                "country": None, "funded": in_person, "cost_amount": None,
                                "cost_currency": ""})


def test_a_year_of_a_pairing_day_by_day(world: World):
    pairing = active_pairing(world)
    mail.outbox.clear()
    Notification.unscoped.all().delete()
    # Online meetings on the 20th of every month but April, July and December, so months 4
    # (15 April to 14 May), 7 and 12 go without; visits on 10 March (the first, in time) and
    # 1 September. The visit planned for 10 June does not take place.
    online = {date(2027, month, 20) for month in (1, 2, 3, 5, 6, 8, 9, 10, 11)}
    visits = {date(2027, 3, 10), date(2027, 9, 1)}
    sent: list[tuple[date, str, int, str]] = []
    day = START
    while day <= date(2028, 3, 31):
        if day in online:
            log(pairing, day)
        if day in visits:
            log(pairing, day, in_person=True)
        before = len(mail.outbox)
        reminders_plan(now=at_nine(day))
        reminders_send(now=at_nine(day))
        reminders_plan(now=at_nine(day) + timedelta(hours=1))  # the next hourly scan: no more
        reminders_send(now=at_nine(day) + timedelta(hours=1))
        for message in mail.outbox[before:]:
            reminder = Reminder.unscoped.get(
                pk=int(message.extra_headers["Message-ID"].split("-")[2].split("@")[0]))
            who = {pairing.mentee_id: "mentee", pairing.mentor_id: "mentor"}.get(
                reminder.recipient_id, "coordinator")
            sent.append((day, reminder.kind, reminder.period, who))
        day += timedelta(days=1)

    both = ("mentee", "mentor")
    expected = [
        # Month 4 (15 April to 14 May) has no online meeting: reminded 6 days before its end.
        *[(date(2027, 5, 8), "online_meeting", 4, who) for who in both],
        # Period 2 (15 April to 14 July): the visit planned for 10 June did not happen.
        *[(date(2027, 6, 15), "visit", 2, who) for who in both],
        *[(date(2027, 8, 8), "online_meeting", 7, who) for who in both],
        # The interim report (due at the halfway mark, 16 July; 14 days' grace).
        *[(date(2027, 7, 9), "interim_before", 0, who) for who in both],
        *[(date(2027, 7, 16), "interim_due", 0, who) for who in both],
        *[(date(2027, 7, 31), "interim_late", 0, who) for who in both],
        # Period 4 (15 October to 14 January) has no visit and none planned.
        *[(date(2027, 12, 16), "visit", 4, who) for who in both],
        *[(date(2028, 1, 8), "online_meeting", 12, who) for who in both],
        # The narrative report and feedback: due 30 days after the end (13 February).
        *[(date(2028, 2, 6), "narrative_before", 0, who) for who in both],
        *[(date(2028, 2, 13), "narrative_due", 0, who) for who in both],
        *[(date(2028, 2, 28), "narrative_late", 0, who) for who in both],
    ]
    # The coordinator's weekly digest, from the first week with something late (month 4 missed,
    # from 15 May 2027) to the end of the walk: the first scan of each week.
    first_late = date(2027, 5, 15)
    digest_days = [first_late] + [
        d for d in (first_late + timedelta(days=n) for n in range(1, 400))
        if d.weekday() == 0 and d <= date(2028, 3, 31)]
    expected += [(d, "digest", (d.toordinal() - 1) // 7, "coordinator") for d in digest_days]
    assert sorted(sent) == sorted(expected)
    # Each reminder is also in the app, once, in its recipient's list.
    assert Notification.unscoped.count() == len(expected)
    assert Reminder.unscoped.filter(status="sent").count() == len(expected)
    assert Reminder.unscoped.exclude(status="sent").count() == 0


def test_the_scan_reads_a_fixed_number_of_queries_whatever_the_pairings(world: World):
    def scan_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            reminders_plan(now=at_nine(date(2027, 5, 9)))
        return len(captured)

    def grow(n: int) -> None:
        for _ in range(n):
            active_pairing(world, mentee=MembershipFactory(organisation=world.org,
                                                           role="mentee").user,
                           mentor=MembershipFactory(organisation=world.org, role="mentor").user)

    grow(2)
    small = scan_queries()
    grow(10)
    assert scan_queries() == small
    # Each of the 12 pairings missed month 4 and has no first visit: 2 reminders of each to 2
    # people, planned once however often the scan runs.
    assert Reminder.unscoped.filter(kind="online_meeting").count() == 24
    reminders_plan(now=at_nine(date(2027, 5, 9)))
    assert Reminder.unscoped.filter(kind="online_meeting").count() == 24


def test_a_failed_mail_is_retried_later_with_backoff_and_never_doubled(world: World):
    pairing = active_pairing(world)
    now = at_nine(date(2027, 5, 9))
    reminders_plan(now=now)
    mail.outbox.clear()
    Notification.unscoped.all().delete()
    # Month 4 has no online meeting and the first visit is late: 2 reminders each to the pair,
    # and the coordinator's weekly digest.
    with mock.patch("django.core.mail.EmailMultiAlternatives.send",
                    side_effect=smtplib.SMTPServerDisconnected("connection lost")):
        assert reminders_send(now=now) == 5
    assert {(r.status, r.attempts) for r in Reminder.unscoped.all()} == {("pending", 1)}
    assert "connection lost" in Reminder.unscoped.first().last_error
    assert Notification.unscoped.filter(user=pairing.mentee).count() == 0  # rolled back with it
    assert reminders_send(now=now + timedelta(minutes=1)) == 0  # not yet: backoff
    assert reminders_send(now=now + timedelta(minutes=2)) == 5
    assert len(mail.outbox) == 5
    assert reminders_send(now=now + timedelta(hours=5)) == 0
    assert len(mail.outbox) == 5
    assert Notification.unscoped.filter(user=pairing.mentee).count() == 2


def test_a_reminder_speaks_the_recipients_language(world: World):
    world.people["mentee"].language = "fr"
    world.people["mentee"].save()
    active_pairing(world)
    mail.outbox.clear()
    reminders_plan(now=at_nine(date(2027, 5, 9)))
    reminders_send(now=at_nine(date(2027, 5, 9)))
    french = next(m for m in mail.outbox if m.to == [world.people["mentee"].email])
    assert "Aucune réunion en ligne" in french.body
    assert french.alternatives[0][1] == "text/html" and 'lang="fr"' in \
        french.alternatives[0][0]
    english = next(m for m in mail.outbox if m.to == [world.people["mentor"].email])
    assert "No online meeting is logged yet" in english.body
    # The subject says what is due and with whom, in each one's language.
    assert english.subject == (f"CEPOL mentoring · Online meeting of the month: your pairing "
                               f"with {world.people['mentee']}")
    assert "Réunion en ligne du mois" in french.subject
    assert str(world.people["mentor"]) in french.subject


def test_focal_points_are_reminded_of_a_call_deadline_once(world: World):
    world.call.deadline = timezone.now() + timedelta(days=5)
    world.call.save()
    mail.outbox.clear()
    for hour in range(3):
        reminders_plan(now=timezone.now() + timedelta(hours=hour))
        reminders_send(now=timezone.now() + timedelta(hours=hour))
    assert [m.to for m in mail.outbox] == [[world.people["focal_point"].email]]
    assert "closes on" in mail.outbox[0].body
    assert mail.outbox[0].subject == f"CEPOL mentoring · Call deadline: {world.call.title}"


def test_a_plan_not_agreed_is_reminded_weekly_from_the_second_week(world: World):
    from matching.models import PairingEvent

    pairing = pairing_propose(actor=as_actor(world.people["coordinator"]), project=world.project,
                              mentee=world.people["mentee"], mentor=world.people["mentor"])
    for person in (pairing.mentee, pairing.mentor):
        pairing = pairing_respond(actor=as_actor(person), pairing=pairing, accept=True)
    accepted = at_nine(date(2027, 1, 4))
    PairingEvent.unscoped.filter(pairing=pairing, to_status="accepted").update(created_at=accepted)
    mail.outbox.clear()
    sent = []
    for offset in range(0, 60):
        day = date(2027, 1, 4) + timedelta(days=offset)
        before = len(mail.outbox)
        reminders_plan(now=at_nine(day))
        reminders_send(now=at_nine(day))
        sent += [(day, m.to[0]) for m in mail.outbox[before:]]
    # Weeks 2 to 5 after both accepted, to both of them: 4 reminders each, then no more.
    expected_days = [date(2027, 1, 18), date(2027, 1, 25), date(2027, 2, 1), date(2027, 2, 8)]
    assert sorted(sent) == sorted((d, email) for d in expected_days
                                  for email in (pairing.mentee.email, pairing.mentor.email))


def test_a_reminder_of_a_pairing_ended_meanwhile_is_not_sent(world: World):
    pairing = active_pairing(world)
    reminders_plan(now=at_nine(date(2027, 5, 9)))
    pairing_move(actor=as_actor(world.people["coordinator"]), pairing=pairing,
                 to_status="ended_early", reason="The mentee left the service.")
    mail.outbox.clear()
    reminders_send(now=at_nine(date(2027, 5, 9)))
    # Only the coordinator's digest goes (it is about the project, not this pairing).
    assert [m.to for m in mail.outbox] == [[world.people["coordinator"].email]]
    assert set(Reminder.unscoped.filter(pairing=pairing).values_list("status", flat=True)) == {
        "cancelled"}


def test_an_approved_revision_that_moves_the_calendar_gets_its_own_reminders(world: World):
    pairing = active_pairing(world)
    reminders_plan(now=at_nine(date(2027, 7, 9)))  # interim report a week ahead
    assert Reminder.unscoped.filter(kind="interim_before").count() == 2
    revision_signed(pairing, months=10)
    plan_review(actor=as_actor(world.people["coordinator"]), pairing=pairing, approve=True)
    # Ten months: the halfway mark moves to 15 June (14 days' grace), so on 9 July the report
    # is late: reminded as such, although the old calendar's "a week ahead" went out.
    reminders_plan(now=at_nine(date(2027, 7, 9)))
    assert Reminder.unscoped.filter(kind="interim_late").count() == 2


def test_a_broken_message_does_not_hold_back_the_others(world: World):
    active_pairing(world)
    reminders_plan(now=at_nine(date(2027, 5, 9)))
    broken = Reminder.unscoped.filter(kind="online_meeting").first()
    broken.params = {}  # its sentence needs a date: rendering it fails
    broken.save()
    mail.outbox.clear()
    reminders_send(now=at_nine(date(2027, 5, 9)))
    broken.refresh_from_db()
    assert (broken.status, broken.attempts) == ("pending", 1)
    assert "KeyError" in broken.last_error
    assert len(mail.outbox) == Reminder.unscoped.filter(status="sent").count() == 4
