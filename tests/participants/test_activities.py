"""Programme activities and the advisory board: coordinators record them and invite the
project's people, the invited answer, coordinators record attendance and attach documents;
the figures count what was held in a period."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from participants.activities import selectors, services
from participants.models import Activity, ActivityDocument, ActivityParticipant, Notification
from programmes.models import AuditEntry
from programmes.privacy.services import personal_data_collect
from tests.factories import (
    ActivityDocumentFactory,
    ActivityFactory,
    ActivityParticipantFactory,
    AdvisoryBoardMemberFactory,
    ApplicationFactory,
    ProjectFactory,
    member_of,
    pdf_bytes,
)
from tests.helpers import World, as_actor

P = ActivityParticipant
TODAY = timezone.localdate()


def fields(**overrides) -> dict:
    data = {"kind": Activity.Kind.TRAINING, "title": "Financial investigations",
            "starts_on": TODAY - timedelta(days=2), "ends_on": TODAY - timedelta(days=1),
            "start_time": None, "online": False, "city": "Rabat", "country": None,
            "description": "", "agenda": "", "minutes": "", "decisions": "",
            "cancelled": False}
    data.update(overrides)
    return data


def project_people(world: World):
    """The world's mentee and mentor take part in the project through its call."""
    for who in ("mentee", "mentor"):
        ApplicationFactory(call=world.call, applicant=world.people[who], status="shortlisted")
    return world.people["mentee"], world.people["mentor"]


# --- Services and refusals --------------------------------------------------------------------

def test_coordinator_records_an_activity_and_invites_the_projects_people(world: World):
    mentee, mentor = project_people(world)
    coordinator = as_actor(world.people["coordinator"])
    activity = services.activity_save(actor=coordinator, project=world.project, activity=None,
                                      fields=fields(),
                                      thematic_areas=world.project.thematic_areas.all())
    made = services.participants_invite(actor=coordinator, activity=activity,
                                        people=[mentee, mentor, mentee])
    assert len(made) == 2
    assert {p.response for p in made} == {P.Response.INVITED}
    assert Notification.objects.for_org(world.org).filter(user=mentee).count() == 1
    # Inviting again leaves those already invited as they are.
    assert services.participants_invite(actor=coordinator, activity=activity,
                                        people=[mentee]) == []


def test_a_mentor_or_an_observer_cannot_record_an_activity(world: World):
    for who in ("mentor", "observer", "focal_point"):
        with pytest.raises(PermissionDenied):
            services.activity_save(actor=as_actor(world.people[who]), project=world.project,
                                   activity=None, fields=fields())
    assert not Activity.objects.for_org(world.org).exists()


def test_someone_outside_the_project_cannot_be_invited(world: World):
    activity = ActivityFactory(project=world.project)
    stranger = member_of(world.org, "mentee")  # no application to the project's calls
    with pytest.raises(ValidationError):
        services.participants_invite(actor=as_actor(world.people["coordinator"]),
                                     activity=activity, people=[stranger])
    assert not ActivityParticipant.objects.for_org(world.org).exists()


def test_an_activity_needs_a_place_unless_online_and_a_last_day_after_the_first(world: World):
    coordinator = as_actor(world.people["coordinator"])
    with pytest.raises(ValidationError) as error:
        services.activity_save(actor=coordinator, project=world.project, activity=None,
                               fields=fields(city=""))
    assert "city" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.activity_save(actor=coordinator, project=world.project, activity=None,
                               fields=fields(ends_on=TODAY - timedelta(days=5)))
    assert "ends_on" in error.value.message_dict
    online = services.activity_save(actor=coordinator, project=world.project, activity=None,
                                    fields=fields(city="Rabat", online=True,
                                                  agenda="Kept only for a board"))
    assert (online.city, online.agenda, online.place) == ("", "", "Online")


