"""Interim and narrative reports, feedback, the coordinator's review, and how they complete a
pairing; certificates and the report PDFs."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from matching.models import ActivityPlan, Pairing, Reminder
from matching.reminders.services import reminders_plan
from matching.schedule import add_months
from participants.models import Notification
from programmes import cldr
from reporting.models import Feedback, Report
from reporting.services import feedback_submit, report_review, report_submit
from tests.factories import ExportFactory, MeetingFactory, ReportFactory
from tests.helpers import (
    INTERIM,
    OBJECTIVES,
    World,
    active_pairing,
    as_actor,
    at_nine,
    completed,
    finish,
    in_last_month,
    keep_pages,
    pdf_text,
    running,
    submitted,
)


def url(world: World, name: str, pairing: Pairing, *args) -> str:
    return reverse(name, args=[world.org.slug, pairing.pk, *args])


def seen_fields(form) -> dict[str, str]:
    """The fingerprints a report page sends back with a whole-form save."""
    return {f"seen_{name}": form[f"seen_{name}"].value() for name in form.text_names}


# --- The interim report -----------------------------------------------------------------------

def test_the_pair_writes_the_interim_report_together_as_they_type(world: World, client_as):
    pairing = running(world)
    mentee = client_as(world.people["mentee"])
    page = mentee.get(url(world, "report_edit", pairing, "interim"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Trace criminal assets across borders." in text  # one field an objective
    assert "Set up a joint financial investigation." in text
    assert Report.unscoped.count() == 0  # reading writes nothing
    seen = seen_fields(page.context["form"])
    saved = mentee.post(url(world, "report_autosave", pairing, "interim"),
                        {"progress_0": "Two cases traced.", "seen_progress_0": seen[
                            "seen_progress_0"]})
    assert saved.status_code == 200 and "Draft saved" in saved.content.decode()
    # The mentor writes another part meanwhile: neither overwrites the other.
    mentor = client_as(world.people["mentor"])
    mentor_page = mentor.get(url(world, "report_edit", pairing, "interim"))
    mentor.post(url(world, "report_autosave", pairing, "interim"),
                {"what_worked": "Monthly calls.",
                 "seen_what_worked": mentor_page.context["form"]["seen_what_worked"].value()})
    report = Report.unscoped.get()
    assert report.objectives[0]["progress"] == "Two cases traced."
    assert report.what_worked == "Monthly calls."
    assert report.status == "draft" and report.last_edited_by == world.people["mentor"]
    # The mentee's page has not seen the mentor's change: another part still saves, but the
    # part the mentor changed is not overwritten.
    mentee = client_as(world.people["mentee"])
    saved = mentee.post(url(world, "report_autosave", pairing, "interim"),
                        {"difficulties": "Time zones.",
                         "seen_difficulties": seen["seen_difficulties"]})
    assert saved.status_code == 200
    refused = mentee.post(url(world, "report_autosave", pairing, "interim"),
                          {"what_worked": "Her own words.",
                           "seen_what_worked": seen["seen_what_worked"]})
    assert refused.status_code == 400
    assert "Mentor Person changed this part while you had the page open" in \
        refused.content.decode()
    report.refresh_from_db()
    assert (report.what_worked, report.difficulties) == ("Monthly calls.", "Time zones.")


def test_a_submission_missing_parts_names_each_and_keeps_what_was_typed(world, client_as):
    pairing = running(world)
    mentee = client_as(world.people["mentee"])
    page = mentee.get(url(world, "report_edit", pairing, "interim"))
    response = mentee.post(url(world, "report_edit", pairing, "interim"), {
        **seen_fields(page.context["form"]), "action": "submit",
        "progress_0": "Two cases traced.", "progress_1": "", "what_worked": "x" * 10001,
        "difficulties": "",
    })
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["progress_1"] == ["Say how far this objective got."]
    assert "10000" in form.errors["what_worked"][0]
    assert form.errors["difficulties"] == [
        "This section is needed before the report is submitted."]
    assert "plan_changes" not in form.errors  # optional
    assert "Two cases traced." in response.content.decode()
    assert Report.unscoped.count() == 0  # nothing saved
    assert not Notification.unscoped.filter(text__contains="submitted").exists()


def test_each_objective_needs_its_rating_to_submit_and_a_missing_one_is_named(world, client_as):
    pairing = running(world)
    mentee = client_as(world.people["mentee"])
    page = mentee.get(url(world, "report_edit", pairing, "interim"))
    response = mentee.post(url(world, "report_edit", pairing, "interim"), {
        **seen_fields(page.context["form"]), **INTERIM, "rating_1": "", "action": "submit"})
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors == {"rating_1": ["Rate how far this objective got."]}
    text = response.content.decode()
    assert "Rate how far this objective got." in text and INTERIM["progress_1"] in text
    assert form["rating_0"].value() == "3"  # what was chosen is kept
    assert Report.unscoped.count() == 0
    # A value off the scale is refused next to its field, and the rest is kept too.
    response = mentee.post(url(world, "report_edit", pairing, "interim"), {
        **seen_fields(page.context["form"]), **INTERIM, "rating_1": "7", "action": "submit"})
    assert response.context["form"].errors == {
        "rating_1": ["Choose one of the steps of the scale."]}
    assert Report.unscoped.count() == 0


def test_a_rating_saves_itself_when_chosen_and_shows_on_the_report(world, client_as):
    pairing = running(world)
    mentee = client_as(world.people["mentee"])
    page = mentee.get(url(world, "report_edit", pairing, "interim"))
    seen = seen_fields(page.context["form"])
    saved = mentee.post(url(world, "report_autosave", pairing, "interim"),
                        {"rating_0": "4", "seen_rating_0": seen["seen_rating_0"]})
    assert saved.status_code == 200
    assert Report.unscoped.get().objectives[0]["rating"] == 4
    assert mentee.post(url(world, "report_autosave", pairing, "interim"),
                       {"rating_0": "0"}).status_code == 400
    assert Report.unscoped.get().objectives[0]["rating"] == 4
    report = submitted(world, pairing)
    page = client_as(world.people["coordinator"]).get(
        url(world, "report_detail", pairing, "interim", report.version))
    assert "Well advanced (3/4)" in page.content.decode()


@pytest.mark.parametrize("bad", [
    {"nonsense": "x"}, {"progress_9": "x"}, {"progress_x": "x"}, {}, {"a": "1", "b": "2"},
])
def test_autosave_of_a_field_the_report_does_not_have_is_refused(world, client_as, bad):
    pairing = running(world)
    response = client_as(world.people["mentee"]).post(
        url(world, "report_autosave", pairing, "interim"), bad)
    assert response.status_code == 400
    assert not Report.unscoped.exclude(what_worked="").exists()


# Text with control characters: PostgreSQL refuses NUL (in text and in the objectives' JSON),
# and none of them belong in a report.
CONTROL = "Remove the control characters (such as NUL) from this text."


@pytest.mark.parametrize("bad", ["Two cases\x00 traced.", "Two cases\x07 traced.",
                                 "\x1b[31mred", "DEL\x7f", "C1\x85"])
@pytest.mark.parametrize("field", ["progress_0", "what_worked"])
def test_autosave_refuses_control_characters_and_keeps_the_saved_text(world, client_as, field,
                                                                      bad):
    pairing = running(world)
    mentee = client_as(world.people["mentee"])
    seen = seen_fields(mentee.get(url(world, "report_edit", pairing, "interim")).context["form"])
    saved = mentee.post(url(world, "report_autosave", pairing, "interim"),
                        {field: "Saved before.", f"seen_{field}": seen[f"seen_{field}"]})
    assert saved.status_code == 200
    refused = mentee.post(url(world, "report_autosave", pairing, "interim"),
                          {field: bad, f"seen_{field}": saved.context["seen"]})
    assert refused.status_code == 400  # the autosave's error answer, swapped into the status line
    assert CONTROL in refused.content.decode()
    assert "Draft saved" not in refused.content.decode()
    report = Report.unscoped.get()
    texts = {"progress_0": report.objectives[0]["progress"], "what_worked": report.what_worked}
    assert texts[field] == "Saved before."


def test_autosave_keeps_tabs_and_line_breaks(world: World, client_as):
    pairing = running(world)
    text = "Two cases:\n\t- one in Rabat\r\n\t- one in Lyon"
    response = client_as(world.people["mentee"]).post(
        url(world, "report_autosave", pairing, "interim"), {"progress_0": text})
    assert response.status_code == 200 and "Draft saved" in response.content.decode()
    assert Report.unscoped.get().objectives[0]["progress"] == text


@pytest.mark.parametrize("bad", ["\x00", "\x07"])
def test_the_report_form_refuses_control_characters_next_to_each_field(world, client_as, bad):
    pairing = running(world)
    mentee = client_as(world.people["mentee"])
    page = mentee.get(url(world, "report_edit", pairing, "interim"))
    response = mentee.post(url(world, "report_edit", pairing, "interim"), {
        **seen_fields(page.context["form"]), **INTERIM, "action": "submit",
        "progress_1": f"Agreed{bad} with Lyon.", "difficulties": f"Time{bad} zones."})
    assert response.status_code == 400  # the report page answers a refusal so
    form = response.context["form"]
    assert form.errors["progress_1"] == [CONTROL]
    assert form.errors["difficulties"] == [CONTROL]
    assert set(form.errors) == {"progress_1", "difficulties"}
    assert response.content.decode().count(CONTROL) == 2
    assert INTERIM["progress_0"] in response.content.decode()  # the rest of what was typed
    assert Report.unscoped.count() == 0  # nothing saved
    assert not Notification.unscoped.filter(text__contains="submitted").exists()


def test_the_report_form_keeps_tabs_and_line_breaks(world: World, client_as):
    pairing = running(world)
    mentee = client_as(world.people["mentee"])
    page = mentee.get(url(world, "report_edit", pairing, "interim"))
    response = mentee.post(url(world, "report_edit", pairing, "interim"), {
        **seen_fields(page.context["form"]), **INTERIM, "action": "save",
        "what_worked": "Monthly calls:\r\n\tin French."})
    assert response.status_code == 302
    assert Report.unscoped.get().what_worked == "Monthly calls:\r\n\tin French."


def test_a_full_save_over_the_partners_newer_changes_is_refused(world: World, client_as):
    pairing = running(world)
    mentee = client_as(world.people["mentee"])
    seen = seen_fields(mentee.get(url(world, "report_edit", pairing, "interim")).context["form"])
    mentor = client_as(world.people["mentor"])
    mentor_page = mentor.get(url(world, "report_edit", pairing, "interim")).context["form"]
    mentor.post(url(world, "report_autosave", pairing, "interim"),
                {"what_worked": "The mentor's text.",
                 "seen_what_worked": mentor_page["seen_what_worked"].value()})
    mentee = client_as(world.people["mentee"])
    response = mentee.post(url(world, "report_edit", pairing, "interim"),
                           {**INTERIM, **seen, "action": "submit"})
    assert response.status_code == 400
    assert "Mentor Person changed this part while you had the page open" in \
        " ".join(response.context["form"].errors["what_worked"])
    assert "Monthly calls." in response.content.decode()  # what she typed is kept
    report = Report.unscoped.get()
    assert report.status == "draft" and report.what_worked == "The mentor's text."


def test_a_full_save_keeps_the_partners_changes_to_parts_it_did_not_touch(world, client_as):
    pairing = running(world)
    mentee = client_as(world.people["mentee"])
    seen = seen_fields(mentee.get(url(world, "report_edit", pairing, "interim")).context["form"])
    mentor = client_as(world.people["mentor"])
    mentor_page = mentor.get(url(world, "report_edit", pairing, "interim")).context["form"]
    mentor.post(url(world, "report_autosave", pairing, "interim"),
                {"difficulties": "The mentor's difficulties.",
                 "seen_difficulties": mentor_page["seen_difficulties"].value()})
    # Her page still shows difficulties empty; she changes only what worked and saves it all.
    mentee = client_as(world.people["mentee"])
    response = mentee.post(url(world, "report_edit", pairing, "interim"), {
        **seen, "action": "save", "progress_0": "", "progress_1": "",
        "what_worked": "Monthly calls.", "difficulties": "", "plan_changes": ""})
    assert response.status_code == 302
    report = Report.unscoped.get()
    assert (report.what_worked, report.difficulties) == (
        "Monthly calls.", "The mentor's difficulties.")


def test_interim_report_is_submitted_returned_revised_and_accepted(world, client_as):
    pairing = running(world)
    MeetingFactory(pairing=pairing, day=timezone.localdate() - timedelta(days=20),
                   duration_minutes=45, topics="Asset tracing", logged_by=world.people["mentee"])
    mentee = client_as(world.people["mentee"])
    seen = seen_fields(mentee.get(url(world, "report_edit", pairing, "interim")).context["form"])
    response = mentee.post(url(world, "report_edit", pairing, "interim"),
                           {**INTERIM, **seen, "action": "submit"})
    assert response.status_code == 302
    report = Report.unscoped.get()
    assert report.status == "submitted" and report.submitted_by == world.people["mentee"]
    assert [m["topics"] for m in report.meetings_held] == ["Asset tracing"]
    assert Notification.unscoped.filter(user=world.people["coordinator"],
                                       text__contains="submitted the interim report").exists()
    # Submitted: the pair can no longer change it.
    assert mentee.get(url(world, "report_edit", pairing, "interim")).status_code == 302
    # The coordinator returns it; comments are needed.
    coordinator = client_as(world.people["coordinator"])
    review = url(world, "report_review", pairing, "interim", 1)
    refused = coordinator.post(review, {"decision": "return", "comments": " "})
    assert refused.status_code == 400 and "Say what should change." in refused.content.decode()
    assert coordinator.post(review, {"decision": "return",
                                     "comments": "Say more about the FIU cases."}).status_code \
        == 302
    versions = list(Report.unscoped.order_by("version").values_list("version", "status"))
    assert versions == [(1, "returned"), (2, "draft")]
    # The pair sees the comments and resubmits the copy.
    mentor = client_as(world.people["mentor"])
    page = mentor.get(url(world, "report_edit", pairing, "interim"))
    assert "Say more about the FIU cases." in page.content.decode()
    assert page.context["form"]["progress_0"].value() == INTERIM["progress_0"]
    mentor.post(url(world, "report_edit", pairing, "interim"), {
        **INTERIM, "progress_0": "Two cases traced with the FIU; one went to court.",
        **seen_fields(page.context["form"]), "action": "submit"})
    coordinator = client_as(world.people["coordinator"])
    coordinator.post(url(world, "report_review", pairing, "interim", 2),
                     {"decision": "accept", "comments": ""})
    assert list(Report.unscoped.order_by("version").values_list("version", "status")) == [
        (1, "returned"), (2, "accepted")]
    assert Report.unscoped.get(version=1).objectives[0]["progress"] == INTERIM["progress_0"]
    # Every version stays readable; the pairing page shows the interim report handed in.
    assert coordinator.get(url(world, "report_detail", pairing, "interim", 1)).status_code == 200
    detail = coordinator.get(url(world, "pairing_detail", pairing)).content.decode()
    assert "handed in on" in detail


def test_only_a_submitted_report_is_reviewed(world: World):
    pairing = running(world)
    report = submitted(world, pairing)
    report_review(actor=as_actor(world.people["coordinator"]), report=report, accept=True,
                  comments="")
    with pytest.raises(Exception, match="Only a submitted report"):
        report_review(actor=as_actor(world.people["coordinator"]), report=report, accept=False,
                      comments="Again")


def test_a_draft_is_the_pairs_own(world: World, client_as):
    pairing = running(world)
    report_submit(actor=as_actor(world.people["mentee"]), pairing=pairing, kind="interim",
                  values={"what_worked": "Drafting."}, seen={}, submit=False)
    assert client_as(world.people["coordinator"]).get(
        url(world, "report_detail", pairing, "interim", 1)).status_code == 404
    assert client_as(world.people["mentor"]).get(
        url(world, "report_detail", pairing, "interim", 1)).status_code == 200


def test_reports_open_only_while_the_pairing_is_active_and_the_narrative_at_the_end(
        world: World, client_as):
    pairing = running(world, months_in=3)
    mentee = client_as(world.people["mentee"])
    page = mentee.get(url(world, "report_edit", pairing, "narrative")).content.decode()
    assert "This report opens on" in page
    response = mentee.post(url(world, "report_autosave", pairing, "narrative"),
                           {"lessons": "Too soon."})
    assert response.status_code == 400 and "This report opens on" in response.content.decode()
    assert "This report opens on" in mentee.get(
        url(world, "feedback_edit", pairing)).content.decode()
    assert mentee.get(url(world, "report_edit", pairing, "final")).status_code == 404
    assert not Report.unscoped.exists()


# --- Narrative report, feedback and completion ------------------------------------------------

def test_narrative_report_and_both_feedbacks_complete_the_pairing(world: World, client_as):
    pairing = in_last_month(world)
    report = submitted(world, pairing, "narrative")
    report_review(actor=as_actor(world.people["coordinator"]), report=report, accept=True,
                  comments="")
    pairing.refresh_from_db()
    assert pairing.status == "active"  # the feedback is still missing
    mentee = client_as(world.people["mentee"])
    response = mentee.post(url(world, "feedback_edit", pairing), {
        "satisfaction": "5", "objectives_met": "4", "support_received": "5",
        "would_recommend": "yes", "comments": "Very useful."})
    assert response.status_code == 302
    pairing.refresh_from_db()
    assert pairing.status == "active"  # the mentor's is missing
    mentor = client_as(world.people["mentor"])
    mentor.post(url(world, "feedback_edit", pairing), {
        "satisfaction": "4", "objectives_met": "4", "support_received": "3",
        "would_recommend": "no", "comments": "More time for visits."})
    pairing.refresh_from_db()
    assert pairing.status == "completed"
    assert pairing.events.last().to_status == "completed"
    assert Notification.unscoped.filter(user=world.people["mentee"],
                                       text__contains="is completed").exists()
    assert Feedback.unscoped.get(author=world.people["mentor"]).would_recommend is False


@pytest.mark.parametrize(("data", "field"), [
    ({"objectives_met": "4", "support_received": "5", "would_recommend": "yes"}, "satisfaction"),
    ({"satisfaction": "6", "objectives_met": "4", "support_received": "5",
      "would_recommend": "yes"}, "satisfaction"),
    ({"satisfaction": "0", "objectives_met": "4", "support_received": "5",
      "would_recommend": "yes"}, "satisfaction"),
    ({"satisfaction": "five", "objectives_met": "4", "support_received": "5",
      "would_recommend": "yes"}, "satisfaction"),
    ({"satisfaction": "5", "objectives_met": "4", "support_received": "5"}, "would_recommend"),
    ({"satisfaction": "5", "objectives_met": "4", "support_received": "5",
      "would_recommend": "maybe"}, "would_recommend"),
    ({"satisfaction": "5", "objectives_met": "4", "support_received": "5",
      "would_recommend": "yes", "comments": "x" * 5001}, "comments"),
])
def test_bad_feedback_is_refused_next_to_its_field(world, client_as, data, field):
    pairing = in_last_month(world)
    response = client_as(world.people["mentee"]).post(url(world, "feedback_edit", pairing),
                                                      {"comments": "Kept.", **data})
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert ("Kept." if "comments" not in data else "") in response.content.decode()
    assert not Feedback.unscoped.exists()


def test_feedback_is_given_once(world: World):
    pairing = in_last_month(world)
    kwargs = dict(actor=as_actor(world.people["mentee"]), pairing=pairing, satisfaction=5,
                  objectives_met=5, support_received=5, would_recommend=True, comments="")
    feedback_submit(**kwargs)
    with pytest.raises(Exception, match="already given"):
        feedback_submit(**kwargs)


def test_feedback_of_one_participant_is_never_shown_to_the_other(world: World, client_as):
    pairing = completed(world)
    mentee = client_as(world.people["mentee"])
    for page in (url(world, "pairing_detail", pairing), url(world, "feedback_edit", pairing)):
        text = mentee.get(page).content.decode()
        assert "Comments of the mentor." not in text
    assert "Comments of the mentee." in mentee.get(
        url(world, "feedback_edit", pairing)).content.decode()
    mentor = client_as(world.people["mentor"])
    text = mentor.get(url(world, "pairing_detail", pairing)).content.decode()
    assert "Comments of the mentee." not in text
    # The coordinators read both; observers only the averages (the dashboard).
    text = client_as(world.people["coordinator"]).get(
        url(world, "pairing_detail", pairing)).content.decode()
    assert "Comments of the mentee." in text and "Comments of the mentor." in text
    text = client_as(world.people["observer"]).get(
        url(world, "pairing_detail", pairing)).content.decode()
    assert "Comments of the" not in text and "2 participants gave feedback." in text


def test_completion_is_not_a_button_any_more(world: World, client_as):
    pairing = running(world)
    response = client_as(world.people["coordinator"]).post(
        url(world, "pairing_move", pairing), {"to_status": "completed"})
    assert response.status_code == 400
    pairing.refresh_from_db()
    assert pairing.status == "active"


# --- Compliance and reminders -----------------------------------------------------------------

def test_a_report_handed_in_stops_its_reminders(world: World):
    pairing = active_pairing(world)  # 12 months from 15 January 2027: halfway 15 July
    halfway = date(2027, 7, 15)
    ActivityPlan.unscoped.filter(pairing=pairing).update(objectives=OBJECTIVES)
    ReportFactory(pairing=pairing, kind="interim", status="submitted",
                  submitted_at=at_nine(halfway - timedelta(days=9)), objectives=[])
    for day in (halfway - timedelta(days=7), halfway, halfway + timedelta(days=20)):
        reminders_plan(now=at_nine(day))
    assert not Reminder.unscoped.filter(kind__startswith="interim").exists()
    mail.outbox.clear()


# --- PDFs -------------------------------------------------------------------------------------

def test_a_report_downloads_as_a_pdf_with_its_text(world: World, client_as):
    pairing = running(world)
    submitted(world, pairing)
    response = client_as(world.people["observer"]).get(
        url(world, "report_pdf", pairing, "interim", 1))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for expected in ("Interim report", "CEPOL agency", "Trace criminal assets across borders.",
                     "Two cases traced with the FIU.", "Monthly calls.", "Time zones.",
                     "Well advanced (3/4)", "Started (2/4)"):  # each objective's rating
        assert expected in text, expected
    assert keep_pages(response.content, "report-interim")


def test_a_report_in_arabic_renders_shaped_and_right_to_left(world: World, client_as):
    pairing = running(world)
    world.people["mentee"].full_name = "سلمى الإدريسي"
    world.people["mentee"].save(update_fields=["full_name"])
    report_submit(actor=as_actor(world.people["mentee"]), pairing=pairing, kind="interim", values={
        **INTERIM, "progress_0": "تتبعنا قضيتين مع وحدة الاستخبارات المالية في 2026-03-15.",
        "what_worked": "الاجتماعات الشهرية عبر الإنترنت."}, seen={}, submit=True)
    client = client_as(world.people["mentee"])
    client.post(reverse("set_language"), {"language": "ar", "next": "/"})
    response = client.get(url(world, "report_pdf", pairing, "interim", 1))
    assert response.status_code == 200
    text = pdf_text(response.content)
    # Extracted Arabic is only roughly in reading order: look for its words, either way round.
    for word in ("الاجتماعات", "الشهرية", "الإدريسي"):
        assert word in text or word[::-1] in text, word
    assert "2026-03-15" in text or "2026" in text
    assert keep_pages(response.content, "report-interim-ar")


def test_certificates_of_completion(world: World, client_as):
    pairing = in_last_month(world)
    mentee = client_as(world.people["mentee"])
    assert mentee.get(url(world, "certificate_pdf", pairing, "mentee")).status_code == 404
    pairing = finish(world, pairing)
    response = mentee.get(url(world, "certificate_pdf", pairing, "mentee"))
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "Certificate of completion" in text and "Mentee Person" in text
    assert "EUROMED Police" in text and "as a mentee" in text
    assert mentee.get(url(world, "certificate_pdf", pairing, "mentor")).status_code == 403
    assert mentee.get(url(world, "certificate_pdf", pairing, "partner")).status_code == 404
    coordinator = client_as(world.people["coordinator"])
    response = coordinator.get(url(world, "certificate_pdf", pairing, "mentor"))
    assert "as a mentor" in pdf_text(response.content)
    keep_pages(response.content, "certificate")


def test_report_text_is_escaped_once_and_its_dates_isolated(world: World, client_as):
    pairing = running(world)
    report_submit(actor=as_actor(world.people["mentee"]), pairing=pairing, kind="interim", values={
        **INTERIM, "what_worked": "The FIU's <b>help</b> since 2026-03-15."}, seen={},
        submit=True)
    text = client_as(world.people["coordinator"]).get(
        url(world, "report_detail", pairing, "interim", 1)).content.decode()
    assert 'The FIU&#x27;s &lt;b&gt;help&lt;/b&gt; since <bdi dir="ltr">2026-03-15</bdi>.' in text


def test_a_returned_report_is_due_again_until_it_comes_back_and_late_ones_show(world: World):
    from matching.meetings.compliance import DONE, LATE
    from matching.meetings.selectors import pairing_compliance, pairing_meetings
    from reporting.selectors import handed_in

    pairing = running(world)
    report = submitted(world, pairing)
    assert handed_in([pairing.pk])[pairing.pk].interim == timezone.localdate()
    report_review(actor=as_actor(world.people["coordinator"]), report=report, accept=False,
                  comments="Say more.")
    assert handed_in([pairing.pk])[pairing.pk].interim is None
    submitted(world, pairing)  # version 2
    assert handed_in([pairing.pk])[pairing.pk].interim == timezone.localdate()
    plan = ActivityPlan.unscoped.get(pairing=pairing, status="approved")
    state = pairing_compliance(pairing, plan, pairing_meetings(pairing))
    assert state.interim_report.state == DONE  # halfway is months ahead
    # Handed in after the grace period: shown late, with its day.
    ActivityPlan.unscoped.filter(pk=plan.pk).update(start=add_months(timezone.localdate(), -9))
    plan.refresh_from_db()
    state = pairing_compliance(pairing, plan, pairing_meetings(pairing))
    assert (state.interim_report.state, state.interim_report.held) == (
        LATE, timezone.localdate())


def test_exports_are_kept_a_week(world: World):
    from reporting.exports import exports_purge
    from reporting.models import Export

    old = ExportFactory(organisation=world.org, project=None,
                        requested_by=world.people["admin"], kind="pairings", format="csv")
    Export.unscoped.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    recent = ExportFactory(organisation=world.org, project=None,
                           requested_by=world.people["admin"], kind="pairings", format="csv")
    assert exports_purge() == 1
    assert list(Export.unscoped.values_list("pk", flat=True)) == [recent.pk]


def test_the_coordinator_may_complete_a_pairing_whose_feedback_never_comes(world, client_as):
    pairing = in_last_month(world)
    coordinator = client_as(world.people["coordinator"])
    complete = url(world, "pairing_complete", pairing)
    refused = coordinator.post(complete, {"reason": "The mentor left."})
    assert refused.status_code == 400
    assert "once its narrative report is accepted" in refused.content.decode()
    report_review(actor=as_actor(world.people["coordinator"]),
                  report=submitted(world, pairing, "narrative"), accept=True, comments="")
    page = coordinator.get(url(world, "pairing_detail", pairing)).content.decode()
    assert "Complete without the missing feedback" in page
    refused = coordinator.post(complete, {"reason": "  "})
    assert refused.status_code == 400
    assert "Say why the pairing is completed without all the feedback." in \
        refused.content.decode()
    pairing.refresh_from_db()
    assert pairing.status == "active"
    assert coordinator.post(complete, {"reason": "The mentor has left the service."}) \
        .status_code == 302
    pairing.refresh_from_db()
    assert pairing.status == "completed"
    assert pairing.events.last().reason == "The mentor has left the service."
    mentee = client_as(world.people["mentee"])
    assert mentee.post(complete, {"reason": "x"}).status_code == 403


def test_a_save_racing_the_persons_own_autosave_is_no_conflict(world: World, client_as):
    """The page submits before the answer of its last autosave renewed the fingerprint: the
    draft already holds that very text, so nothing is refused."""
    pairing = running(world)
    mentee = client_as(world.people["mentee"])
    seen = seen_fields(mentee.get(url(world, "report_edit", pairing, "interim")).context["form"])
    mentee.post(url(world, "report_autosave", pairing, "interim"),
                {"what_worked": INTERIM["what_worked"], "seen_what_worked": seen[
                    "seen_what_worked"]})
    response = mentee.post(url(world, "report_edit", pairing, "interim"),
                           {**INTERIM, **seen, "action": "submit"})
    assert response.status_code == 302
    assert Report.unscoped.get().status == "submitted"


def test_a_report_not_open_yet_says_when_it_opens_instead_of_a_link(world, client_as):
    pairing = running(world, months_in=3, months=12)
    page = client_as(world.people["mentee"]).get(
        reverse("pairing_detail", args=["cepol", pairing.pk])).text
    narrative_opens = add_months(
        ActivityPlan.unscoped.get(pairing=pairing, status="approved").start, 11)
    assert f"opens on {cldr.day(narrative_opens)}" in page
    assert reverse("report_edit", args=["cepol", pairing.pk, "narrative"]) not in page
    assert reverse("report_edit", args=["cepol", pairing.pk, "interim"]) in page
