"""The project dashboard, the highlights report, exports built in the background, the pairing
dossier, and the organisation's look in its PDFs."""

import csv
import io

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook
from PIL import Image

from matching.models import Pairing
from participants.models import Application
from programmes.models import Country, Organisation
from reporting.exports import export_build
from reporting.models import Export
from tests.factories import (
    ApplicationFactory,
    CompetencyFactory,
    FeedbackFactory,
    MeetingFactory,
    SelfAssessmentAnswerFactory,
    SelfAssessmentFactory,
    ThematicAreaFactory,
)
from tests.helpers import World, keep_pages, pair, pdf_text


@pytest.fixture
def programme(world: World) -> World:
    for _ in range(2):
        pair(world, status="active")
    pair(world, status="active", area_name="Cybercrime")
    pair(world, status="plan_agreed", area_name="Cybercrime", started_days_ago=-20)
    pair(world, status="completed", started_days_ago=400)
    pair(world, status="declined")
    return world


def dashboard(world: World, **query) -> str:
    return reverse("dashboard", args=[world.org.slug, world.project.slug])


def test_the_dashboard_shows_pairs_by_status_area_and_country(programme: World, client_as):
    response = client_as(programme.people["observer"]).get(dashboard(programme))
    assert response.status_code == 200
    figures = response.context["figures"]
    assert figures.by_group == {"active": 3, "starting": 1, "finished": 1, "proposed": 0,
                                "ended": 1}
    assert figures.by_theme == [("Criminal finances", [2, 0, 1]), ("Cybercrime", [1, 1, 0])]
    assert figures.by_mentee_country == [("Morocco", [3, 1, 1])]
    assert figures.by_mentor_country == [("France", [3, 1, 1])]
    assert figures.applications_by_country == [("France", 6), ("Morocco", 6)]
    assert figures.on_track + figures.behind == 3
    text = response.content.decode()
    assert "Pairs by the mentee&#x27;s thematic area" in text and "<svg" in text
    assert "6 pairings proposed in all" in text


def test_the_dashboard_names_the_countries_in_the_readers_language(programme: World,
                                                                   client_as):
    client = client_as(programme.people["observer"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    figures = client.get(dashboard(programme)).context["figures"]
    assert figures.by_mentee_country == [("المغرب", [3, 1, 1])]
    assert figures.by_mentor_country == [("فرنسا", [3, 1, 1])]


def test_applications_count_those_submitted_never_a_nomination_not_yet_submitted(
        programme: World, client_as):
    """The figure's label says "submitted": a nominee who has not handed the application in
    is not counted, one who submitted then withdrew is."""
    morocco = Country.objects.get(code="MA")
    ApplicationFactory(call=programme.call, country=morocco, submitted_at=None,
                       status=Application.Status.INVITED)
    ApplicationFactory(call=programme.call, country=morocco,
                       status=Application.Status.WITHDRAWN)
    response = client_as(programme.people["coordinator"]).get(dashboard(programme))
    figures = response.context["figures"]
    assert figures.applications_by_country == [("Morocco", 7), ("France", 6)]
    text = response.content.decode()
    assert "Applications submitted, by the applicant&#x27;s country" in text
    for label in ("Active pairs", "Pairs accepted, not started yet", "Pairs completed",
                  "Proposals awaiting an answer", "Proposals declined or pairs ended early"):
        assert f"<span>{label}</span>" in text


@pytest.mark.parametrize(("query", "active", "starting"), [
    ({"group": "active"}, 3, 0),
    ({"group": "starting"}, 0, 1),
    ({"start_from": "2000-01-01", "start_to": "2000-12-31"}, 0, 0),
])
def test_dashboard_filters(programme: World, client_as, query, active, starting):
    response = client_as(programme.people["coordinator"]).get(dashboard(programme), query)
    assert response.status_code == 200
    figures = response.context["figures"]
    assert (figures.by_group["active"], figures.by_group["starting"]) == (active, starting)


def test_dashboard_filters_by_area_and_country(programme: World, client_as):
    client = client_as(programme.people["coordinator"])
    cyber = programme.project.thematic_areas.get(name="Cybercrime")
    figures = client.get(dashboard(programme), {"thematic_area": cyber.pk}).context["figures"]
    assert figures.by_theme == [("Cybercrime", [1, 1, 0])]
    figures = client.get(dashboard(programme), {"country": "JO"}).context["figures"]
    assert figures.total == 0 and figures.applications_by_country == []


@pytest.mark.parametrize(("query", "field"), [
    ({"start_from": "2027-05-01", "start_to": "2027-01-01"}, "start_to"),
    ({"start_from": "not a date"}, "start_from"),
    ({"start_from": "99999-01-01"}, "start_from"),
    ({"group": "nonsense"}, "group"),
    ({"thematic_area": "999999"}, "thematic_area"),
    ({"thematic_area": "x²"}, "thematic_area"),
    ({"country": "ZZ"}, "country"),
])
def test_bad_dashboard_filters_are_named_and_kept(programme: World, client_as, query, field):
    response = client_as(programme.people["coordinator"]).get(dashboard(programme), query)
    assert response.status_code == 400
    assert field in response.context["filter"].errors
    assert response.context["figures"].total == 0
    for value in query.values():
        assert value in response.content.decode() or field in ("thematic_area", "country",
                                                                "group")


def test_an_area_of_another_project_is_not_a_filter_choice(programme: World, client_as):
    foreign = ThematicAreaFactory(project=programme.other_project, name="Analysis")
    response = client_as(programme.people["coordinator"]).get(
        dashboard(programme), {"thematic_area": foreign.pk})
    assert response.status_code == 400


def test_dashboard_queries_do_not_grow_with_pairings(world: World, client_as):
    client = client_as(world.people["coordinator"])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(dashboard(world)).status_code == 200
        return len(queries)

    pair(world, status="active")
    pair(world, status="completed", started_days_ago=400)
    small = count()
    for number in range(12):
        pair(world, status="active" if number % 2 else "plan_agreed",
             area_name="Cybercrime" if number % 3 else "Criminal finances")
    assert count() == small


# --- Exports ----------------------------------------------------------------------------------

def export(world: World, client, choice: str, django_capture_on_commit_callbacks,
           **filters) -> Export:
    url = reverse("export_create", args=[world.org.slug, world.project.slug])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"choice": choice, **filters})
    made = Export.unscoped.latest("pk")
    assert response.status_code == 302
    assert response["Location"] == reverse("export_detail", args=[world.org.slug, made.pk])
    made.refresh_from_db()
    return made