def test_a_board_meeting_invites_the_boards_current_members(world: World):
    sitting = AdvisoryBoardMemberFactory(project=world.project)
    AdvisoryBoardMemberFactory(project=world.project, until=TODAY - timedelta(days=30))
    meeting = services.activity_save(
        actor=as_actor(world.people["coordinator"]), project=world.project, activity=None,
        fields=fields(kind=Activity.Kind.BOARD_MEETING, title="Board meeting", online=True,
                      agenda="1. Curriculum", minutes="Jordan presented.",
                      decisions="Adopt the curriculum."))
    invited = list(ActivityParticipant.objects.for_org(world.org).filter(activity=meeting)
                   .values_list("person", flat=True))
    assert invited == [sitting.person_id]
    assert meeting.decisions == "Adopt the curriculum."


def test_board_membership_ends_once(world: World):
    member = AdvisoryBoardMemberFactory(project=world.project)
    admin = as_actor(world.people["admin"])
    services.board_member_end(actor=admin, member=member)
    member.refresh_from_db()
    assert member.until == TODAY
    with pytest.raises(ValidationError):
        services.board_member_end(actor=admin, member=member)
    with pytest.raises(ValidationError):  # already sitting
        other = AdvisoryBoardMemberFactory(project=world.project)
        services.board_member_add(actor=admin, project=world.project, person=other.person,
                                  fields={"since": TODAY, "role": ""})


# --- The invited answer; attendance -----------------------------------------------------------

def test_the_invited_person_confirms_then_declines(world: World, client_as):
    activity = ActivityFactory(project=world.project, starts_on=TODAY + timedelta(days=10),
                               ends_on=TODAY + timedelta(days=11))
    invitation = ActivityParticipantFactory(activity=activity, person=world.people["mentee"])
    client = client_as(world.people["mentee"])
    page = client.get(reverse("activity_detail", args=["cepol", activity.pk]))
    assert "I will attend" in page.content.decode()
    url = reverse("activity_respond", args=["cepol", activity.pk])
    assert client.post(url, {"answer": "confirm"}).status_code == 302
    invitation.refresh_from_db()
    assert invitation.response == P.Response.CONFIRMED and invitation.responded_at
    client.post(url, {"answer": "decline"})
    invitation.refresh_from_db()
    assert invitation.response == P.Response.DECLINED
    # Their home page and "My activities" show it.
    assert activity.title in client.get("/cepol/my-activities/").content.decode()
    assert activity.title in client.get("/cepol/").content.decode()


def test_an_activity_that_is_over_takes_no_more_answers(world: World):
    invitation = ActivityParticipantFactory(activity=ActivityFactory(project=world.project),
                                            person=world.people["mentee"])
    with pytest.raises(ValidationError):
        services.participant_respond(actor=as_actor(world.people["mentee"]),
                                     activity=invitation.activity, confirm=True)


def test_someone_not_invited_does_not_find_the_activity(world: World, client_as):
    activity = ActivityFactory(project=world.project)
    ActivityParticipantFactory(activity=activity, person=world.people["mentee"])
    url = reverse("activity_detail", args=["cepol", activity.pk])
    assert client_as(world.people["mentor"]).get(url).status_code == 404
    assert client_as(world.people["observer"]).get(url).status_code == 200


def test_coordinator_records_attendance(world: World, client_as):
    activity = ActivityFactory(project=world.project)
    came = ActivityParticipantFactory(activity=activity, person=world.people["mentee"],
                                      response=P.Response.CONFIRMED)
    away = ActivityParticipantFactory(activity=activity, person=world.people["mentor"])
    client = client_as(world.people["coordinator"])
    response = client.post(reverse("activity_attendance", args=["cepol", activity.pk]),
                           {f"attended-{came.pk}": "yes", f"attended-{away.pk}": "no"})
    assert response.status_code == 302
    came.refresh_from_db()
    away.refresh_from_db()
    assert (came.attended, away.attended) == ("yes", "no")
    # A value that is not a choice changes nothing.
    client.post(reverse("activity_attendance", args=["cepol", activity.pk]),
                {f"attended-{came.pk}": "maybe"})
    came.refresh_from_db()
    assert came.attended == "yes"


