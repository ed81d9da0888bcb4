"""Bringing a programme under way in: the template, the preview of a file (what will be
created, what exists, every bad cell and why) before anything is written, the import in one
transaction, and a second import of the same file that creates nothing."""

import csv
import io
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from matching.imports import services
from matching.imports.check import COLUMNS, MEETING_COLUMNS
from matching.imports.importer import imports_purge
from matching.models import (
    ActivityPlan,
    Meeting,
    Pairing,
    PairingCompliance,
    PairingEvent,
    ProgrammeImport,
    Reminder,
)
from matching.reminders.services import reminders_plan
from participants.models import Application, Invitation, Membership, User, hash_token
from programmes.privacy.models import AuditEntry
from programmes.privacy.services import person_erase, personal_data_collect
from tests.factories import PairingFactory, ProgrammeImportFactory
from tests.helpers import PASSWORD, World, as_actor

TODAY = date(2027, 3, 1)
HEADER = [str(label) for _key, label, _required in COLUMNS]
MEETING_HEADER = [str(label) for _key, label, _required in MEETING_COLUMNS]
GOOD = [
    ["salma@police.ma", "Salma Idrissi", "MA", "jean@police.fr", "Jean Martin", "FR",
     "Criminal finances", "fr, en", "2026-10-15", "6", "1"],
    # Country names, a language by its name, the meetings a month left to the project's rule.
    ["amal@psd.gov.jo", "Amal Haddad", "Jordan", "marie@police.fr", "Marie Dubois", "France",
     "criminal finances", "English", "2026-12-01", "12", ""],
]
BAD = [
    (["a@police.ma", "A", "Atlantis", "b@police.fr", "B", "FR", "Criminal finances", "fr",
      "2026-10-15", "6", "1"], "C", "“Atlantis” is not a country this platform knows"),
    (["c@police.ma", "C", "MA", "c@police.ma", "C", "FR", "Criminal finances", "fr",
      "2026-10-15", "6", "1"], "D", "The mentor is also the mentee"),
    (["d@police.ma", "D", "MA", "e@police.fr", "E", "FR", "Criminal finances", "fr",
      "15/10/2026", "6", "1"], "I", "“15/10/2026” is not a date"),
    (["f@police.ma", "F", "MA", "g@police.fr", "G", "FR", "Criminal finances", "fr",
      "2026-10-15", "24", "1"], "J", "Duration: the project allows 3 to 12 months."),
    (["h@police.ma", "=HYPERLINK(\"http://evil.test\")", "MA", "i@police.fr", "I", "FR",
      "Criminal finances", "fr", "2026-10-15", "6", "1"], "B", "A formula"),
    (["", "J", "MA", "k@police.fr", "K", "FR", "Criminal finances", "fr", "2026-10-15", "6",
      "1"], "A", "This cell is required."),
]


def moment(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(10)))


def csv_file(rows: list[list[str]]) -> bytes:
    text = io.StringIO(newline="")
    csv.writer(text).writerows([HEADER, *rows])
    return text.getvalue().encode("utf-8-sig")


def xlsx_file(rows: list[list[str]]) -> bytes:
    """As a spreadsheet holds what people type: numbers as numbers, a formula as a formula."""
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append([int(v) if v.isdigit() else v for v in row])
    file = io.BytesIO()
    book.save(file)
    return file.getvalue()


def upload(client, world: World, content: bytes, name: str = "cohort.csv"):
    return client.post(reverse("import_start", args=[world.org.slug, world.project.slug]),
                       {"file": SimpleUploadedFile(name, content)})


def existing_pair(world: World) -> list[str]:
    """A row of the pairing of the world's mentee and mentor, already in the project."""
    PairingFactory(project=world.project, mentee=world.people["mentee"],
                   mentor=world.people["mentor"], status="active")
    return ["mentee@cepol.test", "Mentee Person", "MA", "mentor@cepol.test", "Mentor Person",
            "FR", "Criminal finances", "fr", "2026-10-15", "6", "1"]


