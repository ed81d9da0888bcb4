"""The kept compliance (PairingCompliance): every action that counts changes what the pages show,
time passing does too, and the kept state never drifts from a full recomputation: neither on
the days time alone leaves it standing (compliance.changes_on) nor through a random year of
meetings and reports in many pairings."""

from datetime import date, datetime, time, timedelta

import time_machine
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching.hooks import reporting
from matching.meetings import compliance as rules_of
from matching.meetings.compliance import Held, as_json, changes_on, compliance, pairing_reminders
from matching.meetings.services import compliance_keep, meeting_confirm
from matching.meetings.services import meeting_save as meeting_save_service
from matching.models import ActivityPlan, Meeting, Pairing, PairingCompliance, Reminder
from matching.plans.services import plan_review
from matching.reminders.services import compliance_refresh, reminders_plan, reminders_send
from matching.schedule import Schedule
from participants.models import Notification
from programmes.privacy.models import AuditEntry
from programmes.rules import Rules
from reporting.models import Feedback
from tests.factories import (
    FeedbackFactory,
    MeetingFactory,
    MembershipFactory,
    ReportFactory,
    ThematicAreaFactory,
)
from tests.helpers import (
    OBJECTIVES,
    START,
    World,
    active_pairing,
    as_actor,
    at_nine,
    revision_signed,
    submitted,
)


def moment(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10)))


def shown(client_as, world: World, pairing: Pairing):
    """The pairing's row of the compliance table, as the coordinator sees it (signed in on the
    day, since the clock travels months)."""
    page = client_as(world.people["coordinator"]).get(
        reverse("compliance_table", args=[world.org.slug, world.project.slug]))
    assert page.status_code == 200
    return next(row for row in page.context["rows"] if row.pairing == pairing), page


def log(pairing: Pairing, day: date, *, meeting: Meeting | None = None,
        in_person: bool = False, by=None) -> Meeting:
    return meeting_save_service(
        actor=as_actor(by or pairing.mentee), pairing=pairing, meeting=meeting, fields={
            "kind": "in_person" if in_person else "online", "day": day,
            "duration_minutes": 60, "topics": "Asset tracing", "notes": "",
            "city": "Rabat" if in_person else "", "country": None, "funded": False,
            "cost_amount": None, "cost_currency": ""})


# --- Each thing that counts changes what is shown ---------------------------------------------

def test_meetings_logged_corrected_and_confirmed_a_plan_approved_a_report_and_a_month_passing(
        world: World, client_as):
    pairing = active_pairing(world)  # 12 months from 15 January 2027
    coordinator = client_as
    with time_machine.travel(moment(date(2027, 5, 10)), tick=False):
        row, page = shown(coordinator, world, pairing)  # kept on first sight
        assert row.state.late == ["month-1", "month-2", "month-3", "period-1", "first-visit"]

        meeting = log(pairing, date(2027, 2, 20))  # month 2: 15 February to 14 March
        row, page = shown(coordinator, world, pairing)
        assert row.state.late == ["month-1", "month-3", "period-1", "first-visit"]
        assert row.to_confirm == 1 and "1 meeting to confirm" in page.content.decode()

        # The mentor corrects the day into month 1; the mentee then confirms the correction.
        # A correction counts only once confirmed: until then the two disagree.
        meeting = log(pairing, date(2027, 1, 20), meeting=meeting, by=pairing.mentor)
        row, _page = shown(coordinator, world, pairing)
        assert row.state.late == ["month-1", "month-2", "month-3", "period-1", "first-visit"]
        meeting_confirm(actor=as_actor(pairing.mentee), meeting=meeting)
        row, page = shown(coordinator, world, pairing)
        assert row.state.late == ["month-2", "month-3", "period-1", "first-visit"]
        assert row.to_confirm == 0 and "meeting to confirm" not in page.content.decode()

        # A revision of the plan, ten months instead of twelve, approved by the coordinator.
        revision_signed(pairing, months=10)
        row, _page = shown(coordinator, world, pairing)
        assert len(row.state.months) == 12  # not approved yet
        plan_review(actor=as_actor(world.people["coordinator"]), pairing=pairing, approve=True)
        row, _page = shown(coordinator, world, pairing)
        assert len(row.state.months) == 10
        assert row.state.interim_report.due == date(2027, 6, 15)

    # Ten months: the interim report was due on 15 June, late after 29 June.
    with time_machine.travel(moment(date(2027, 7, 20)), tick=False):
        row, _page = shown(coordinator, world, pairing)
        assert row.state.interim_report.state == "late" and "interim-report" in row.state.late
        ActivityPlan.unscoped.filter(pairing=pairing, status="approved").update(
            objectives=OBJECTIVES)
        submitted(world, pairing)
        row, _page = shown(coordinator, world, pairing)
        assert row.state.interim_report.state == "late"  # handed in, after its grace
        assert row.state.interim_report.held == date(2027, 7, 20)
        assert "interim-report" in row.state.late

    # A month passes with nothing logged: the next page shows it missed, and so does the scan.
    before = PairingCompliance.objects.for_org(world.org).get(pairing=pairing)
    with time_machine.travel(moment(date(2027, 8, 15)), tick=False):
        row, _page = shown(coordinator, world, pairing)
        assert "month-6" in row.state.late  # 15 July to 14 August
    PairingCompliance.objects.for_org(world.org).filter(pk=before.pk).update(
        detail=before.detail, checked_on=before.checked_on, changes_on=before.changes_on,
        late_count=before.late_count)
    reminders_plan(now=at_nine(date(2027, 8, 15)))
    kept = PairingCompliance.objects.for_org(world.org).get(pairing=pairing)
    assert kept.checked_on == date(2027, 8, 15) and "month-6" in kept.detail["late"]