def test_attendance_waits_for_the_activity_to_begin(world: World):
    activity = ActivityFactory(project=world.project, starts_on=TODAY + timedelta(days=3),
                               ends_on=TODAY + timedelta(days=3))
    invitation = ActivityParticipantFactory(activity=activity)
    with pytest.raises(ValidationError):
        services.attendance_record(actor=as_actor(world.people["coordinator"]),
                                   activity=activity, attended={invitation.pk: "yes"})


# --- Figures ----------------------------------------------------------------------------------

def test_figures_count_the_activities_held_in_the_period(world: World):
    project = world.project
    start, end = date(2026, 1, 1), date(2026, 6, 30)
    webinar = ActivityFactory(project=project, starts_on=date(2026, 3, 1),
                              ends_on=date(2026, 3, 1))
    # Begins before the period and ends in it: held in it.
    course = ActivityFactory(project=project, kind=Activity.Kind.LEADERSHIP,
                             starts_on=date(2025, 12, 28), ends_on=date(2026, 1, 2))
    board = ActivityFactory(project=project, kind=Activity.Kind.BOARD_MEETING,
                            starts_on=date(2026, 6, 30), ends_on=date(2026, 6, 30))
    # Begins in the period and ends after it: not held in it.
    ActivityFactory(project=project, starts_on=date(2026, 6, 29), ends_on=date(2026, 7, 1))
    ActivityFactory(project=project, starts_on=date(2026, 2, 1), ends_on=date(2026, 2, 1),
                    cancelled=True)
    ActivityFactory(project=ProjectFactory(organisation=world.org), starts_on=date(2026, 3, 1),
                    ends_on=date(2026, 3, 1))
    for answer in ("yes", "yes", "no", "unknown"):
        ActivityParticipantFactory(activity=webinar, attended=answer)
    for _ in range(3):  # attendance not recorded: left out of the rate
        ActivityParticipantFactory(activity=course)
    ActivityParticipantFactory(activity=board, attended="yes")
    with CaptureQueriesContext(connection) as captured:
        figures = selectors.activity_figures(project=project, start=start, end=end,
                                             today=date(2026, 12, 1))
    assert len(captured) <= 2
    assert figures.held == 3
    assert figures.board_meetings == 1
    assert (figures.invited, figures.attended, figures.recorded_invited) == (8, 3, 5)
    assert figures.attendance_rate == pytest.approx(3 / 5)
    assert {k.kind: (k.held, k.invited, k.attended) for k in figures.by_kind} == {
        "webinar": (1, 4, 2), "leadership": (1, 3, 0), "board_meeting": (1, 1, 1)}
    # An activity not over yet is not held.
    early = selectors.activity_figures(project=project, start=start, end=end,
                                       today=date(2026, 2, 15))
    assert early.held == 1
    assert selectors.activity_figures(project=project, start=date(2027, 1, 1), end=None,
                                      today=date(2027, 2, 1)).attendance_rate is None


# --- Documents --------------------------------------------------------------------------------

def test_a_document_is_attached_and_its_download_is_audited(world: World, client_as):
    activity = ActivityFactory(project=world.project)
    ActivityParticipantFactory(activity=activity, person=world.people["mentee"])
    client = client_as(world.people["coordinator"])
    response = client.post(reverse("activity_document_add", args=["cepol", activity.pk]), {
        "title": "Agenda", "file": SimpleUploadedFile("agenda.pdf", pdf_bytes(),
                                                      content_type="application/pdf")})
    assert response.status_code == 302
    document = ActivityDocument.objects.for_org(world.org).get()
    assert document.uploaded_by == world.people["coordinator"]
    client = client_as(world.people["mentee"])
    download = client.get(reverse("activity_document", args=["cepol", activity.pk,
                                                             document.pk]))
    assert download.status_code == 200
    assert b"".join(download).startswith(b"%PDF")
    assert 'filename="Agenda.pdf"' in download["Content-Disposition"]
    assert AuditEntry.objects.for_org(world.org).filter(
        event="document_downloaded", object_pk=str(document.pk)).count() == 1