@pytest.mark.parametrize("format", ["csv", "xlsx"])
def test_the_preview_shows_what_is_created_what_exists_and_every_bad_cell(
        world: World, client_as, format):
    rows = [*GOOD, existing_pair(world), *(row for row, _column, _reason in BAD)]
    content = csv_file(rows) if format == "csv" else xlsx_file(rows)
    pairings_before = Pairing.objects.for_org(world.org).count()
    response = upload(client_as(world.people["coordinator"]), world, content,
                      f"cohort.{format}")
    assert response.status_code == 302
    made = ProgrammeImport.objects.for_org(world.org).get()
    preview = made.preview
    assert (preview["total"], preview["new"], preview["existing"], preview["bad"]) \
        == (9, 2, 1, 6)
    assert (preview["new_lines"], preview["existing_lines"]) == ("2-3", "4")
    first_bad_line = 2 + len(GOOD) + 1
    errors = [tuple(error) for error in preview["errors"]]
    assert [cell for cell, _reason in errors] == [
        f"{column}{first_bad_line + index}" for index, (_row, column, _r) in enumerate(BAD)]
    for (_cell, reason), (_row, _column, expected) in zip(errors, BAD, strict=True):
        assert expected in reason
    # Nothing is written but the file and its preview.
    assert Pairing.objects.for_org(world.org).count() == pairings_before
    assert not User.objects.filter(email="salma@police.ma").exists()
    page = client_as(world.people["coordinator"]).get(response["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert f"C{first_bad_line}" in text and "Atlantis" in text
    assert "Import 2 pairings" not in text  # a file with bad rows is not imported
    refused = client_as(world.people["coordinator"]).post(
        reverse("import_confirm", args=[world.org.slug, made.pk]), {"invite": "on"})
    assert refused.status_code == 302
    assert ProgrammeImport.objects.for_org(world.org).get().status == "previewed"


def test_a_formula_typed_in_a_spreadsheet_is_refused_never_evaluated(world: World, client_as):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append([*GOOD[0][:9], "=3+3", 1])
    file = io.BytesIO()
    book.save(file)
    upload(client_as(world.people["coordinator"]), world, file.getvalue(), "cohort.xlsx")
    preview = ProgrammeImport.objects.for_org(world.org).get().preview
    assert preview["bad"] == 1 and preview["errors"][0][0] == "J2"
    assert "formula" in preview["errors"][0][1]


@pytest.mark.parametrize("content, name", [
    (b"PK\x03\x04 not a spreadsheet", "cohort.xlsx"),
    (b"\xff\xfe\x00 not utf-8", "cohort.csv"),
    (b"Name,Email\nSalma,salma@police.ma\n", "cohort.csv"),
    (b"", "cohort.csv"),
    (b"hello", "cohort.pdf"),
])
def test_a_file_that_cannot_be_read_is_refused_with_a_reason_never_a_server_error(
        world: World, client_as, content, name):
    response = upload(client_as(world.people["coordinator"]), world, content, name)
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    assert not ProgrammeImport.objects.for_org(world.org).exists()


def confirm(client, world: World, made: ProgrammeImport, capture, invite: bool = True):
    with capture(execute=True):
        return client.post(reverse("import_confirm", args=[world.org.slug, made.pk]),
                           {"invite": "on"} if invite else {})


def test_the_import_creates_active_pairings_with_an_approved_plan_that_enter_compliance(
        world: World, client_as, django_capture_on_commit_callbacks):
    with time_machine.travel(moment(TODAY), tick=False):
        client = client_as(world.people["coordinator"])  # signed in on that day
        response = upload(client, world, csv_file([*GOOD, existing_pair(world)]))
        assert response.status_code == 302, response.content.decode()[-3000:]
        made = ProgrammeImport.objects.for_org(world.org).get()
        assert (made.preview["new"], made.preview["existing"], made.preview["bad"]) == (2, 1, 0)
        assert made.preview["people_new"] == 4
        assert confirm(client, world, made, django_capture_on_commit_callbacks).status_code \
            == 302
        made.refresh_from_db()
        assert made.status == "done", made.error
        assert made.content == b""  # the file goes once imported
        assert made.created["pairings"] == 2 and made.created["people"] == 4

        pairings = Pairing.objects.for_org(world.org).filter(
            mentee__email__in=["salma@police.ma", "amal@psd.gov.jo"]).order_by("mentee__email")
        assert [(p.mentee.email, p.mentor.email, p.status) for p in pairings] == [
            ("amal@psd.gov.jo", "marie@police.fr", "active"),
            ("salma@police.ma", "jean@police.fr", "active")]
        salma = pairings[1]
        plan = ActivityPlan.objects.for_org(world.org).get(pairing=salma)
        assert (plan.status, plan.start, plan.duration_months, plan.online_meetings_per_month) \
            == ("approved", date(2026, 10, 15), 6, 1)
        application = salma.mentee_application
        assert (application.country_id, application.thematic_area.name, application.status) \
            == ("MA", "Criminal finances", "shortlisted")
        assert sorted(application.languages.values_list("language", flat=True)) == ["en", "fr"]
        assert salma.mentor_application.country_id == "FR"
        assert Membership.objects.for_org(world.org).filter(
            user__email="salma@police.ma", role="mentee").exists()
        assert Membership.objects.for_org(world.org).filter(
            user__email="jean@police.fr", role="mentor").exists()
        assert not User.objects.get(email="salma@police.ma").has_usable_password()
        assert PairingEvent.objects.for_org(world.org).filter(pairing=salma).count() == 1
        # Each person created is invited, through the invitation service.
        assert Invitation.objects.for_org(world.org).filter(
            email__in=["salma@police.ma", "jean@police.fr", "amal@psd.gov.jo",
                       "marie@police.fr"]).count() == 4
        # History: what the import created is in the audit trail, and the import itself.
        assert AuditEntry.objects.for_org(world.org).filter(
            event="created", object_pk=str(salma.pk),
            content_type__model="pairing").exists()
        assert AuditEntry.objects.for_org(world.org).filter(event="imported").exists()

        # Compliance is kept, and the reminders due for the past are never sent: the first
        # visit was due by 2027-01-14, before the import.
        kept = PairingCompliance.objects.for_org(world.org).get(pairing=salma)
        assert kept.first_visit_late
        reminders_plan(now=moment(TODAY))
        sendable = Reminder.objects.for_org(world.org).filter(
            pairing__in=pairings, status="pending")
        assert not sendable.filter(kind__in=["first_visit_late", "interim_late"]).exists()
        assert Reminder.objects.for_org(world.org).filter(
            pairing=salma, kind="first_visit_late", status="cancelled").count() == 2

        # The pairings show in the project's list and its compliance table like any other.
        listed = client.get(reverse("pairing_list", args=[world.org.slug]),
                            {"project": world.project.pk})
        assert "Salma Idrissi" in listed.content.decode()
        table = client.get(reverse("compliance_table", args=[world.org.slug,
                                                             world.project.slug]))
        assert "Salma Idrissi" in table.content.decode()
        detail = client.get(reverse("pairing_detail", args=[world.org.slug, salma.pk]))
        assert detail.status_code == 200
        dashboard = client.get(reverse("dashboard", args=[world.org.slug, world.project.slug]))
        assert dashboard.status_code == 200
        figures = dashboard.context["figures"]
        assert figures.total == 3  # the two imported and the one already there
        assert dict(figures.by_mentee_country)["Jordan"][0] == 1

    # A month later, the scan reminds them of the month under way like any other pairing.
    with time_machine.travel(moment(date(2027, 4, 10)), tick=False):
        reminders_plan(now=moment(date(2027, 4, 10)))
        assert Reminder.objects.for_org(world.org).filter(
            pairing=salma, kind="online_meeting", status="pending").exists()


def test_importing_the_same_file_twice_creates_nothing_twice(
        world: World, client_as, django_capture_on_commit_callbacks):
    content = csv_file(GOOD)
    with time_machine.travel(moment(TODAY), tick=False):
        client = client_as(world.people["coordinator"])  # signed in on that day
        upload(client, world, content)
        first = ProgrammeImport.objects.for_org(world.org).get()
        confirm(client, world, first, django_capture_on_commit_callbacks, invite=False)
        first.refresh_from_db()
        assert first.status == "done" and "invited" not in first.created
        counts = (Pairing.objects.for_org(world.org).count(),
                  Application.objects.for_org(world.org).count(),
                  Membership.objects.for_org(world.org).count(), User.objects.count())
        assert not Invitation.objects.for_org(world.org).filter(
            email="salma@police.ma").exists()

        upload(client, world, content)
        second = ProgrammeImport.objects.for_org(world.org).exclude(pk=first.pk).get()
        assert (second.preview["new"], second.preview["existing"], second.preview["bad"]) \
            == (0, 2, 0)
        page = client.get(reverse("import_detail", args=[world.org.slug, second.pk]))
        assert "nothing to import" in page.content.decode()
        confirm(client, world, second, django_capture_on_commit_callbacks)
        second.refresh_from_db()
        assert second.status == "previewed"
        assert counts == (Pairing.objects.for_org(world.org).count(),
                          Application.objects.for_org(world.org).count(),
                          Membership.objects.for_org(world.org).count(), User.objects.count())


def test_a_mentee_is_paired_once_in_the_file_and_not_beside_a_live_pairing(world: World):
    existing_pair(world)
    rows = [GOOD[0], [*GOOD[0][:3], "other@police.fr", *GOOD[0][4:]],
            ["mentee@cepol.test", "Mentee Person", "MA", "new@police.fr", "New Mentor", "FR",
             "Criminal finances", "fr", "2026-10-15", "6", "1"]]
    made = services.import_upload(actor=as_actor(world.people["coordinator"]),
                                  project=world.project, filename="cohort.csv",
                                  content=csv_file(rows))
    assert [error[0] for error in made.preview["errors"]] == ["A3", "A4"]
    assert "row 2" in made.preview["errors"][0][1]


def generated(count: int) -> bytes:
    return csv_file([[f"mentee{n}@police.ma", f"Mentee {n}", "MA", f"mentor{n}@police.fr",
                      f"Mentor {n}", "FR", "Criminal finances", "fr, en", "2026-10-15", "6",
                      "1"] for n in range(count)])


def test_the_preview_of_ten_thousand_rows_reads_the_database_a_fixed_number_of_times(
        world: World):
    actor = as_actor(world.people["coordinator"])
    # Once before counting: the actor's permissions are read once, then kept.
    services.import_upload(actor=actor, project=world.project, filename="cohort.csv",
                           content=generated(1))
    counts = []
    for size in (10, 10_000):
        with CaptureQueriesContext(connection) as queries:
            made = services.import_upload(actor=actor, project=world.project,
                                          filename="cohort.csv", content=generated(size))
        assert (made.preview["new"], made.preview["bad"]) == (size, 0)
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_template_has_the_columns_and_an_explanation_in_the_coordinator_s_language(
        world: World, client_as):
    client = client_as(world.people["coordinator"])
    url = reverse("import_template", args=[world.org.slug, world.project.slug])
    book = load_workbook(io.BytesIO(client.get(url).content))
    assert [cell.value for cell in book.worksheets[0][1]] == HEADER
    assert book.sheetnames[1:] == ["Meetings", "Explanation"]
    assert [cell.value for cell in book.worksheets[1][1]] == MEETING_HEADER
    explanation = str([c.value for row in book.worksheets[2] for c in row])
    assert "Criminal finances" in explanation and "confirmed by both participants" in explanation
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    french = load_workbook(io.BytesIO(client.get(url).content))
    assert french.sheetnames[2] != "Explanation" or french.worksheets[0]["A1"].value
    text = client.get(url, {"format": "csv"}).content.decode("utf-8-sig")
    assert text.count(",") == len(COLUMNS) - 1


def test_an_uploaded_file_is_deleted_after_thirty_days(world: World):
    old = ProgrammeImportFactory(project=world.project)
    recent = ProgrammeImportFactory(project=world.project)
    ProgrammeImport.objects.for_org(world.org).filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=31))
    assert imports_purge() == 1
    assert list(ProgrammeImport.objects.for_org(world.org).values_list("pk", flat=True)) == [
        recent.pk]


