"""Retention that runs by itself (programmes/privacy/retention.py), walked day by day with
time-machine, and the admin's retention page and record of processing."""

from datetime import date, datetime, time

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from matching.models import ActivityPlan, Meeting, Pairing, PairingEvent, Reminder
from participants.models import Application, ApplicationLanguage, Notification
from programmes.privacy import register
from programmes.privacy.models import AuditEntry
from programmes.privacy.retention import retention_apply, retention_due
from programmes.privacy.services import ERASED_NAME
from reporting.models import Feedback
from tests.factories import (
    ApplicationFactory,
    ApplicationLanguageFactory,
    CallFactory,
    FeedbackFactory,
    MeetingFactory,
    MembershipFactory,
    NotificationFactory,
    PairingEventFactory,
    ReminderFactory,
)
from tests.helpers import World, active_pairing, pdf_text


def noon(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12)))


def trail_of(obj) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_pk=str(obj.pk)))


@pytest.fixture
def declined(world: World) -> Application:
    """A declined application to a call that closed on 15 January 2025, kept six months."""
    world.org.retain_declined_months = 6
    world.org.save()
    with time_machine.travel(noon(date(2024, 12, 1)), tick=False):
        call = CallFactory(organisation=world.org, project=world.project)
        call.invited_countries.add(world.morocco)
        call.thematic_areas.add(world.project.thematic_areas.get())
        application = ApplicationFactory(call=call, applicant=world.people["mentee"],
                                         full_name="Salma Idrissi", email="salma@police.ma",
                                         status="declined", decision_reason="Too junior.")
        ApplicationLanguageFactory(application=application, language="ar")
    call.status, call.closed_at = "closed", noon(date(2025, 1, 15))
    call.save()
    return application


def test_a_declined_application_goes_the_day_after_its_period(world: World, declined):
    storage, cv_name = declined.cv.storage, declined.cv.name
    assert storage.exists(cv_name)
    assert any("Salma Idrissi" in str(entry.changes) for entry in trail_of(declined))

    with time_machine.travel(noon(date(2025, 7, 15)), tick=False):
        retention_apply()
    declined.refresh_from_db()
    assert declined.full_name == "Salma Idrissi"
    assert storage.exists(cv_name)

    with time_machine.travel(noon(date(2025, 7, 16)), tick=False):
        counts = retention_apply()
    declined.refresh_from_db()
    assert not storage.exists(cv_name)
    assert declined.cv.name == ""
    assert declined.full_name == ERASED_NAME
    assert declined.email.endswith("@erased.invalid")
    assert declined.decision_reason == ""
    assert declined.applicant != world.people["mentee"]
    assert declined.applicant.full_name == ERASED_NAME
    assert declined.status == "declined"  # still counted as a declined application
    assert not ApplicationLanguage.objects.for_org(world.org).filter(
        application=declined).exists()
    assert not any("Salma" in str(entry.changes) for entry in trail_of(declined))
    assert counts["cepol"]["participants.Application anonymised"] == 1
    event = AuditEntry.objects.for_org(world.org).get(event=AuditEntry.Event.RETENTION,
                                                      timestamp__date=date(2025, 7, 16))
    assert event.additional_data["counts"]["participants.Application anonymised"] == 1
    # The next day finds nothing left to do.
    with time_machine.travel(noon(date(2025, 7, 17)), tick=False):
        assert "participants.Application anonymised" not in retention_apply()["cepol"]


def test_retention_due_lists_the_application_in_the_days_before(world: World, declined):
    for day in (date(2025, 6, 20), date(2025, 7, 15)):
        lines = retention_due(organisation=world.org, on=day)
        assert [(line.label, line.count, line.on_date) for line in lines
                if line.label == "applications"] == [("applications", 1, date(2025, 7, 16))]
    assert not [line for line in retention_due(organisation=world.org, on=date(2025, 6, 1))
                if line.label == "applications"]
    declined.refresh_from_db()
    assert declined.full_name == "Salma Idrissi"  # nothing changed


def test_a_call_never_closed_counts_from_its_deadline(world: World, declined):
    call = declined.call
    call.closed_at, call.deadline = None, noon(date(2025, 2, 1))
    call.save()
    with time_machine.travel(noon(date(2025, 8, 1)), tick=False):
        retention_apply()
    declined.refresh_from_db()
    assert declined.full_name == "Salma Idrissi"
    with time_machine.travel(noon(date(2025, 8, 2)), tick=False):
        retention_apply()
    declined.refresh_from_db()
    assert declined.full_name == ERASED_NAME