def download(world: World, client, made: Export) -> bytes:
    response = client.get(reverse("export_download", args=[world.org.slug, made.pk]))
    assert response.status_code == 200
    return response.content


def test_pairings_export_as_csv_and_xlsx_with_the_filters(
        programme: World, client_as, django_capture_on_commit_callbacks):
    pair(programme, status="active", mentee_name="=HYPERLINK(\"http://evil\")")
    client = client_as(programme.people["coordinator"])
    made = export(programme, client, "pairings:csv", django_capture_on_commit_callbacks,
                  group="active")
    assert made.status == "done" and made.progress == 100
    assert made.filename.endswith(".csv")
    page = client.get(reverse("export_detail", args=[programme.org.slug, made.pk]))
    assert "Download" in page.content.decode()
    rows = list(csv.reader(io.StringIO(download(programme, client, made).decode("utf-8-sig"))))
    assert rows[0][:3] == ["Pairing", "Status", "Mentor"]
    assert len(rows) == 1 + 4 and {row[1] for row in rows[1:]} == {"Active"}
    # A name that starts like a formula does not run as one in a spreadsheet.
    assert any(row[4].startswith("'=HYPERLINK") for row in rows[1:])
    made = export(programme, client, "pairings:xlsx", django_capture_on_commit_callbacks)
    sheet = load_workbook(io.BytesIO(download(programme, client, made))).active
    values = list(sheet.values)
    assert values[0][0] == "Pairing" and len(values) == 1 + 7


FORMULAS = {
    "line-feed": "\n=HYPERLINK(\"http://evil\")", "carriage-return": "\r=1+1",
    "tab": "\t=1+1", "line-feed-and-spaces": "\n  @SUM(A1)", "space": " =1+1",
    "full-width-equals": "\uff1dHYPERLINK(\"http://evil\")", "full-width-plus": "\uff0b1+1",
    "full-width-minus": "\uff0d1+1", "full-width-at": "\uff20SUM(A1)",
    "line-feed-full-width": "\n\uff1d1+1",
}


@pytest.mark.parametrize("format", ["csv", "xlsx"])
@pytest.mark.parametrize("name", FORMULAS.values(), ids=FORMULAS.keys())
def test_a_formula_behind_whitespace_or_in_full_width_is_quoted_in_the_export(
        world: World, client_as, django_capture_on_commit_callbacks, name, format):
    pair(world, status="active", mentee_name=name)
    pair(world, status="active", mentee_name="Amina = Alaoui")  # an = inside is no formula
    client = client_as(world.people["coordinator"])
    made = export(world, client, f"pairings:{format}", django_capture_on_commit_callbacks)
    assert made.status == "done", made.error
    content = download(world, client, made)
    if format == "csv":  # no types: an apostrophe shows the field as text
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
        assert [row[4] for row in rows[1:]] == ["'" + name, "Amina = Alaoui"]
    else:  # a text cell, as typed, marked to stay text when edited
        sheet = load_workbook(io.BytesIO(content)).active
        cells = [row[4] for row in sheet.iter_rows(min_row=2)]
        # A carriage return reads back as itself.
        assert [(cell.value, cell.data_type, cell.quotePrefix) for cell in cells] == [
            (name, "s", True), ("Amina = Alaoui", "s", False)]