def test_a_person_the_import_created_accepts_the_invitation_and_chooses_a_password(
        world: World, client_as, django_capture_on_commit_callbacks):
    with time_machine.travel(moment(TODAY), tick=False):
        client = client_as(world.people["coordinator"])
        upload(client, world, csv_file(GOOD[:1]))
        confirm(client, world, ProgrammeImport.objects.for_org(world.org).get(),
                django_capture_on_commit_callbacks)
        invitation = Invitation.objects.for_org(world.org).get(email="salma@police.ma")
        invitation.token_hash = hash_token("tok")
        invitation.save()
        anonymous = client_as(None)
        form = anonymous.get(reverse("invitation_accept", args=["tok"]))
        assert form.status_code == 200 and 'name="password1"' in form.content.decode()
        response = anonymous.post(reverse("invitation_accept", args=["tok"]), {
            "full_name": "Salma Idrissi", "password1": PASSWORD, "password2": PASSWORD})
        assert response.status_code == 302
        salma = User.objects.get(email="salma@police.ma")
        assert salma.check_password(PASSWORD)
        assert User.objects.filter(email="salma@police.ma").count() == 1
        pairing = Pairing.objects.for_org(world.org).get(mentee=salma)
        assert client_as(salma).get(
            reverse("pairing_detail", args=[world.org.slug, pairing.pk])).status_code == 200


