"""Exports of a project's pairings, meetings and reports as CSV and XLSX: every column as it
was, cells that cannot run as formulas, one query whatever the number of rows, and a progress
bar that moves forward only."""

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from openpyxl import load_workbook

from matching.models import ActivityPlan, Pairing
from reporting.exports import (
    PROGRESS_STEPS,
    build,
    export_build,
    progress_shown,
    spreadsheet_safe,
)
from reporting.models import Export
from tests.factories import (
    ExportFactory,
    MeetingFactory,
    PairingFactory,
    PlannedVisitFactory,
    ReportFactory,
)
from tests.helpers import World, pair

FORMATS = ["csv", "xlsx"]


def made(world: World, kind: str, format: str, **params) -> Export:
    return ExportFactory(project=world.project, requested_by=world.people["coordinator"],
                         kind=kind, format=format, params={"language": "en", **params})


def table(export: Export, progress=None) -> list[list]:
    """The export's lines as a spreadsheet shows them: CSV fields as text, XLSX cells as
    values (numbers, dates, None for an empty cell)."""
    content, filename = build(export, progress or (lambda per_cent: None))
    assert filename.endswith(f".{export.format}")
    if export.format == "csv":
        assert content.startswith("\ufeff".encode())  # Excel reads UTF-8 with the BOM only
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    sheet = load_workbook(io.BytesIO(content)).active
    return [list(row) for row in sheet.values]


def as_text(value: object) -> str:
    """A value as the CSV writes it."""
    return "" if value is None else str(value)


def expected(rows: list[list], format: str) -> list[list]:
    return [[as_text(cell) for cell in row] for row in rows] if format == "csv" else rows


def naive(*when: int) -> datetime:
    """A time as a spreadsheet holds it, with no time zone."""
    return datetime(*when, tzinfo=UTC).replace(tzinfo=None)


def day(value: date, format: str) -> date | datetime:
    """A day as the export's reader gets it back: openpyxl reads a date cell as a datetime."""
    return naive(value.year, value.month, value.day) if format == "xlsx" else value


def start_of(pairing: Pairing) -> date:
    plan = ActivityPlan.objects.for_org(pairing.organisation).filter(
        pairing=pairing, status="approved").first()
    return plan.start if plan else timezone.localdate(pairing.created_at)


# --- Every column, as before ------------------------------------------------------------------

@pytest.mark.parametrize("format", FORMATS)
def test_the_pairings_export_holds_every_column(world: World, format):
    active = pair(world, status="active", mentee_name="Amina Alaoui")
    proposed = pair(world, status="proposed", area_name="Cybercrime")
    proposed.mentor_application = None  # a pairing set by hand: no application, no country
    proposed.save(update_fields=["mentor_application"])
    other = pair(world, status="active")
    MeetingFactory.create_batch(2, pairing=active)
    PairingFactory(project=world.other_project, status="active")  # another project's
    PlannedVisitFactory(plan=other.plans.get(), estimated_cost=Decimal("1200.00"))
    for amount, currency, status in (("300.00", "EUR", "approved"), ("2000.00", "MAD", "pending")):
        MeetingFactory(pairing=other, kind="in_person", city="Rabat", funded=True,
                       cost_amount=Decimal(amount), cost_currency=currency, claim_status=status,
                       approved_amount=Decimal(amount) if status == "approved" else None)
    zero = 0 if format == "xlsx" else Decimal("0.00")
    planned, approved = (1200, 300) if format == "xlsx" else (Decimal("1200.00"),
                                                              Decimal("300.00"))
    rows = table(made(world, "pairings", format))
    assert rows[0] == ["Pairing", "Status", "Mentor", "Mentor's country", "Mentee",
                       "Mentee's country", "Thematic area", "Start", "Meetings held",
                       "Visits planned (estimates)", "Visits claimed", "Visits approved",
                       "Budget currency", "Not counted (no rate)"]
    # The visit budget: planned, claimed (per currency, as claimed), approved (converted).
    nothing = [zero, None, zero, "EUR", None]
    assert rows[1:] == expected([
        [active.pk, "Active", active.mentor.full_name, "France", "Amina Alaoui", "Morocco",
         "Criminal finances", day(timezone.localdate() - timedelta(days=60), format), 2,
         *nothing],
        [proposed.pk, "Proposed", proposed.mentor.full_name, None, proposed.mentee.full_name,
         "Morocco", "Cybercrime", day(timezone.localdate(proposed.created_at), format), 0,
         *nothing],
        [other.pk, "Active", other.mentor.full_name, "France", other.mentee.full_name,
         "Morocco", "Criminal finances", day(start_of(other), format), 2,
         zero + planned, "300.00 EUR; 2000.00 MAD", zero + approved, "EUR", "2000.00 MAD"],
    ], format)


