"""The exports' own XLSX writer: what a spreadsheet (here openpyxl) reads back is what was
written, with the right types, text that never runs as a formula, and nothing XML forbids."""

import io
import zipfile
from datetime import UTC, date, datetime, time
from decimal import Decimal

from django.utils.functional import lazy
from openpyxl import load_workbook

from reporting import xlsx


def written(rows: list[list], title: str = "Pairings") -> list[list]:
    file = io.BytesIO()
    xlsx.write(file, title=title, rows=iter(rows))
    return [list(row) for row in load_workbook(file).active.values]


def naive(*when: int) -> datetime:
    """A time as a spreadsheet holds it, with no time zone."""
    return datetime(*when, tzinfo=UTC).replace(tzinfo=None)


def test_numbers_days_and_times_read_back_with_their_types():
    rows = written([[7, 2.5, Decimal("1250.50"), True, date(2026, 3, 10),
                     naive(2026, 5, 2, 1, 30, 15), time(14, 45)]])
    # openpyxl reads a day back as a datetime at midnight.
    assert rows == [[7, 2.5, 1250.5, True, naive(2026, 3, 10), naive(2026, 5, 2, 1, 30, 15),
                     time(14, 45)]]
    assert [type(value) for value in rows[0][:4]] == [int, float, float, bool]


def test_days_and_moments_use_the_spreadsheets_own_date_formats():
    """Built-in formats 14 and 22 follow the reader's language and region in the spreadsheet,
    so every date of a workbook is written one way, that reader's, and stays a date."""
    file = io.BytesIO()
    xlsx.write(file, title="Reports", rows=[[date(2026, 3, 10), naive(2026, 5, 2, 1, 30),
                                             time(14, 45)]])
    with zipfile.ZipFile(file) as book:
        styles = book.read("xl/styles.xml").decode()
    sheet = load_workbook(file).active
    day, moment, clock = (cell.style_id for cell in next(sheet.iter_rows()))
    formats = [cell.number_format for cell in next(sheet.iter_rows())]
    assert (day, moment, clock) == (xlsx.DAY_STYLE, xlsx.MOMENT_STYLE, xlsx.TIME_STYLE)
    assert '<xf numFmtId="14"' in styles and '<xf numFmtId="22"' in styles
    assert formats[:2] == ["mm-dd-yy", "m/d/yy h:mm"]  # openpyxl's names of 14 and 22
    assert formats[2] == "hh:mm:ss"


def test_text_is_escaped_and_kept_as_it_was():
    shown = ["<b>Fish & chips</b>", 'She said "no"', "  spaces around  ", "two\nlines",
             "a\rreturn", "tab\there", "Ünïcödé ✓ 日本"]
    assert written([shown]) == [shown]


def test_characters_that_xml_forbids_are_dropped():
    assert written([["bell\x07 nul\x00 escape\x1b end\ufffe"]]) == [["bell nul escape end"]]


def test_formula_looking_text_stays_text_exactly_as_typed():
    typed = ["=1+1", "@SUM(A1)", "-2", " +3", "\uff1dcity", "\ttab", "'=2+2", "Rabat", "a=b"]
    content = io.BytesIO()
    xlsx.write(content, title="Meetings", rows=[typed])
    sheet = load_workbook(content).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert [cell.value for cell in cells] == typed  # no apostrophe added
    assert {cell.data_type for cell in cells} == {"s"}
    # Marked as Excel marks text typed after an apostrophe: it stays text when edited.
    assert [cell.quotePrefix for cell in cells] == [True] * 6 + [False] * 3
    assert [cell.number_format for cell in cells] == ["@"] * 6 + ["General"] * 3
    with zipfile.ZipFile(content) as book:
        assert b"<f>" not in book.read("xl/worksheets/sheet1.xml")


def test_a_sheet_opens_right_to_left_when_asked():
    for right_to_left in (True, False):
        file = io.BytesIO()
        xlsx.write(file, title="Pairings", rows=[["a", 1]], right_to_left=right_to_left)
        sheet = load_workbook(file).active
        assert bool(sheet.sheet_view.rightToLeft) is right_to_left
        assert [list(row) for row in sheet.values] == [["a", 1]]


def test_empty_cells_keep_the_columns_after_them_in_place():
    assert written([["a", None, "", "d"], [None, 2]]) == [["a", None, None, "d"],
                                                           [None, 2, None, None]]


def test_other_values_are_written_as_their_text():
    label = lazy(lambda: "Active", str)()
    assert written([[label, float("nan"), Decimal("Infinity")]]) == [["Active", "nan",
                                                                      "Infinity"]]


def test_the_sheet_is_named_within_what_excel_allows():
    file = io.BytesIO()
    xlsx.write(file, title="Reports: interim/narrative [all of them] and more", rows=[])
    assert load_workbook(file).sheetnames == ["Reports  interim narrative  all"]