def test_files_are_in_their_uploader_s_data_and_go_when_anyone_they_name_is_erased(
        world: World, django_capture_on_commit_callbacks):
    coordinator = world.people["coordinator"]
    made = services.import_upload(actor=as_actor(coordinator), project=world.project,
                                  filename="cohort.csv", content=csv_file(GOOD))
    data = personal_data_collect(organisation=world.org, user=coordinator)
    section = next(s for s in data["sections"] if s["model"] == "matching.ProgrammeImport")
    assert section["rows"][0]["id"] == made.pk and section["rows"][0]["filename"] == "cohort.csv"
    with django_capture_on_commit_callbacks(execute=True):
        services.import_confirm(actor=as_actor(coordinator), programme_import=made, invite=False)
    upload_again = services.import_upload(actor=as_actor(coordinator), project=world.project,
                                          filename="again.csv", content=csv_file(GOOD))
    salma = User.objects.get(email="salma@police.ma")
    person_erase(organisation=world.org, user=salma, by=world.people["admin"])
    assert not ProgrammeImport.objects.for_org(world.org).filter(
        pk__in=[made.pk, upload_again.pk]).exists()
    # Her pairing stays for her partner and the figures, without her.
    pairing = Pairing.objects.for_org(world.org).get(mentor__email="jean@police.fr")
    assert pairing.mentee.email != "salma@police.ma"