def test_the_dashboard_counts_what_is_late_from_the_kept_compliance(world: World, client_as):
    late = active_pairing(world)
    keeping = active_pairing(world, mentee=MembershipFactory(
        organisation=world.org, role="mentee").user, mentor=MembershipFactory(
        organisation=world.org, role="mentor").user)
    with time_machine.travel(moment(date(2027, 3, 20)), tick=False):
        for day in (date(2027, 1, 20), date(2027, 2, 20)):
            log(keeping, day)
        log(keeping, date(2027, 3, 10), in_person=True)
        page = client_as(world.people["coordinator"]).get(
            reverse("dashboard", args=[world.org.slug, world.project.slug]))
    figures = page.context["figures"]
    assert (figures.on_track, figures.behind) == (1, 1)
    assert figures.late_items == [("Months without an online meeting", 2)]
    assert PairingCompliance.objects.for_org(world.org).get(pairing=late).late_months == 2


# --- Sending costs two queries a reminder -----------------------------------------------------

def test_sending_costs_two_queries_a_reminder_whatever_the_batch(world: World):
    def grow(n: int) -> None:
        for _ in range(n):
            active_pairing(world, mentee=MembershipFactory(organisation=world.org,
                                                           role="mentee").user,
                           mentor=MembershipFactory(organisation=world.org, role="mentor").user)

    def send_queries() -> tuple[int, int]:
        reminders_plan(now=at_nine(date(2027, 5, 9)))
        due = Reminder.unscoped.filter(status="pending").count()
        with CaptureQueriesContext(connection) as captured:
            reminders_send(now=at_nine(date(2027, 5, 9)), limit=10_000)
        assert not Reminder.unscoped.filter(status="pending").exists()
        # Each reminder's transaction is a savepoint inside the test's own: in production it
        # is BEGIN and COMMIT, which are not queries.
        return len([q for q in captured if not q["sql"].startswith(
            ("SAVEPOINT", "RELEASE SAVEPOINT"))]), due

    grow(1)
    small, small_due = send_queries()
    Reminder.unscoped.all().delete()
    grow(9)
    large, large_due = send_queries()
    assert large_due > small_due
    # At most two (the content types the batch's audit entries name may be cached already).
    assert (large - small) <= 2 * (large_due - small_due)
    # The trail still has each: the reminder marked sent and its notification, written with the
    # batch.
    sent = Reminder.unscoped.filter(status="sent")
    assert sent.count() == large_due
    entries = AuditEntry.objects.for_org(world.org)
    assert set(entries.filter(content_type=ContentType.objects.get_for_model(Reminder),
                              action=AuditEntry.Action.UPDATE, changes__status__1="sent")
               .values_list("object_id", flat=True)) >= set(sent.values_list("pk", flat=True))
    assert entries.filter(content_type=ContentType.objects.get_for_model(Notification),
                          action=AuditEntry.Action.CREATE).count() >= large_due + small_due


# --- Time alone changes nothing before changes_on ----------------------------------------------

days_in = st.integers(min_value=0, max_value=420)


@settings(max_examples=60, deadline=None)
@given(start=st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 12, 31)),
       months=st.integers(min_value=1, max_value=14),
       online=st.lists(days_in, max_size=14), visits=st.lists(days_in, max_size=4),
       planned=st.lists(days_in, max_size=4),
       interim=st.none() | days_in, narrative=st.none() | days_in,
       per_month=st.integers(min_value=1, max_value=2),
       visit_months=st.sampled_from([2, 3, 4]))
def test_time_alone_changes_nothing_before_the_day_the_kept_state_names(
        start, months, online, visits, planned, interim, narrative, per_month, visit_months):
    schedule = Schedule(start, months)
    rules = Rules(online_meetings_per_month=per_month, funded_visit_period_months=visit_months)
    held = ([Held(start + timedelta(days=d), False) for d in online]
            + [Held(start + timedelta(days=d), True) for d in visits])

    def at(day: date):
        state = compliance(
            schedule=schedule, held=held,
            planned_visits=[start + timedelta(days=d) for d in planned],
            meetings_a_month=per_month, rules=rules, today=day,
            interim_done=start + timedelta(days=interim) if interim is not None else None,
            narrative_done=start + timedelta(days=narrative) if narrative is not None else None)
        return state, (as_json(state), pairing_reminders(state=state, schedule=schedule,
                                                          held=held, today=day))

    day = start - timedelta(days=45)
    state, seen = at(day)
    last = schedule.end + timedelta(days=120)
    while day <= last:
        following = changes_on(state=state, today=day)
        stop = min(following or last + timedelta(days=1), last + timedelta(days=1))
        for between in (day + timedelta(days=n) for n in range(1, (stop - day).days)):
            assert at(between)[1] == seen, (day, between, following)
        if following is None:
            break
        day = following
        state, seen = at(day)