@pytest.mark.parametrize("format", FORMATS)
def test_the_meetings_export_holds_every_column(world: World, format):
    pairing = pair(world, status="active")
    visit = MeetingFactory(
        pairing=pairing, kind="in_person", day=date(2026, 3, 10), duration_minutes=240,
        topics="Asset tracing", city="Rabat", country=world.morocco, funded=True,
        cost_amount=Decimal("1250.50"), cost_currency="EUR",
        confirmed_at=datetime(2026, 3, 11, 9, tzinfo=UTC), confirmed_by=pairing.mentor,
        claim_status="adjusted", approved_amount=Decimal("1100.00"))
    adjusted = 1100 if format == "xlsx" else Decimal("1100.00")
    online = MeetingFactory(pairing=pairing, day=date(2026, 2, 3), duration_minutes=45,
                            topics="Plan")
    MeetingFactory(pairing=pair(world, status="declined"), day=date(2026, 1, 5))
    rows = table(made(world, "meetings", format, group="active"))  # the dashboard's filter
    assert rows[0] == ["Pairing", "Mentor", "Mentee", "Date", "Kind", "Minutes", "Topics",
                       "City", "Country", "Funded", "Costs claimed", "Currency", "Confirmed",
                       "Claim", "Amount approved"]
    names = [pairing.pk, pairing.mentor.full_name, pairing.mentee.full_name]
    cost = 1250.5 if format == "xlsx" else Decimal("1250.50")
    assert online.pk and visit.pk
    assert rows[1:] == expected([
        [*names, day(date(2026, 2, 3), format), "Online meeting", 45, "Plan", None, None, "no",
         None, None, "no", None, None],
        [*names, day(date(2026, 3, 10), format), "In-person visit", 240, "Asset tracing",
         "Rabat", "Morocco", "yes", cost, "EUR", "yes", "Adjusted", adjusted],
    ], format)


@pytest.mark.parametrize("format", FORMATS)
def test_the_reports_export_holds_every_column_in_local_time(world: World, format):
    pairing = pair(world, status="active")
    reviewed = ReportFactory(
        pairing=pairing, kind="interim", version=1, status="returned",
        submitted_at=datetime(2026, 5, 1, 22, 30, 17, 123456, tzinfo=UTC),
        reviewed_at=datetime(2026, 5, 3, 8, 0, tzinfo=UTC),
        coordinator_comments="Say more about the visits.")
    ReportFactory(pairing=pairing, kind="interim", version=2, status="submitted",
                  submitted_at=datetime(2026, 5, 10, 7, 0, tzinfo=UTC),
                  objectives=[{"objective": "Trace assets.", "progress": "Done.", "rating": 4},
                              {"objective": "Joint team.", "progress": "Begun.", "rating": 2}])
    ReportFactory(pairing=pairing, kind="narrative", version=1, status="draft")  # not handed in
    assert reviewed.pk
    with timezone.override("Asia/Riyadh"):  # UTC+3 all year
        rows = table(made(world, "reports", format))
    # To the minute, in the zone the headers name.
    assert rows[0] == ["Pairing", "Mentor", "Mentee", "Report", "Version", "Status",
                       "Submitted (Asia/Riyadh time)", "Reviewed (Asia/Riyadh time)",
                       "Coordinator's comments", "Objectives", "Objectives achieved",
                       "Progress of each objective"]
    names = [pairing.pk, pairing.mentor.full_name, pairing.mentee.full_name]
    assert rows[1:] == expected([
        [*names, "Interim report", 1, "Returned with comments", naive(2026, 5, 2, 1, 30),
         naive(2026, 5, 3, 11, 0), "Say more about the visits.", 0, 0, None],
        [*names, "Interim report", 2, "Submitted, waiting for the coordinator",
         naive(2026, 5, 10, 10, 0), None, None, 2, 1,
         "Trace assets.: Achieved\nJoint team.: Started"],
    ], format)