def test_another_organisation_s_import_answers_like_a_missing_one(world: World, client_as):
    foreign = ProgrammeImportFactory(project=world.foreign_project)
    client = client_as(world.people["admin"])
    for name in ("import_detail",):
        assert client.get(reverse(name, args=[world.org.slug, foreign.pk])).status_code \
            == client.get(reverse(name, args=[world.org.slug, 999999])).status_code == 404
    assert client.post(reverse("import_confirm", args=[world.org.slug, foreign.pk])) \
        .status_code == 404
    # A coordinator of another project of the organisation does not see this one's either.
    other = ProgrammeImportFactory(project=world.other_project,
                                   requested_by=world.people["admin"])
    coordinator = client_as(world.people["coordinator"])
    assert coordinator.get(reverse("import_detail", args=[world.org.slug, other.pk])) \
        .status_code == 404


def test_the_bench_previews_and_imports_a_file_and_prints_its_times(db):
    out = io.StringIO()
    call_command("bench_import", size=20, stdout=out)
    text = out.getvalue()
    # Each figure next to its yardstick and its goal (met or not: 20 rows say little).
    assert "x the file read / <=100x" in text and "x the accounts alone / <=60x" in text


def test_a_file_the_project_no_longer_accepts_is_not_imported_at_all(
        world: World, django_capture_on_commit_callbacks):
    coordinator = as_actor(world.people["coordinator"])
    made = services.import_upload(actor=coordinator, project=world.project,
                                  filename="cohort.csv", content=csv_file(GOOD))
    # Between the preview and the confirmation, the project's rules change: 12 months is no
    # longer allowed, so the second row is refused, and the first is not imported either.
    world.project.duration_max_months = 9
    world.project.save()
    pairings = Pairing.objects.for_org(world.org).count()
    with django_capture_on_commit_callbacks(execute=True):
        services.import_confirm(actor=coordinator, programme_import=made, invite=True)
    made.refresh_from_db()
    assert made.status == "failed" and "1 row is now refused" in made.error
    assert Pairing.objects.for_org(world.org).count() == pairings
    assert not User.objects.filter(email="salma@police.ma").exists()


def test_a_spreadsheet_s_own_dates_columns_in_another_order_and_semicolons_are_read(
        world: World):
    actor = as_actor(world.people["coordinator"])
    order = list(reversed(range(len(HEADER))))
    book = Workbook()
    sheet = book.active
    sheet.append([HEADER[i] for i in order])
    row = [*GOOD[0][:8], date(2026, 10, 15), 6, 1]  # a date cell, numbers
    sheet.append([row[i] for i in order])
    file = io.BytesIO()
    book.save(file)
    made = services.import_upload(actor=actor, project=world.project, filename="cohort.XLSX",
                                  content=file.getvalue())
    assert (made.preview["new"], made.preview["bad"]) == (1, 0), made.preview["errors"]
    # A spreadsheet set to French saves its CSV with semicolons.
    text = "\n".join(";".join(line) for line in [HEADER, GOOD[1]])
    made = services.import_upload(actor=actor, project=world.project, filename="cohort.csv",
                                  content=text.encode())
    assert (made.preview["new"], made.preview["bad"]) == (1, 0), made.preview["errors"]