def test_meetings_and_reports_export(programme: World, client_as,
                                     django_capture_on_commit_callbacks):
    active = Pairing.unscoped.filter(status="active").first()
    MeetingFactory(pairing=active, duration_minutes=30, topics="Asset tracing")
    client = client_as(programme.people["observer"])
    made = export(programme, client, "meetings:csv", django_capture_on_commit_callbacks)
    text = download(programme, client, made).decode("utf-8-sig")
    assert "Asset tracing" in text
    made = export(programme, client, "reports:xlsx", django_capture_on_commit_callbacks)
    header = next(load_workbook(io.BytesIO(download(programme, client, made))).active.values)
    assert header[3] == "Report"


def test_the_highlights_report_is_a_pdf_with_the_figures(
        programme: World, client_as, django_capture_on_commit_callbacks):
    # Three people's self-assessments: enough for the outcomes' averages.
    competency = CompetencyFactory(project=programme.project, name="Leadership")
    for pairing in Pairing.unscoped.filter(project=programme.project)[:3]:
        for moment, score in (("start", 2), ("end", 4)):
            SelfAssessmentAnswerFactory(competency=competency, score=score,
                                        assessment=SelfAssessmentFactory(pairing=pairing,
                                                                         moment=moment))
    client = client_as(programme.people["coordinator"])
    made = export(programme, client, "highlights:pdf", django_capture_on_commit_callbacks)
    assert made.status == "done", made.error
    content = download(programme, client, made)
    text = pdf_text(content)
    for expected in ("EUROMED Police", "Pairs by the mentee's thematic area", "Criminal finances",
                     "Cybercrime", "Morocco", "France", "Self-assessed competencies",
                     "Leadership", "+2.0"):
        assert expected in text, expected
    keep_pages(content, "highlights-test")


@pytest.mark.parametrize("choice", ["highlights:csv", "pairings:pdf", "dossier:pdf", ""])
def test_a_bad_export_choice_is_refused(programme: World, client_as, choice):
    client = client_as(programme.people["coordinator"])
    response = client.post(reverse("export_create", args=[programme.org.slug,
                                                          programme.project.slug]),
                           {"choice": choice}, follow=True)
    assert "Select a valid choice" in response.content.decode() or "required" in \
        response.content.decode()
    assert not Export.unscoped.exists()


def test_an_export_shows_its_progress_until_it_is_ready(programme: World, client_as):
    client = client_as(programme.people["coordinator"])
    client.post(reverse("export_create", args=[programme.org.slug, programme.project.slug]),
                {"choice": "pairings:csv"})  # the task waits for the commit, which never comes
    made = Export.unscoped.get()
    url = reverse("export_detail", args=[programme.org.slug, made.pk])
    page = client.get(url).content.decode()
    assert "Waiting for a worker" in page and 'hx-trigger="every 1s"' in page
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment and "export-progress" in fragment
    missing = client.get(reverse("export_download", args=[programme.org.slug, made.pk]))
    assert missing.status_code == 404
    export_build(organisation_id=made.organisation_id, export_id=made.pk)
    assert "Download" in client.get(url, headers={"HX-Request": "true"}).content.decode()


def test_an_export_is_its_requesters_own(programme: World, client_as,
                                          django_capture_on_commit_callbacks):
    made = export(programme, client_as(programme.people["coordinator"]), "pairings:csv",
                  django_capture_on_commit_callbacks)
    admin = client_as(programme.people["admin"])
    for name in ("export_detail", "export_download"):
        assert admin.get(reverse(name, args=[programme.org.slug, made.pk])).status_code == 404


def test_a_render_that_takes_too_long_fails_with_a_clear_message(
        programme: World, client_as, settings, django_capture_on_commit_callbacks):
    settings.PDF_TASK_TIMEOUT_SECONDS = 0.01
    made = export(programme, client_as(programme.people["coordinator"]), "highlights:pdf",
                  django_capture_on_commit_callbacks)
    assert made.status == "failed" and "took longer than" in made.error
    page = client_as(programme.people["coordinator"]).get(
        reverse("export_detail", args=[programme.org.slug, made.pk])).content.decode()
    assert "took longer than" in page