def test_an_export_in_french_has_french_headers_and_labels(world: World):
    pair(world, status="active")
    export = made(world, "pairings", "csv", language="fr")
    with translation.override("fr"):
        rows = table(export)
    assert rows[0][:2] == ["Binôme", "Statut"] and rows[1][1] == "Actif"
    # Country names come from CLDR in the export's language, as on the pages.
    assert (rows[1][3], rows[1][5]) == ("France", "Maroc")


def test_an_arabic_export_names_countries_in_arabic(world: World):
    pairing = pair(world, status="active")
    MeetingFactory(pairing=pairing, kind="in_person", city="Rabat", country=world.morocco,
                   funded=True)
    with translation.override("ar"):
        pairings = table(made(world, "pairings", "xlsx", language="ar"))
        meetings = table(made(world, "meetings", "xlsx", language="ar"))
    assert (pairings[1][3], pairings[1][5]) == ("فرنسا", "المغرب")
    assert meetings[1][8] == "المغرب"


@pytest.mark.parametrize("kind", ["pairings", "meetings", "reports"])
def test_the_xlsx_has_the_same_rows_as_the_csv(world: World, kind):
    for status in ("active", "completed", "proposed"):
        pairing = pair(world, status=status)
        MeetingFactory(pairing=pairing, topics="-a minus sign, then text")
        ReportFactory(pairing=pairing, status="accepted",
                      submitted_at=datetime(2026, 4, 1, 8, 15, tzinfo=UTC),
                      reviewed_at=datetime(2026, 4, 2, 17, 0, tzinfo=UTC),
                      coordinator_comments="+1, well done")
    csv_rows = table(made(world, kind, "csv"))
    xlsx_rows = table(made(world, kind, "xlsx"))
    assert len(csv_rows) == len(xlsx_rows) == 4 and csv_rows[0] == xlsx_rows[0]
    for csv_row, xlsx_row in zip(csv_rows[1:], xlsx_rows[1:], strict=True):
        # A date cell reads back as a datetime: the CSV shows the day alone.
        shown = [cell.date() if isinstance(cell, datetime) and kind != "reports" else cell
                 for cell in xlsx_row]
        # A sum of money: 120 in the cell, 120.00 in the CSV.
        money = {"meetings": (10, 14), "pairings": (9, 11)}.get(kind, ())
        for index in money:
            shown[index] = None if shown[index] is None else f"{shown[index]:.2f}"
        # The CSV quotes what looks like a formula; the XLSX keeps it as typed, in a text cell.
        assert csv_row == [as_text(spreadsheet_safe(cell)) for cell in shown]


# --- Cells that cannot run as formulas --------------------------------------------------------

def test_text_that_starts_like_a_formula_is_quoted_in_every_csv(world: World):
    pairing = pair(world, status="active", mentee_name="=HYPERLINK(\"http://evil\")")
    MeetingFactory(pairing=pairing, topics="@SUM(A1)", city="\uff1dcity")
    ReportFactory(pairing=pairing, status="accepted", submitted_at=timezone.now(),
                  coordinator_comments="\n-1+1")
    pairings, meetings, reports = (table(made(world, kind, "csv"))
                                   for kind in ("pairings", "meetings", "reports"))
    assert pairings[1][4] == "'=HYPERLINK(\"http://evil\")"
    assert meetings[1][2] == "'=HYPERLINK(\"http://evil\")" and meetings[1][6] == "'@SUM(A1)"
    assert meetings[1][7] == "'\uff1dcity"
    assert reports[1][8] == "'\n-1+1"