# -- The meetings and visits already held (the XLSX's sheet "Meetings") ----------------------

MEETINGS = [
    ["salma@police.ma", "jean@police.fr", "2026-10-20", "online", "60", "Getting to know",
     "", "", ""],
    # A visit, its kind in the template's words, funded; in the first 3 months.
    ["Salma@police.ma", "jean@police.fr", "2026-11-20", "In person", "240", "Visit",
     "Rabat", "Morocco", "yes"],
    ["salma@police.ma", "jean@police.fr", "2026-11-25", "Online meeting", "45", "Cases",
     "", "", "no"],
    ["salma@police.ma", "jean@police.fr", "2026-12-20", "online", "45", "Cases", "", "", ""],
    ["salma@police.ma", "jean@police.fr", "2027-01-20", "online", "45", "Cases", "", "", ""],
    ["salma@police.ma", "jean@police.fr", "2027-02-20", "online", "45", "Cases", "", "", ""],
]
BAD_MEETINGS = [
    (["nobody@police.ma", "jean@police.fr", "2026-11-01", "online", "60", "x", "", "", ""],
     "A", "No pairing of this mentee and this mentor"),
    (["salma@police.ma", "jean@police.fr", "01/11/2026", "online", "60", "x", "", "", ""],
     "C", "“01/11/2026” is not a date"),
    (["salma@police.ma", "jean@police.fr", "2026-10-01", "online", "60", "x", "", "", ""],
     "C", "is before the pairing started"),
    (["salma@police.ma", "jean@police.fr", "2027-03-10", "online", "60", "x", "", "", ""],
     "C", "is in the future"),
    (["salma@police.ma", "jean@police.fr", "2026-11-02", "phone", "60", "x", "", "", ""],
     "D", "“phone” is not a kind of meeting"),
    (["salma@police.ma", "jean@police.fr", "2026-11-03", "online", "60", "=1+1", "", "", ""],
     "F", "A formula"),
    (["salma@police.ma", "jean@police.fr", "2026-11-04", "online", "", "x", "", "", ""],
     "E", "This cell is required."),
    (["salma@police.ma", "jean@police.fr", "2026-11-05", "online", "60", "x", "", "", "yes"],
     "I", "Only an in-person visit is funded."),
    (["salma@police.ma", "jean@police.fr", "2026-11-06", "in person", "60", "x", "", "", ""],
     "G", "Say where the visit took place."),
]


def xlsx_with_meetings(rows: list[list[str]], meetings: list[list[str]]) -> bytes:
    """The template's two data sheets, as a spreadsheet holds them."""
    book = Workbook()
    for sheet, header, lines in ((book.active, HEADER, rows),
                                 (book.create_sheet("Meetings"), MEETING_HEADER, meetings)):
        sheet.append(header)
        for line in lines:
            sheet.append([int(v) if v.isdigit() else v for v in line])
    file = io.BytesIO()
    book.save(file)
    return file.getvalue()


def test_the_preview_checks_each_meeting_row_with_its_cell_and_reason(world: World):
    with time_machine.travel(moment(TODAY), tick=False):
        made = services.import_upload(
            actor=as_actor(world.people["coordinator"]), project=world.project,
            filename="cohort.xlsx", content=xlsx_with_meetings(
                GOOD, [*MEETINGS, *(row for row, _column, _reason in BAD_MEETINGS)]))
    preview = made.preview
    assert (preview["new"], preview["pairings_bad"]) == (2, 0)
    assert (preview["meetings_total"], preview["meetings_new"], preview["meetings_bad"]) \
        == (len(MEETINGS) + len(BAD_MEETINGS), len(MEETINGS), len(BAD_MEETINGS))
    assert preview["bad"] == len(BAD_MEETINGS)  # a bad meeting row stops the import too
    first_bad_line = 2 + len(MEETINGS)
    errors = [tuple(error) for error in preview["errors"]]
    assert [cell for cell, _reason in errors] == [
        f"Meetings!{column}{first_bad_line + index}"
        for index, (_row, column, _r) in enumerate(BAD_MEETINGS)]
    for (_cell, reason), (_row, _column, expected) in zip(errors, BAD_MEETINGS, strict=True):
        assert expected in reason
    assert not Pairing.objects.for_org(world.org).filter(mentee__email="salma@police.ma") \
        .exists()