@pytest.mark.parametrize(("name", "content", "message"), [
    ("notes.txt", b"plain text", "Send a PDF, Word, Excel, PowerPoint, PNG or JPEG file"),
    ("renamed.pdf", b"MZ\x90\x00 not a pdf", "Send a PDF, Word, Excel, PowerPoint, PNG or JPEG"),
    ("huge.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "larger than 10 MB"),
])
def test_a_bad_document_is_refused_with_a_message_and_keeps_the_title(
        world: World, client_as, name, content, message):
    activity = ActivityFactory(project=world.project)
    client = client_as(world.people["coordinator"])
    response = client.post(reverse("activity_document_add", args=["cepol", activity.pk]), {
        "title": "Slides of the day", "file": SimpleUploadedFile(name, content)})
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert 'value="Slides of the day"' in page
    assert not ActivityDocument.objects.for_org(world.org).exists()


def test_bad_activity_input_keeps_what_was_typed(world: World, client_as):
    client = client_as(world.people["coordinator"])
    response = client.post(reverse("activity_create", args=["cepol", world.project.slug]), {
        "kind": "training", "title": "Cyber patrol", "starts_on": "2026-05-10",
        "ends_on": "2026-05-01", "city": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert "The last day cannot come before the first." in page
    assert "held online" in page and 'value="Cyber patrol"' in page
    assert not Activity.objects.for_org(world.org).exists()


# --- Tenancy, choices and query counts --------------------------------------------------------

def test_another_organisations_activity_answers_like_a_missing_one(world: World, client_as):
    foreign = ActivityFactory(project=world.foreign_project)
    document = ActivityDocumentFactory(activity=foreign)
    client = client_as(world.people["admin"])
    for name, args in [("activity_detail", [foreign.pk]), ("activity_edit", [foreign.pk]),
                       ("activity_invite", [foreign.pk]),
                       ("activity_document", [foreign.pk, document.pk])]:
        assert client.get(reverse(name, args=["cepol", *args])).status_code == 404
        missing = [999999] + ([999999] if len(args) == 2 else [])
        assert client.get(reverse(name, args=["cepol", *missing])).status_code == 404


def test_invitation_choices_are_the_projects_people_of_this_organisation(world: World,
                                                                         client_as):
    mentee, _mentor = project_people(world)
    activity = ActivityFactory(project=world.project)
    page = client_as(world.people["coordinator"]).get(
        reverse("activity_invite", args=["cepol", activity.pk])).content.decode()
    assert mentee.full_name in page
    assert world.outsider.full_name not in page
    choices = set(selectors.invitable_people(project=world.project))
    assert world.outsider not in choices and world.people["observer"] in choices


def grow(world: World, n: int) -> None:
    for index in range(n):
        activity = ActivityFactory(project=world.project, title=f"Webinar {index}",
                                   online=index % 2 == 0, city="Rabat",
                                   country=world.morocco)
        ActivityParticipantFactory(activity=activity, attended="yes")


@pytest.mark.parametrize("url", [
    "/cepol/projects/euromed-police/activities/",
    "/cepol/projects/euromed-police/activities/?kind=webinar&start=2020-01-01",
    "/cepol/projects/euromed-police/advisory-board/",
])
def test_activity_list_query_count_does_not_grow(world: World, client_as, url: str):
    client = client_as(world.people["coordinator"])
    grow(world, 3)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    grow(world, 20)
    for _ in range(5):
        AdvisoryBoardMemberFactory(project=world.project)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(small) == len(large)


def test_my_activities_query_count_does_not_grow(world: World, client_as):
    client = client_as(world.people["mentee"])
    for _ in range(3):
        ActivityParticipantFactory(activity=ActivityFactory(project=world.project),
                                   person=world.people["mentee"])
    client.get("/cepol/my-activities/")
    with CaptureQueriesContext(connection) as small:
        client.get("/cepol/my-activities/")
    for _ in range(15):
        ActivityParticipantFactory(activity=ActivityFactory(project=world.project),
                                   person=world.people["mentee"])
    with CaptureQueriesContext(connection) as large:
        client.get("/cepol/my-activities/")
    assert len(small) == len(large)


def test_the_dashboard_shows_the_activities_held_in_the_period(world: World, client_as):
    held = ActivityFactory(project=world.project, kind=Activity.Kind.CONFERENCE,
                           starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 3))
    ActivityFactory(project=world.project, starts_on=date(2025, 3, 1), ends_on=date(2025, 3, 1))
    for answer in ("yes", "yes", "no", "no"):
        ActivityParticipantFactory(activity=held, attended=answer)
    client = client_as(world.people["observer"])
    page = client.get(reverse("dashboard", args=["cepol", world.project.slug]),
                      {"start_from": "2026-01-01", "start_to": "2026-06-30"}).content.decode()
    assert "Programme activities held" in page
    assert "1 activity held" in page and "Regional or international conference" in page
    assert "50%" in page


def test_the_board_page_adds_a_member_and_refuses_a_bad_one(world: World, client_as):
    client = client_as(world.people["coordinator"])
    url = reverse("advisory_board", args=["cepol", world.project.slug])
    observer = world.people["observer"]
    refused = client.post(url, {"person": "", "role": "Director of the academy",
                                "since": "2026-01-01"})
    assert refused.status_code == 400
    assert 'value="Director of the academy"' in refused.content.decode()
    added = client.post(url, {"person": observer.pk, "country": "MA",
                              "role": "Director of the academy", "since": "2026-01-01"})
    assert added.status_code == 302
    member = selectors.board_members(project=world.project).get()
    assert (member.person, member.country_id) == (observer, "MA")
    # An observer reads the board but does not change it.
    reader = client_as(observer)
    assert reader.get(url).status_code == 200
    assert reader.post(url, {"person": observer.pk, "since": "2026-01-01"}).status_code == 403
    # A board meeting invites them; their home shows it.
    meeting = services.activity_save(
        actor=as_actor(world.people["coordinator"]), project=world.project, activity=None,
        fields=fields(kind=Activity.Kind.BOARD_MEETING, title="Board meeting", online=True,
                      starts_on=TODAY + timedelta(days=5), ends_on=TODAY + timedelta(days=5)))
    assert "Board meeting" in reader.get("/cepol/").content.decode()
    assert reader.get(reverse("activity_detail", args=["cepol", meeting.pk])).status_code == 200


def test_someone_of_another_organisation_cannot_sit_on_the_board(world: World):
    with pytest.raises(ValidationError):
        services.board_member_add(actor=as_actor(world.people["admin"]), project=world.project,
                                  person=world.outsider, fields={"since": TODAY, "role": ""})


@pytest.mark.parametrize("name", ["activity_detail", "activity_invite"])
def test_an_activitys_pages_query_count_does_not_grow_with_its_invitees(
        world: World, client_as, name: str):
    activity = ActivityFactory(project=world.project)
    client = client_as(world.people["coordinator"])
    url = reverse(name, args=["cepol", activity.pk])

    def invite(n: int) -> None:
        for _ in range(n):
            person = member_of(world.org, "mentee")
            ApplicationFactory(call=world.call, applicant=person, status="shortlisted")
            ActivityParticipantFactory(activity=activity, person=person, attended="yes")
            ActivityDocumentFactory(activity=activity)

    invite(2)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    invite(12)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(small) == len(large)


def test_a_persons_invitations_and_board_seat_are_in_their_export(world: World):
    person = world.people["observer"]
    ActivityParticipantFactory(activity=ActivityFactory(project=world.project), person=person,
                               response="confirmed", attended="yes")
    AdvisoryBoardMemberFactory(project=world.project, person=person, role="Academy director")
    export = personal_data_collect(organisation=world.org, user=person)
    sections = {section["model"]: section["rows"] for section in export["sections"]}
    assert sections["participants.ActivityParticipant"][0]["attended"] == "yes"
    assert sections["participants.AdvisoryBoardMember"][0]["role"] == "Academy director"
