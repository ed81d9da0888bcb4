"""A one-sheet XLSX written row by row into its zip, for the exports of tables: openpyxl spends
about 5 µs a cell even in write-only mode, which made an export of 10,000 pairings cost twenty
times the fetch of its rows; this writes the sheet's XML itself, in constant memory.

Cells hold text (inline strings: no shared-string table to keep in memory), numbers, dates and
times (numbers with a date format, as Excel stores them), or nothing (None or "": no cell).
No cell is ever a formula: text is always written as text, exactly as it was typed, and text
that a spreadsheet would take for a formula is marked as such (see `runs_as_formula`)."""

import math
import re
import zipfile
from collections.abc import Callable, Iterable
from datetime import date, datetime, time
from decimal import Decimal
from typing import IO, Any
from xml.sax.saxutils import escape, quoteattr

from programmes.validators import runs_as_formula

# XML 1.0 allows tab, line feed and carriage return below U+0020, and nothing of the surrogates
# or U+FFFE and U+FFFF: a spreadsheet will not open a sheet that holds them, so they are dropped.
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
EPOCH = date(1899, 12, 30)  # Excel's day 0 (counting its 1900 leap-year mistake)
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
# Style 0 is the default; 1 shows a day, 2 a day and time, 3 is text marked with Excel's
# quotePrefix, 4 a time of day (cellXfs in STYLES). Days and moments use the spreadsheet's own
# date formats (14 and 22), which show them the way the reader's language and region write
# dates, and leave them dates to sort and count with.
DAY_STYLE, MOMENT_STYLE, QUOTED_STYLE, TIME_STYLE = 1, 2, 3, 4
ESCAPES = {"\r": "&#13;"}  # a bare carriage return would be read back as a line feed

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
<Default Extension="xml" ContentType="application/xml"/>\
<Override PartName="/xl/workbook.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
<Override PartName="/xl/worksheets/sheet1.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\
<Override PartName="/xl/styles.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
</Types>"""
RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
<Relationship Id="rId1" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" \
Target="xl/workbook.xml"/></Relationships>"""
WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
<sheets><sheet name={name} sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
<Relationship Id="rId1" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" \
Target="worksheets/sheet1.xml"/>\
<Relationship Id="rId2" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" \
Target="styles.xml"/></Relationships>"""
STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
<numFmts count="1"><numFmt numFmtId="164" formatCode="hh:mm:ss"/></numFmts>\
<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>\
<fills count="2"><fill><patternFill patternType="none"/></fill>\
<fill><patternFill patternType="gray125"/></fill></fills>\
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="22" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" \
quotePrefix="1"/>\
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
</cellXfs>\
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
</styleSheet>"""
SHEET_START = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{views}<sheetData>"""
# A sheet in a right-to-left language opens with its first column on the right.
RIGHT_TO_LEFT = '<sheetViews><sheetView rightToLeft="1" workbookViewId="0"/></sheetViews>'
SHEET_END = "</sheetData></worksheet>"


def text(value: str) -> str:
    """Text as it may stand in a sheet's XML: escaped, without what XML 1.0 forbids."""
    return escape(FORBIDDEN.sub("", value), ESCAPES)


def _text(value: str) -> str:
    # A reader may trim what stands at either end unless told to keep it.
    space = ' xml:space="preserve"' if value != value.strip() else ""
    # A text cell is never evaluated as it stands; quotePrefix (and the text format, 49) keeps
    # formula-looking text a text when someone edits the cell, as a typed apostrophe would,
    # without putting the apostrophe in the value.
    style = f' s="{QUOTED_STYLE}"' if runs_as_formula(value) else ""
    return f'<c t="inlineStr"{style}><is><t{space}>{text(value)}</t></is></c>'


def _integer(value: int) -> str:
    return f"<c><v>{value}</v></c>"


def _number(value: float | Decimal) -> str:
    # NaN and infinities have no place in a cell's number: shown as the text they are.
    return f"<c><v>{value}</v></c>" if math.isfinite(value) else _text(str(value))


def _boolean(value: bool) -> str:
    return f'<c t="b"><v>{int(value)}</v></c>'


def _fraction(value: datetime | time) -> float:
    """The part of a day gone at the time shown (a spreadsheet has no time zones)."""
    return (value.hour * 3600 + value.minute * 60 + value.second
            + value.microsecond / 1e6) / 86400


def _moment(value: datetime) -> str:
    serial = (value.date() - EPOCH).days + _fraction(value)
    return f'<c s="{MOMENT_STYLE}"><v>{serial!r}</v></c>'


def _day(value: date) -> str:
    return f'<c s="{DAY_STYLE}"><v>{(value - EPOCH).days}</v></c>'


def _time(value: time) -> str:
    return f'<c s="{TIME_STYLE}"><v>{_fraction(value)!r}</v></c>'


# Looked up by the value's exact type, the common case; subclasses go through isinstance.
WRITERS: dict[type, Callable[[Any], str]] = {
    str: _text, int: _integer, float: _number, Decimal: _number, bool: _boolean,
    datetime: _moment, date: _day, time: _time}
EMPTY = "<c/>"  # keeps the place of the cells after it (cells carry no reference)


def cell(value: object) -> str:
    """One cell's XML, without its reference: a reader counts the cells of a row. None or ""
    is an empty cell; a value of a type not written here is written as its text."""
    if value is None or value == "":
        return EMPTY
    writer = WRITERS.get(type(value))
    if writer is not None:
        return writer(value)
    # A subclass (an enumeration's member, a lazy translation): in the order that tells a
    # bool from an int and a datetime from a date.
    for kind in (bool, int, float, Decimal, datetime, date, time):
        if isinstance(value, kind):
            return WRITERS[kind](value)
    return _text(str(value))


def write(file: IO[bytes], *, title: str, rows: Iterable[Iterable[object]],
          right_to_left: bool = False) -> None:
    """Writes a workbook of one sheet named `title` (cut to the 31 characters Excel allows) to
    `file`, one row of `rows` at a time (see `cell` for what a value becomes); with
    `right_to_left`, the sheet opens right to left (for Arabic)."""
    name = SHEET_NAME_FORBIDDEN.sub(" ", FORBIDDEN.sub("", title))[:31].strip() or "Sheet"
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as book:
        book.writestr("[Content_Types].xml", CONTENT_TYPES)
        book.writestr("_rels/.rels", RELS)
        book.writestr("xl/workbook.xml", WORKBOOK.format(name=quoteattr(name)))
        book.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        book.writestr("xl/styles.xml", STYLES)
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(SHEET_START.format(views=RIGHT_TO_LEFT if right_to_left else "")
                        .encode())
            lines: list[str] = []
            for row in rows:
                lines.append("<row>" + "".join(map(cell, row)) + "</row>")
                if len(lines) == 500:
                    sheet.write("".join(lines).encode())
                    lines.clear()
            sheet.write(("".join(lines) + SHEET_END).encode())