def test_text_that_starts_like_a_formula_is_kept_as_typed_in_every_xlsx(world: World):
    """An XLSX cell is text, read back exactly as it was typed (no apostrophe), and marked so
    that it stays text when someone edits it."""
    pairing = pair(world, status="active", mentee_name="=HYPERLINK(\"http://evil\")")
    MeetingFactory(pairing=pairing, topics="@SUM(A1)", city="\uff1dcity")
    ReportFactory(pairing=pairing, status="accepted", submitted_at=timezone.now(),
                  coordinator_comments="\n-1+1")
    sheets = {}
    for kind in ("pairings", "meetings", "reports"):
        content, _ = build(made(world, kind, "xlsx"), lambda per_cent: None)
        sheets[kind] = [list(row) for row in load_workbook(io.BytesIO(content)).active.rows]
    for cell, typed in [(sheets["pairings"][1][4], "=HYPERLINK(\"http://evil\")"),
                        (sheets["meetings"][1][2], "=HYPERLINK(\"http://evil\")"),
                        (sheets["meetings"][1][6], "@SUM(A1)"),
                        (sheets["meetings"][1][7], "\uff1dcity"),
                        (sheets["reports"][1][8], "\n-1+1")]:
        assert (cell.value, cell.data_type, cell.quotePrefix) == (typed, "s", True)
    assert sheets["pairings"][1][3].quotePrefix is False  # the mentor's name, plain text


@pytest.mark.parametrize(("language", "right_to_left"), [("ar", True), ("en", False),
                                                         ("fr", False)])
def test_an_arabic_workbook_opens_right_to_left(world: World, language, right_to_left):
    pair(world, status="active")
    export = made(world, "pairings", "xlsx", language=language)
    export_build(organisation_id=world.org.pk, export_id=export.pk)  # in the export's language
    export.refresh_from_db()
    assert export.status == "done", export.error
    sheet = load_workbook(io.BytesIO(bytes(export.content))).active
    assert bool(sheet.sheet_view.rightToLeft) is right_to_left
    assert len(list(sheet.values)) == 2


def test_no_cell_of_an_xlsx_is_a_formula(world: World):
    pairing = pair(world, status="active", mentee_name="=1+1")
    MeetingFactory(pairing=pairing, topics="=2+2")
    for kind in ("pairings", "meetings"):
        content, _ = build(made(world, kind, "xlsx"), lambda per_cent: None)
        sheet = load_workbook(io.BytesIO(content)).active
        assert "f" not in {cell.data_type for row in sheet.iter_rows() for cell in row}


# --- Queries and progress ---------------------------------------------------------------------

def grow(world: World, count: int) -> None:
    for number in range(count):
        pairing = pair(world, status="active" if number % 3 else "completed",
                       area_name="Cybercrime" if number % 2 else "Criminal finances")
        MeetingFactory.create_batch(2, pairing=pairing)
        ReportFactory(pairing=pairing, status="submitted", submitted_at=timezone.now())


def queries(export: Export) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        build(export, lambda per_cent: None)
    return [query["sql"] for query in captured.captured_queries]


@pytest.mark.parametrize("kind", ["pairings", "meetings", "reports"])
@pytest.mark.parametrize("format", FORMATS)
def test_the_queries_of_an_export_do_not_grow_with_its_rows(world: World, kind, format):
    grow(world, 3)
    small = queries(made(world, kind, format, group="active"))
    grow(world, 27)
    large = queries(made(world, kind, format, group="active"))
    # The pairings' table reads the visit budget's figures too: its project, the rates, the
    # pairings' countries, their latest plans, the planned visits and the claims.
    assert len(small) == len(large) <= (4 + 6 if kind == "pairings" else 4)
    if connection.vendor == "postgresql":  # the rows come from a server-side cursor
        assert any(sql.startswith("DECLARE") for sql in large)


@pytest.mark.parametrize("format", FORMATS)
def test_progress_moves_forward_a_few_times_only(world: World, format):
    grow(world, 40)
    shown: list[int] = []
    rows = table(made(world, "meetings", format), shown.append)
    assert len(rows) == 1 + 80
    assert shown == sorted(shown) and shown[0] >= 10 and shown[-1] <= 95
    assert 10 <= len(shown) <= PROGRESS_STEPS


def test_the_progress_shown_never_goes_back(world: World):
    export = made(world, "pairings", "csv")
    this = Export.objects.for_org(world.org).filter(pk=export.pk)
    progress = progress_shown(this)
    for per_cent, shown in ((40, 40), (30, 40), (75, 75), (120, 99)):
        progress(per_cent)
        assert this.get().progress == shown
    # A task delivered again after its worker died starts over: the bar stays where it was.
    this.update(status=Export.Status.RUNNING, progress=60)
    export_build(organisation_id=world.org.pk, export_id=export.pk)
    assert this.get().status == "done" and this.get().progress == 100