def test_a_meeting_of_a_refused_pairing_or_of_a_pairing_not_under_way_is_refused(
        world: World):
    existing_pair(world)  # in the project, but without an approved plan
    bad_pairing = [*GOOD[0][:2], "Atlantis", *GOOD[0][3:]]
    with time_machine.travel(moment(TODAY), tick=False):
        made = services.import_upload(
            actor=as_actor(world.people["coordinator"]), project=world.project,
            filename="cohort.xlsx", content=xlsx_with_meetings([bad_pairing], [
                MEETINGS[0],
                ["mentee@cepol.test", "mentor@cepol.test", "2026-11-01", "online", "60", "x",
                 "", "", ""]]))
    errors = made.preview["errors"]
    assert [error[0] for error in errors] == ["C2", "Meetings!A2", "Meetings!A3"]
    assert "refused on the first sheet" in errors[1][1]
    assert "not under way" in errors[2][1]


def test_imported_meetings_are_confirmed_audited_and_count_for_compliance(
        world: World, client_as, django_capture_on_commit_callbacks):
    with time_machine.travel(moment(TODAY), tick=False):
        client = client_as(world.people["coordinator"])
        upload(client, world, xlsx_with_meetings(GOOD, MEETINGS), "cohort.xlsx")
        made = ProgrammeImport.objects.for_org(world.org).get()
        assert (made.preview["meetings_new"], made.preview["bad"]) == (len(MEETINGS), 0), \
            made.preview["errors"]
        page = client.get(reverse("import_detail", args=[world.org.slug, made.pk]))
        assert "Meetings and visits to create" in page.content.decode()
        confirm(client, world, made, django_capture_on_commit_callbacks, invite=False)
        made.refresh_from_db()
        assert made.status == "done", made.error
        assert made.created["meetings"] == len(MEETINGS)

        salma = Pairing.objects.for_org(world.org).get(mentee__email="salma@police.ma")
        meetings = Meeting.objects.for_org(world.org).filter(pairing=salma).order_by("day")
        assert [(m.day, m.kind, m.duration_minutes) for m in meetings][:2] == [
            (date(2026, 10, 20), "online", 60), (date(2026, 11, 20), "in_person", 240)]
        visit = meetings[1]
        assert (visit.city, visit.country_id, visit.funded) == ("Rabat", "MA", True)
        coordinator = world.people["coordinator"]
        assert all(m.logged_by == coordinator and m.confirmed_by == coordinator
                   and m.confirmed_at is not None and m.counts for m in meetings)
        assert AuditEntry.objects.for_org(world.org).filter(
            event="created", content_type__model="meeting",
            object_pk__in=[str(m.pk) for m in meetings]).count() == len(MEETINGS)

        # The months held and the visit in time: nothing of the past shows as missed.
        kept = PairingCompliance.objects.for_org(world.org).get(pairing=salma)
        assert not kept.first_visit_late
        assert kept.late_months == 0 and kept.to_confirm == 0
        # Amal's pairing came without meetings: its months show as missed, as before.
        amal = PairingCompliance.objects.for_org(world.org).get(
            pairing__mentee__email="amal@psd.gov.jo")
        assert amal.late_months > 0