@pytest.fixture
def finished(world: World) -> Pairing:
    """A pairing planned from 1 February 2020 for 12 months, completed on 10 February 2021,
    kept one year after it ends."""
    world.org.retain_pairing_years = 1
    world.org.save()
    with time_machine.travel(noon(date(2020, 1, 10)), tick=False):
        pairing = active_pairing(world, start=date(2020, 2, 1))
        MeetingFactory(pairing=pairing, day=date(2020, 3, 3), topics="Asset tracing with Salma")
        FeedbackFactory(pairing=pairing, comments="Salma was a great mentee.")
    with time_machine.travel(noon(date(2021, 2, 10)), tick=False):
        pairing.status = Pairing.Status.COMPLETED
        pairing.end_reason = "Salma finished."
        pairing.save()
        PairingEventFactory(pairing=pairing, from_status="active", to_status="completed",
                            reason="Salma did well.")
    return pairing


def test_a_finished_pairing_becomes_anonymous_figures_after_its_period(world: World, finished):
    mentee, mentor = world.people["mentee"], world.people["mentor"]
    figures = (Pairing.objects.for_org(world.org).count(),
               Meeting.objects.for_org(world.org).count(),
               list(Meeting.objects.for_org(world.org).values_list("day", flat=True)),
               list(Feedback.objects.for_org(world.org).values_list("satisfaction", flat=True)))

    with time_machine.travel(noon(date(2022, 2, 10)), tick=False):
        retention_apply()
    finished.refresh_from_db()
    assert (finished.mentee, finished.mentor) == (mentee, mentor)

    with time_machine.travel(noon(date(2022, 2, 11)), tick=False):
        retention_apply()
    finished.refresh_from_db()
    assert finished.mentee != mentee and finished.mentor != mentor
    assert finished.mentee.full_name == finished.mentor.full_name == ERASED_NAME
    assert finished.end_reason == ""
    assert finished.status == Pairing.Status.COMPLETED
    meeting = Meeting.objects.for_org(world.org).get(pairing=finished)
    assert meeting.topics == "" and meeting.logged_by == finished.mentee
    feedback = Feedback.objects.for_org(world.org).get(pairing=finished)
    assert feedback.comments == "" and feedback.author == finished.mentee
    plan = ActivityPlan.objects.for_org(world.org).get(pairing=finished)
    assert plan.objectives == "" and plan.start == date(2020, 2, 1)
    assert not PairingEvent.objects.for_org(world.org).filter(pairing=finished).exclude(
        reason="").exists()
    # The dashboard's figures are the same.
    assert figures == (Pairing.objects.for_org(world.org).count(),
                       Meeting.objects.for_org(world.org).count(),
                       list(Meeting.objects.for_org(world.org).values_list("day", flat=True)),
                       list(Feedback.objects.for_org(world.org).values_list("satisfaction",
                                                                            flat=True)))
    assert not any("Salma" in str(entry.changes)
                   for entry in AuditEntry.objects.for_org(world.org))
    # The people themselves keep their accounts and their memberships.
    assert mentee.memberships.for_org(world.org).exists()


def test_an_active_pairing_is_never_reduced(world: World):
    world.org.retain_pairing_years = 1
    world.org.save()
    with time_machine.travel(noon(date(2020, 1, 10)), tick=False):
        pairing = active_pairing(world, start=date(2020, 2, 1))
    with time_machine.travel(noon(date(2030, 1, 1)), tick=False):
        retention_apply()
    pairing.refresh_from_db()
    assert pairing.mentee == world.people["mentee"]


def test_a_sent_reminder_stays_while_its_pairing_is_scanned_so_it_is_never_sent_twice(
        world: World):
    with time_machine.travel(noon(date(2024, 3, 1)), tick=False):
        pairing = active_pairing(world, start=date(2024, 2, 1))
        kept = ReminderFactory(pairing=pairing, recipient=world.people["mentee"],
                               status=Reminder.Status.SENT, sent_at=timezone.now())
        ended = active_pairing(world, start=date(2024, 2, 1),
                               mentee=MembershipFactory(organisation=world.org,
                                                        role="mentee").user)
        Pairing.objects.for_org(world.org).filter(pk=ended.pk).update(
            status=Pairing.Status.COMPLETED)
        gone = ReminderFactory(pairing=ended, recipient=world.people["mentee"],
                               status=Reminder.Status.SENT, sent_at=timezone.now())
    with time_machine.travel(noon(date(2025, 4, 1)), tick=False):
        retention_apply()
    assert list(Reminder.objects.for_org(world.org).filter(pk__in=[kept.pk, gone.pk])
                .values_list("pk", flat=True)) == [kept.pk]