def test_the_pairing_dossier(world: World, client_as, django_capture_on_commit_callbacks):
    from tests.helpers import running, submitted

    pairing = running(world)
    MeetingFactory(pairing=pairing, duration_minutes=30, topics="Financial intelligence")
    submitted(world, pairing)
    client = client_as(world.people["observer"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("dossier_request", args=[world.org.slug, pairing.pk]))
    made = Export.unscoped.get()
    assert response["Location"] == reverse("export_detail", args=[world.org.slug, made.pk])
    made.refresh_from_db()
    assert made.status == "done", made.error
    text = pdf_text(download(world, client, made))
    for expected in ("Pairing dossier", "Mentor Person", "Mentee Person", "Trace criminal",
                     "Financial intelligence", "Interim report", "Two cases traced",
                     "Well advanced (3/4)"):  # each objective's rating
        assert expected in text, expected
    # An observer follows the programme without the pair's addresses; a coordinator has them.
    assert "mentee@cepol.test" not in text
    client = client_as(world.people["coordinator"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("dossier_request", args=[world.org.slug, pairing.pk]))
    assert "mentee@cepol.test" in pdf_text(download(world, client, Export.unscoped.latest("pk")))


# --- The organisation's look ------------------------------------------------------------------

def png(size: tuple[int, int] = (40, 20)) -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", size, (31, 78, 121)).save(out, format="PNG")
    out.seek(0)
    out.name = "logo.png"
    return out


@pytest.mark.parametrize(("data", "field"), [
    ({"colour": "red"}, "colour"),
    ({"colour": "#12345"}, "colour"),
    ({"colour": "#1f4e79;}"}, "colour"),
    ({"colour": "#1f4e79", "logo": io.BytesIO(b"%PDF-1.4 not an image")}, "logo"),
    ({"colour": "#1f4e79", "logo": io.BytesIO(b"GIF89a" + b"\0" * 20)}, "logo"),
    ({"colour": "#1f4e79", "logo": io.BytesIO(b"\x89PNG" + b"\0" * 600 * 1024)}, "logo"),
])
def test_a_bad_colour_or_logo_is_refused(world: World, client_as, data, field):
    if "logo" in data:
        data["logo"].name = "logo.png"
    response = client_as(world.people["admin"]).post(
        reverse("branding", args=[world.org.slug]), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    organisation = Organisation.objects.get(pk=world.org.pk)
    assert organisation.colour == "#1f4e79" and not organisation.logo


def test_the_logo_and_colour_appear_in_the_pdfs(world: World, client_as):
    from tests.helpers import running, submitted

    client = client_as(world.people["admin"])
    response = client.post(reverse("branding", args=[world.org.slug]),
                           {"colour": "#7a1f3d", "logo": png()})
    assert response.status_code == 302
    organisation = Organisation.objects.get(pk=world.org.pk)
    assert organisation.colour == "#7a1f3d" and organisation.logo_type == "image/png"
    pairing = running(world)
    submitted(world, pairing)
    content = client.get(reverse("report_pdf", args=[world.org.slug, pairing.pk, "interim",
                                                     1])).content
    from pypdf import PdfReader

    page = PdfReader(io.BytesIO(content)).pages[0]
    assert any(name for name in page["/Resources"].get("/XObject", {})), "the logo"
    keep_pages(content, "report-with-logo")
    response = client.post(reverse("branding", args=[world.org.slug]),
                           {"colour": "#7a1f3d", "remove_logo": "on"})
    assert not Organisation.objects.get(pk=world.org.pk).logo


def test_an_export_is_no_longer_served_once_its_requester_stops_following_the_project(
        programme: World, client_as, django_capture_on_commit_callbacks):
    from guardian.shortcuts import remove_perm

    client = client_as(programme.people["coordinator"])
    made = export(programme, client, "pairings:csv", django_capture_on_commit_callbacks)
    remove_perm("programmes.coordinate_project", programme.people["coordinator"],
                programme.project)
    client = client_as(programme.people["coordinator"])
    assert client.get(reverse("export_download", args=[programme.org.slug, made.pk])) \
        .status_code == 404


def test_feedback_averages_are_shown_only_from_three_answers(programme: World, client_as):
    completed = Pairing.unscoped.get(status="completed")
    FeedbackFactory(pairing=completed, author=completed.mentee, satisfaction=2,
                    objectives_met=2, support_received=2, would_recommend=False)
    response = client_as(programme.people["observer"]).get(dashboard(programme))
    assert response.context["figures"].feedback == {"count": 1, "hidden": True}
    assert "the averages are shown from 3 answers" in response.content.decode()