# --- Through a random year of many pairings -----------------------------------------------------

pairing_year = st.fixed_dictionaries({
    "online": st.lists(st.integers(min_value=0, max_value=330), max_size=10),
    "visits": st.lists(st.integers(min_value=0, max_value=330), max_size=3),
    "interim": st.none() | st.integers(min_value=120, max_value=260),
    "narrative": st.none() | st.integers(min_value=330, max_value=420),
})


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(years=st.lists(pairing_year, min_size=1, max_size=6),
       scans=st.lists(st.integers(min_value=-20, max_value=430), min_size=3, max_size=12))
def test_the_kept_compliance_equals_a_full_recomputation_through_a_random_year(
        world: World, years, scans):
    """Meetings and reports come on random days, each kept as its service keeps it; the scan
    runs on other random days. On every scan day, every pairing's kept state, late counts and
    reminders due equal a recomputation from scratch."""
    with transaction.atomic():
        pairings = [active_pairing(world, mentee=MembershipFactory(
            organisation=world.org, role="mentee").user, mentor=MembershipFactory(
            organisation=world.org, role="mentor").user) for _year in years]
        events: list[tuple[date, int, str]] = []
        for index, year in enumerate(years):
            events += [(START + timedelta(days=d), index, "online") for d in year["online"]]
            events += [(START + timedelta(days=d), index, "visit") for d in year["visits"]]
            for kind in ("interim", "narrative"):
                if year[kind] is not None:
                    events.append((START + timedelta(days=year[kind]), index, kind))
        checks = sorted({START + timedelta(days=d) for d in scans})
        for day in sorted({*checks, *(event[0] for event in events)}):
            for _day, index, what in (e for e in events if e[0] == day):
                _happen(pairings[index], what, day)
                compliance_keep(organisation=world.org, pairing_ids=[pairings[index].pk],
                                today=day)
            if day in checks:
                compliance_refresh(day)
                for pairing in pairings:
                    _assert_kept_is_recomputed(pairing, day)
        transaction.set_rollback(True)


def _happen(pairing: Pairing, what: str, day: date) -> None:
    if what in ("online", "visit"):
        MeetingFactory(pairing=pairing, day=day, kind="online" if what == "online"
                       else "in_person")
    elif what == "interim":
        ReportFactory(pairing=pairing, kind="interim", status="submitted",
                      submitted_at=moment(day))
    else:
        ReportFactory(pairing=pairing, kind="narrative", status="submitted",
                      submitted_at=moment(day))
        for author in (pairing.mentee, pairing.mentor):
            FeedbackFactory(pairing=pairing, author=author)
        Feedback.objects.for_org(pairing.organisation).filter(pairing=pairing).update(
            created_at=moment(day))


def _assert_kept_is_recomputed(pairing: Pairing, day: date) -> None:
    plan = ActivityPlan.objects.for_org(pairing.organisation).get(pairing=pairing,
                                                                  status="approved")
    schedule = Schedule(plan.start, plan.duration_months)
    held = [Held(m.day, m.kind == Meeting.Kind.IN_PERSON)
            for m in Meeting.objects.for_org(pairing.organisation).filter(pairing=pairing)
            if m.counts]
    reports = reporting().handed_in([pairing.pk])[pairing.pk]
    fresh = compliance(schedule=schedule, held=held,
                       planned_visits=[visit.day for visit in plan.visits.all()],
                       meetings_a_month=plan.online_meetings_per_month,
                       rules=pairing.project.rules, today=day, interim_done=reports.interim,
                       narrative_done=reports.narrative)
    due = pairing_reminders(state=fresh, schedule=schedule, held=held, today=day)
    kept = PairingCompliance.objects.for_org(pairing.organisation).get(pairing=pairing)
    assert kept.detail == as_json(fresh), day
    assert kept.late_count == fresh.late_count
    assert kept.late_months == sum(c.startswith("month-") for c in fresh.late)
    assert kept.reminders == [[d.kind, d.period, d.params] for d in due], day
    assert kept.changes_on is None or kept.changes_on > day
    assert rules_of.from_json(kept.detail) == fresh


def test_the_tables_filters_refuse_another_projects_area_and_an_unknown_country(
        world: World, client_as):
    active_pairing(world)
    foreign = ThematicAreaFactory(project=world.foreign_project, name="Foreign area")
    response = client_as(world.people["coordinator"]).get(
        reverse("compliance_table", args=[world.org.slug, world.project.slug]),
        {"thematic_area": foreign.pk, "country": "XX", "status": "active"})
    assert response.status_code == 200
    assert set(response.context["filter"].errors) == {"thematic_area", "country"}
    assert 'aria-describedby="id_country_error"' in response.text
    assert '<option value="active" selected>' in response.text  # the valid choice is kept
    assert "Foreign area" not in response.text