def test_a_second_import_creates_no_meeting_twice_and_brings_only_the_new_ones(
        world: World, client_as, django_capture_on_commit_callbacks):
    with time_machine.travel(moment(TODAY), tick=False):
        client = client_as(world.people["coordinator"])
        content = xlsx_with_meetings(GOOD, MEETINGS)
        upload(client, world, content, "cohort.xlsx")
        first = ProgrammeImport.objects.for_org(world.org).get()
        confirm(client, world, first, django_capture_on_commit_callbacks, invite=False)
        meetings = Meeting.objects.for_org(world.org).count()

        upload(client, world, content, "cohort.xlsx")
        second = ProgrammeImport.objects.for_org(world.org).exclude(pk=first.pk).get()
        assert (second.preview["new"], second.preview["meetings_new"],
                second.preview["meetings_existing"]) == (0, 0, len(MEETINGS))
        confirm(client, world, second, django_capture_on_commit_callbacks)
        second.refresh_from_db()
        assert second.status == "previewed"
        assert Meeting.objects.for_org(world.org).count() == meetings

        # A later file with one more meeting of a pairing already in the project: only it.
        later = [*MEETINGS, ["amal@psd.gov.jo", "marie@police.fr", "2027-01-10", "visit",
                             "120", "Visit", "Amman", "JO", ""]]
        upload(client, world, xlsx_with_meetings(GOOD, later), "cohort.xlsx")
        third = ProgrammeImport.objects.for_org(world.org).exclude(
            pk__in=[first.pk, second.pk]).get()
        assert (third.preview["new"], third.preview["existing"], third.preview["meetings_new"],
                third.preview["meetings_existing"]) == (0, 2, 1, len(MEETINGS))
        pairings = Pairing.objects.for_org(world.org).count()
        confirm(client, world, third, django_capture_on_commit_callbacks)
        third.refresh_from_db()
        assert third.status == "done", third.error
        assert (third.created["pairings"], third.created["meetings"]) == (0, 1)
        assert Pairing.objects.for_org(world.org).count() == pairings
        assert Meeting.objects.for_org(world.org).count() == meetings + 1
        amal = PairingCompliance.objects.for_org(world.org).get(
            pairing__mentee__email="amal@psd.gov.jo")
        assert not amal.first_visit_late


def generated_with_meetings(count: int) -> bytes:
    return xlsx_with_meetings(
        [[f"mentee{n}@police.ma", f"Mentee {n}", "MA", f"mentor{n}@police.fr", f"Mentor {n}",
          "FR", "Criminal finances", "fr", "2026-10-15", "6", "1"] for n in range(count)],
        [[f"mentee{n}@police.ma", f"mentor{n}@police.fr", "2026-11-20", "in person", "120",
          "Visit", "Rabat", "MA", "yes"] for n in range(count)])


def test_the_preview_with_meetings_reads_the_database_a_fixed_number_of_times(world: World):
    actor = as_actor(world.people["coordinator"])
    existing_pair(world)  # the project's pairings and meetings are read too
    with time_machine.travel(moment(TODAY), tick=False):
        services.import_upload(actor=actor, project=world.project, filename="cohort.xlsx",
                               content=generated_with_meetings(1))
        counts = []
        for size in (10, 1000):
            content = generated_with_meetings(size)
            with CaptureQueriesContext(connection) as queries:
                made = services.import_upload(actor=actor, project=world.project,
                                              filename="cohort.xlsx", content=content)
            assert (made.preview["new"], made.preview["meetings_new"], made.preview["bad"]) \
                == (size, size, 0), made.preview["errors"][:3]
            counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_page_shows_how_far_a_running_import_has_come(
        world: World, client_as, django_capture_on_commit_callbacks):
    """The import's one transaction shows nothing before its end: the worker tells its steps
    through the cache, and the page's bar reads them."""
    from django.core.cache import cache

    from matching.imports.selectors import progress_key

    with time_machine.travel(moment(TODAY), tick=False):
        client = client_as(world.people["coordinator"])
        upload(client, world, csv_file(GOOD))
        made = ProgrammeImport.objects.for_org(world.org).get()
        ProgrammeImport.objects.for_org(world.org).filter(pk=made.pk).update(
            status="running", progress=5)
        cache.set(progress_key(made.pk), 50)
        page = client.get(reverse("import_detail", args=[world.org.slug, made.pk])).text
        assert 'max="100" value="50"' in page
        ProgrammeImport.objects.for_org(world.org).filter(pk=made.pk).update(
            status="previewed", progress=0)
        cache.delete(progress_key(made.pk))
        confirm(client, world, made, django_capture_on_commit_callbacks, invite=False)
    # The worker told its last step before the end (95), then the row says done (100).
    assert cache.get(progress_key(made.pk)) == 95
    made.refresh_from_db()
    assert (made.status, made.progress) == ("done", 100)


def test_an_upload_of_a_file_of_people_is_in_the_audit_trail_without_its_content(
        world: World, client_as):
    upload(client_as(world.people["coordinator"]), world, csv_file(GOOD))
    made = ProgrammeImport.objects.for_org(world.org).get()
    entry = AuditEntry.objects.for_org(world.org).get(
        object_pk=str(made.pk), content_type__model="programmeimport")
    assert entry.actor == world.people["coordinator"]
    assert made.filename in str(entry.changes)
    assert GOOD[0][0].lower() not in str(entry.changes).lower()  # no cell of the file
