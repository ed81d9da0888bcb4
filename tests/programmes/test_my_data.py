"""A person's own data: the "My data" page shows what the organisation holds about them (and
nothing of anyone else), lets them correct their name and language, ask the organisation for the
rest, and download it all as JSON or PDF, built by a worker."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from participants.models import Notification, User
from programmes.models import AuditEntry
from programmes.privacy import register
from programmes.privacy.models import DataRequest
from reporting.models import Export
from tests.factories import (
    ApplicationFactory,
    ExportFactory,
    MeetingFactory,
    NotificationFactory,
    UserFactory,
)
from tests.helpers import (
    START,
    World,
    active_pairing,
    add_member,
    has_error,
    keep_pages,
    pdf_text,
)


@pytest.fixture
def paired(world: World) -> World:
    """The mentee applied, was paired with the mentor, and logged a meeting; another mentee of
    the same organisation applied too."""
    mentee = world.people["mentee"]
    ApplicationFactory(call=world.call, applicant=mentee, full_name="Mentee Person",
                       email=mentee.email, agency="Sûreté nationale", rank="Commissaire")
    pairing = active_pairing(world)
    MeetingFactory(pairing=pairing, day=START, duration_minutes=60,
                   topics="Tracing crypto-assets", logged_by=mentee)
    NotificationFactory(organisation=world.org, user=mentee, text="Your plan is approved.")
    other = UserFactory(email="other.mentee@cepol.test", full_name="Other Mentee")
    add_member(world.org, "mentee", user=other)
    ApplicationFactory(call=world.call, applicant=other, full_name="Other Mentee",
                       email=other.email, agency="Gendarmerie royale")
    NotificationFactory(organisation=world.org, user=other, text="Someone else's notice.")
    return world


def url(world: World, name: str = "my_data") -> str:
    return reverse(name, args=[world.org.slug])


def test_the_page_shows_what_is_held_about_the_person_and_nothing_of_anyone_else(
        paired: World, client_as):
    response = client_as(paired.people["mentee"]).get(url(paired))
    assert response.status_code == 200
    page = response.content.decode()
    for expected in ("My data", "Applications", "Sûreté nationale", "Commissaire",
                     "Pairings", "Meetings", "Tracing crypto-assets", "Activity plans",
                     "Your plan is approved.", "mentee@cepol.test", "Generated on", "Mentee"):
        assert expected in page, expected
    for unexpected in ("Other Mentee", "other.mentee@cepol.test", "Gendarmerie royale",
                       "Someone else", "pbkdf2"):
        assert unexpected not in page, unexpected


def test_the_page_is_in_the_navigation_for_every_role(world: World, client_as):
    for who in ("admin", "observer", "mentee"):
        page = client_as(world.people[who]).get(reverse("home", args=[world.org.slug]))
        assert f'href="{url(world)}"' in page.content.decode(), who


def test_an_outsider_gets_not_found_and_a_visitor_signs_in(world: World, client_as):
    assert client_as(world.outsider).get(url(world)).status_code == 404
    response = client_as(None).get(url(world))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_person_corrects_their_name_and_language(world: World, client_as):
    mentee = world.people["mentee"]
    response = client_as(mentee).post(url(world, "my_data_profile"),
                                      {"full_name": "  Salma   Idrissi ", "language": "ar"})
    assert response.status_code == 302 and response["Location"] == url(world)
    mentee.refresh_from_db()
    assert (mentee.full_name, mentee.language) == ("Salma Idrissi", "ar")
    entry = AuditEntry.objects.for_org(world.org).get(event=AuditEntry.Event.CHANGED,
                                                      actor=mentee)
    assert entry.additional_data == {"fields": ["full_name", "language"]}
    assert "Salma" not in json.dumps(entry.additional_data) and not entry.changes


@pytest.mark.parametrize(("name", "message"), [
    ("", "This field is required."),
    ("   ", "This field is required."),
    ("Salma\x1b[31m Idrissi", "Remove the control characters (such as NUL) from this text."),
    ("Salma\nIdrissi", "Remove the control characters (such as NUL) from this text."),
])
def test_a_bad_name_is_refused_next_to_the_field_and_nothing_changes(
        world: World, client_as, name: str, message: str):
    mentee = world.people["mentee"]
    response = client_as(mentee).post(url(world, "my_data_profile"),
                                      {"full_name": name, "language": "fr"})
    assert response.status_code == 400
    assert has_error(response, "full_name", message, form="profile_form")
    page = response.content.decode()
    assert message in page
    mentee.refresh_from_db()
    assert (mentee.full_name, mentee.language) == ("Mentee Person", "en")
    assert not AuditEntry.objects.for_org(world.org).filter(
        event=AuditEntry.Event.CHANGED, actor=mentee).exists()


def test_a_language_the_platform_does_not_speak_is_refused(world: World, client_as):
    response = client_as(world.people["mentee"]).post(
        url(world, "my_data_profile"), {"full_name": "Salma Idrissi", "language": "de"})
    assert response.status_code == 400
    assert has_error(response, "language", "Select a valid choice", form="profile_form")
    # What was typed stays in the form.
    assert 'value="Salma Idrissi"' in response.content.decode()


def test_a_data_request_reaches_every_admin_and_is_recorded(world: World, client_as,
                                                             mailoutbox):
    second_admin = add_member(world.org, "admin",
                              user=UserFactory(email="admin2@cepol.test", language="fr")).user
    mentee = world.people["mentee"]
    client = client_as(mentee)
    response = client.post(url(world, "my_data_request"),
                           {"kind": "erasure", "message": "Please erase my account."})
    assert response.status_code == 302
    made = DataRequest.objects.for_org(world.org).get()
    assert (made.requester, made.kind, made.status) == (mentee, "erasure", "open")
    assert made.due_on == DataRequest.due_after(made.created_at.date())
    told = Notification.objects.for_org(world.org).filter(link="/cepol/privacy/requests/")
    assert set(told.values_list("user", flat=True)) == {world.people["admin"].pk,
                                                         second_admin.pk}
    assert "Erase my data" in told.get(user=world.people["admin"]).text
    assert AuditEntry.objects.for_org(world.org).filter(
        event=AuditEntry.Event.DATA_REQUESTED, actor=mentee,
        additional_data={"kind": "erasure"}).count() == 1
    # The outsider's organisation hears nothing; the person sees the request on their page.
    assert not Notification.objects.for_org(world.other_org).exists()
    page = client.get(url(world)).content.decode()
    assert "Please erase my account." in page and made.due_on.isoformat() in page


def test_a_correction_request_needs_a_message(world: World, client_as):
    response = client_as(world.people["mentee"]).post(url(world, "my_data_request"),
                                                      {"kind": "correction", "message": " "})
    assert response.status_code == 400
    assert has_error(response, "message", "Say what should be corrected",
                     form="request_form")
    assert not DataRequest.objects.for_org(world.org).exists()


def build(world: World, client, format: str, django_capture_on_commit_callbacks) -> Export:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(world, "personal_data_export"), {"format": format})
    made = Export.objects.for_org(world.org).latest("pk")
    assert response["Location"] == reverse("export_detail", args=[world.org.slug, made.pk])
    made.refresh_from_db()
    assert made.status == "done", made.error
    return made


def download(world: World, client, made: Export):
    return client.get(reverse("export_download", args=[world.org.slug, made.pk]))


def test_the_json_export_holds_every_field_the_register_declares(
        paired: World, client_as, django_capture_on_commit_callbacks):
    mentee = paired.people["mentee"]
    client = client_as(mentee)
    made = build(paired, client, "json", django_capture_on_commit_callbacks)
    response = download(paired, client, made)
    assert response["Content-Type"] == "application/json"
    data = json.loads(response.content)
    assert data["person"] == mentee.email
    sections = {section["model"]: section for section in data["sections"]}
    for label in ("participants.User", "participants.Membership", "participants.Application",
                  "matching.Pairing", "matching.Meeting", "participants.Notification"):
        assert label in sections, label
    for label, section in sections.items():
        entry = next(e for e in register.entries() if e.key == label)
        assert set(section["fields"]) == set(entry.personal), label
        for row in section["rows"]:
            assert set(row) == {"id", *entry.personal}, label
    assert "Sûreté nationale" in response.content.decode()  # not escaped
    assert "Other Mentee" not in response.content.decode()
    assert AuditEntry.objects.for_org(paired.org).filter(
        event=AuditEntry.Event.DATA_EXPORTED, actor=mentee,
        additional_data={"export": made.pk, "kind": "personal"}).count() == 1


def test_the_pdf_export_is_in_the_persons_language(
        paired: World, client_as, django_capture_on_commit_callbacks):
    mentee = paired.people["mentee"]
    client = client_as(mentee)
    made = build(paired, client, "pdf", django_capture_on_commit_callbacks)
    text = pdf_text(download(paired, client, made).content)
    for expected in ("My data", "Mentee Person", "Tracing crypto-assets", "Commissaire"):
        assert expected in text, expected
    keep_pages(download(paired, client, made).content, "my-data-en")
    User.objects.filter(pk=mentee.pk).update(language="fr")
    made = build(paired, client, "pdf", django_capture_on_commit_callbacks)
    assert "Mes données" in pdf_text(download(paired, client, made).content)
    # Arabic, right to left: extracted Arabic text is only roughly in order, so look loosely.
    User.objects.filter(pk=mentee.pk).update(language="ar")
    made = build(paired, client, "pdf", django_capture_on_commit_callbacks)
    content = download(paired, client, made).content
    assert "Tracing crypto-assets" in pdf_text(content)
    keep_pages(content, "my-data-ar")


def test_only_the_person_downloads_their_export(
        paired: World, client_as, django_capture_on_commit_callbacks):
    made = build(paired, client_as(paired.people["mentee"]), "json",
                 django_capture_on_commit_callbacks)
    admin = client_as(paired.people["admin"])
    assert download(paired, admin, made).status_code == 404
    assert admin.get(reverse("export_detail", args=[paired.org.slug, made.pk])).status_code \
        == 404


def test_a_bad_export_format_is_refused(world: World, client_as):
    response = client_as(world.people["mentee"]).post(url(world, "personal_data_export"),
                                                      {"format": "csv"}, follow=True)
    assert "Choose JSON or PDF." in response.content.decode()
    assert not Export.objects.for_org(world.org).exists()


def test_every_other_download_is_recorded(world: World, client_as):
    made = ExportFactory(project=world.project, requested_by=world.people["admin"],
                         kind="pairings", format="csv", status="done", content=b"Pairing\n",
                         filename="pairings.csv")
    assert download(world, client_as(world.people["admin"]), made).status_code == 200
    assert AuditEntry.objects.for_org(world.org).filter(
        event=AuditEntry.Event.EXPORT_DOWNLOADED, actor=world.people["admin"],
        additional_data={"export": made.pk, "kind": "pairings"}).count() == 1


def test_the_page_reads_the_same_number_of_queries_however_many_meetings_the_person_logged(
        world: World, client_as):
    mentee = world.people["mentee"]
    pairing = active_pairing(world)
    client = client_as(mentee)

    def queries_with(meetings: int) -> int:
        for day in range(meetings):
            MeetingFactory(pairing=pairing, day=START + timedelta(days=day), logged_by=mentee,
                           confirmed_by=world.people["mentor"])
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(world)).status_code == 200
        return len(queries)

    assert queries_with(2) == queries_with(20)