def test_notifications_go_twelve_months_after_they_were_made(world: World):
    with time_machine.travel(noon(date(2024, 3, 1)), tick=False):
        old = NotificationFactory(organisation=world.org, user=world.people["mentee"])
    with time_machine.travel(noon(date(2024, 9, 1)), tick=False):
        recent = NotificationFactory(organisation=world.org, user=world.people["mentee"])
    with time_machine.travel(noon(date(2025, 3, 1)), tick=False):
        retention_apply()
        assert Notification.objects.for_org(world.org).filter(pk=old.pk).exists()
    with time_machine.travel(noon(date(2025, 3, 2)), tick=False):
        retention_apply()
    assert list(Notification.objects.for_org(world.org).values_list("pk", flat=True)) == [
        recent.pk]


def test_the_audit_trail_is_kept_for_the_pairing_period(world: World):
    world.org.retain_pairing_years = 2
    world.org.save()
    with time_machine.travel(noon(date(2020, 5, 1)), tick=False):
        NotificationFactory(organisation=world.org, user=world.people["mentee"])
    old = AuditEntry.objects.for_org(world.org).filter(timestamp__year=2020)
    assert old.exists()
    with time_machine.travel(noon(date(2022, 5, 2)), tick=False):
        retention_apply()
    assert not old.exists()


# -- The retention page --------------------------------------------------------------------

def test_the_admin_sets_the_periods_and_sees_what_is_due(world: World, client_as, declined):
    client = client_as(world.people["admin"])
    url = reverse("privacy_retention", args=["cepol"])
    with time_machine.travel(noon(date(2025, 7, 1)), tick=False):
        page = client.get(url)
    assert page.status_code == 200
    assert "Jul 16, 2025" in page.text
    response = client.post(url, {"retain_declined_months": "12", "retain_pairing_years": "7"})
    assert response.status_code == 302
    world.org.refresh_from_db()
    assert (world.org.retain_declined_months, world.org.retain_pairing_years) == (12, 7)
    assert AuditEntry.objects.for_org(world.org).filter(
        content_type=ContentType.objects.get_for_model(world.org),
        event=AuditEntry.Event.CHANGED).exists()


@pytest.mark.parametrize("data", [
    {"retain_declined_months": "0", "retain_pairing_years": "5"},
    {"retain_declined_months": "61", "retain_pairing_years": "5"},
    {"retain_declined_months": "6", "retain_pairing_years": "31"},
    {"retain_declined_months": "six", "retain_pairing_years": "5"},
])
def test_bad_periods_are_refused_and_change_nothing(world: World, client_as, data):
    response = client_as(world.people["admin"]).post(
        reverse("privacy_retention", args=["cepol"]), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert 'class="errorlist' in response.text
    world.org.refresh_from_db()
    assert (world.org.retain_declined_months, world.org.retain_pairing_years) == (6, 5)


def test_only_admins_set_the_periods(world: World, client_as):
    url = reverse("privacy_retention", args=["cepol"])
    for who in ("coordinator", "mentee", "observer"):
        response = client_as(world.people[who]).post(url, {"retain_declined_months": "1",
                                                           "retain_pairing_years": "1"})
        assert response.status_code == 403
    assert client_as(world.outsider).get(url).status_code == 404
    world.org.refresh_from_db()
    assert world.org.retain_declined_months == 6


# -- The record of processing ----------------------------------------------------------------

def test_the_register_page_shows_every_entry_with_the_organisations_periods(world, client_as):
    world.org.retain_declined_months = 9
    world.org.save()
    page = client_as(world.people["admin"]).get(reverse("privacy_register", args=["cepol"]))
    assert page.status_code == 200
    for entry in register.entries():
        if entry.personal:
            assert escape(str(entry.model._meta.verbose_name)).lower() in page.text.lower(), \
                entry.key
    assert "9 months after the call closes" in page.text
    assert escape(str(register.BASIS_TEXT[register.Basis.CONSENT])) in page.text
    assert client_as(world.people["coordinator"]).get(
        reverse("privacy_register", args=["cepol"])).status_code == 403


def test_the_register_pdf_renders_and_is_recorded(world: World, client_as):
    response = client_as(world.people["admin"]).get(
        reverse("privacy_register_pdf", args=["cepol"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Record of processing" in text
    # Cells wrap, and a row's cells share lines: look for whole headings and short phrases.
    assert "Application" in text and "Pairing" in text
    assert "The audit trail: 5 years" in text
    assert AuditEntry.objects.for_org(world.org).filter(
        event=AuditEntry.Event.PDF_DOWNLOADED, actor=world.people["admin"]).exists()
