"""Reading an import file (CSV or XLSX) and checking each row, before anything is written.

Reading knows only the file: it yields each row's cells with their reference ("C7", or
"Meetings!C7" on the meetings sheet). Checking is plain Python over what the database already
holds (`Known`, read by the selectors in a fixed number of queries whatever the file's size):
it turns each row into a `PairingRow` (or a `MeetingRow`) to create, counts the pairings and
meetings that already exist, and names every bad cell with its reason."""

import csv
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from matching.meetings.models import Meeting
from matching.pairings.models import Pairing
from matching.plans.rules import MeetingDraft, PlanDraft, meeting_problems, plan_problems
from matching.schedule import Schedule
from programmes.cldr import country_name, language_name
from programmes.models import WORKING_LANGUAGES
from programmes.rules import Rules
from programmes.validators import has_control_characters, runs_as_formula

# The template's columns, in order: (key, header in the coordinator's language, required).
COLUMNS: list[tuple[str, object, bool]] = [
    ("mentee_email", gettext_lazy("Mentee's e-mail"), True),
    ("mentee_name", gettext_lazy("Mentee's full name"), True),
    ("mentee_country", gettext_lazy("Mentee's country"), True),
    ("mentor_email", gettext_lazy("Mentor's e-mail"), True),
    ("mentor_name", gettext_lazy("Mentor's full name"), True),
    ("mentor_country", gettext_lazy("Mentor's country"), True),
    ("thematic_area", gettext_lazy("Thematic area"), True),
    ("languages", gettext_lazy("Working languages"), False),
    ("start", gettext_lazy("Start date (YYYY-MM-DD)"), True),
    ("duration_months", gettext_lazy("Duration (months)"), True),
    ("online_meetings_per_month", gettext_lazy("Online meetings a month"), False),
]
KEYS = [key for key, _label, _required in COLUMNS]
# The meetings and visits already held, on the XLSX's second sheet (a CSV holds one table: the
# pairings alone). The pairing is the file's (or the project's) of this mentee and mentor.
MEETINGS_SHEET = gettext_lazy("Meetings")
MEETING_COLUMNS: list[tuple[str, object, bool]] = [
    ("mentee_email", gettext_lazy("Mentee's e-mail"), True),
    ("mentor_email", gettext_lazy("Mentor's e-mail"), True),
    ("day", gettext_lazy("Date (YYYY-MM-DD)"), True),
    ("kind", gettext_lazy("Kind (online or in person)"), True),
    ("duration_minutes", gettext_lazy("Duration (minutes)"), True),
    ("topics", gettext_lazy("Topics"), True),
    ("city", gettext_lazy("City (visits)"), False),
    ("country", gettext_lazy("Country (visits)"), False),
    ("funded", gettext_lazy("Funded visit (yes or no)"), False),
]
MEETING_KEYS = [key for key, _label, _required in MEETING_COLUMNS]
# What a kind or a yes/no cell may say, in English and in every language of the platform.
KIND_WORDS: list[tuple[str, object]] = [
    (Meeting.Kind.ONLINE, gettext_lazy("online")),
    (Meeting.Kind.IN_PERSON, gettext_lazy("in person")),
    (Meeting.Kind.IN_PERSON, gettext_lazy("visit")),
    (Meeting.Kind.ONLINE, Meeting.Kind.ONLINE.label),
    (Meeting.Kind.IN_PERSON, Meeting.Kind.IN_PERSON.label),
]
YES_NO_WORDS: list[tuple[bool, object]] = [
    (True, gettext_lazy("yes")), (False, gettext_lazy("no"))]
MAX_MEETING_MINUTES = 24 * 60
MAX_ROWS = 20_000  # a cohort is a few hundred pairs; a programme's whole history a few thousand
MAX_BYTES = 10 * 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
ERRORS_SHOWN = 500  # the preview lists this many bad cells, and counts the others
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
LANGUAGE_SEPARATORS = re.compile(r"[,;/]")


class FileUnreadable(ValueError):
    """The file is not a CSV or XLSX this reader can read: said once, for the whole file."""


@dataclass(frozen=True)
class Cell:
    ref: str  # "C7"
    value: object  # str, int, float, date or datetime; "" when empty
    formula: bool = False


@dataclass(frozen=True)
class Person:
    email: str
    full_name: str
    country: str  # ISO code


@dataclass(frozen=True)
class PairingRow:
    """A good row: the pairing to create."""

    line: int
    mentee: Person
    mentor: Person
    thematic_area_id: int
    languages: tuple[str, ...]
    start: date
    duration_months: int
    online_meetings_per_month: int


@dataclass(frozen=True)
class MeetingRow:
    """A good row of the meetings sheet: the meeting to create, for the pairing of this mentee
    and mentor (the file's or the project's)."""

    line: int
    pair: tuple[str, str]
    day: date
    kind: str
    duration_minutes: int
    topics: str
    city: str
    country: str | None
    funded: bool


@dataclass(frozen=True)
class KnownPairing:
    pk: int
    status: str
    start: date | None  # its approved plan's, if it has one
    months: int | None


@dataclass
class Known:
    """What the database holds that the check needs, read once for the whole file."""

    rules: Rules
    countries: dict[str, str]  # code, English name or a CLDR name (lower case) → code
    areas: dict[str, int]  # a project's thematic area name (lower case) → id
    area_names: list[str]
    # The project's pairings, by (mentee e-mail, mentor e-mail), and the mentees of its live
    # pairings.
    pairs: set[tuple[str, str]]
    live_mentees: set[str]
    members: set[str]  # e-mail addresses of the organisation's members
    today: date  # the day the file is checked: a meeting after it is in the future
    # The project's pairings by (mentee e-mail, mentor e-mail), and their meetings: (pairing,
    # day, kind) and the days of the funded visits.
    pairings: dict[tuple[str, str], KnownPairing] = field(default_factory=dict)
    meetings: set[tuple[int, date, str]] = field(default_factory=set)
    funded_days: dict[int, list[date]] = field(default_factory=dict)


@dataclass
class Checked:
    rows: list[PairingRow] = field(default_factory=list)
    existing_lines: list[int] = field(default_factory=list)
    bad_lines: set[int] = field(default_factory=set)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (cell, reason)
    total: int = 0
    meetings: list[MeetingRow] = field(default_factory=list)
    meetings_existing: int = 0
    meetings_bad_lines: set[int] = field(default_factory=set)
    meetings_total: int = 0

    def refuse(self, cell: Cell, reason: str) -> None:
        (self.meetings_bad_lines if "!" in cell.ref else self.bad_lines).add(line_of(cell.ref))
        self.errors.append((cell.ref, reason))

    def new_people(self, known: Known) -> int:
        return len({person.email for row in self.rows for person in (row.mentee, row.mentor)}
                   - known.members)

    def summary(self, known: Known) -> dict:
        """The preview as the import row keeps it (no name, no address)."""
        return {"total": self.total, "new": len(self.rows), "existing": len(self.existing_lines),
                "bad": len(self.bad_lines) + len(self.meetings_bad_lines),
                "pairings_bad": len(self.bad_lines), "people_new": self.new_people(known),
                "meetings_total": self.meetings_total, "meetings_new": len(self.meetings),
                "meetings_existing": self.meetings_existing,
                "meetings_bad": len(self.meetings_bad_lines),
                "new_lines": line_ranges([row.line for row in self.rows]),
                "existing_lines": line_ranges(self.existing_lines),
                "errors": [list(error) for error in self.errors[:ERRORS_SHOWN]],
                "errors_total": len(self.errors)}


def line_ranges(lines: list[int]) -> str:
    """Row numbers as a spreadsheet's reader finds them: "2-9, 12, 15-16"."""
    spans: list[list[int]] = []
    for line in sorted(lines):
        if spans and line == spans[-1][1] + 1:
            spans[-1][1] = line
        else:
            spans.append([line, line])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)


def line_of(ref: str) -> int:
    """The row number of a cell's reference: 7 for "C7" and for "Meetings!C7"."""
    return int(ref.rsplit("!", 1)[-1].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


# -- Reading -------------------------------------------------------------------------------

def read_rows(content: bytes, format: str) -> Iterator[list[Cell]]:
    """Each line of the file after the header, as its cells in the template's order (the
    header may order the columns as it likes; a column it lacks reads as empty). Raises
    FileUnreadable for a file that is not what it says, or a header that is not the
    template's."""
    lines = _xlsx_lines(content) if format == "xlsx" else _csv_lines(content)
    return _rows(lines, COLUMNS, empty_ok=False)


def read_meeting_rows(content: bytes, format: str) -> Iterator[list[Cell]]:
    """The lines of the meetings sheet, as read_rows reads the pairings: none when the file
    has no such sheet (a CSV never has)."""
    if format != "xlsx":
        return iter(())
    return _rows(_xlsx_lines(content, meetings=True), MEETING_COLUMNS, empty_ok=True)


def _rows(lines: Iterator[list[Cell]], columns: list[tuple[str, object, bool]],
          empty_ok: bool) -> Iterator[list[Cell]]:
    try:
        header = next(lines)
    except StopIteration:
        if empty_ok:
            return
        raise FileUnreadable(_("The file is empty.")) from None
    positions = _positions(header, columns)
    count = 0
    for line in lines:
        if all(cell.value in ("", None) for cell in line):
            continue
        count += 1
        if count > MAX_ROWS:
            raise FileUnreadable(_("The file has more than %(count)s rows: split it.")
                                 % {"count": MAX_ROWS})
        number = line_of(line[0].ref) if line else 0
        sheet = line[0].ref.rsplit("!", 1)[0] + "!" if line and "!" in line[0].ref else ""
        yield [line[at] if at is not None and at < len(line)
               else Cell(f"{sheet}{column_letter(at if at is not None else index)}{number}", "")
               for index, at in enumerate(positions)]


def _header_names(columns: list[tuple[str, object, bool]]) -> dict[str, str]:
    """Every language's header of each column (lower case) → its key: a file filled in from a
    French template is read on an English page."""
    names = {key: key for key, _label, _required in columns}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            names.update({str(label).strip().lower(): key for key, label, _r in columns})
    return names


def words(choices: Sequence[tuple[object, object]]) -> dict[str, object]:
    """What a cell may say (lower case), in English and every language of the platform."""
    found: dict[str, object] = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            found.update({str(word).strip().lower(): value for value, word in choices})
    with translation.override("en"):
        found.update({str(word).strip().lower(): value for value, word in choices})
    return found


def _positions(header: list[Cell], columns: list[tuple[str, object, bool]]
               ) -> list[int | None]:
    names = _header_names(columns)
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        text = str(cell.value or "").strip().lower()
        if not text:
            continue
        key = names.get(text)
        if key is None:
            raise FileUnreadable(_("Cell %(cell)s: “%(text)s” is not a column of the template.")
                                 % {"cell": cell.ref, "text": str(cell.value)[:80]})
        found[key] = index
    missing = [str(label) for key, label, required in columns if required and key not in found]
    if missing:
        raise FileUnreadable(_("The first row must name the template's columns; missing: "
                               "%(columns)s.") % {"columns": ", ".join(missing)})
    return [found.get(key) for key, _label, _required in columns]


def _csv_lines(content: bytes) -> Iterator[list[Cell]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileUnreadable(_("The CSV file is not in UTF-8: save it as “CSV UTF-8”.")) \
            from None
    first = text.split("\n", 1)[0]
    # A spreadsheet set to French or German saves CSV with semicolons.
    delimiter = max(",;\t", key=first.count)
    try:
        for number, line in enumerate(csv.reader(io.StringIO(text, newline=""),
                                                 delimiter=delimiter), start=1):
            yield [Cell(f"{column_letter(index)}{number}", value.strip())
                   for index, value in enumerate(line)]
    except csv.Error as error:
        raise FileUnreadable(_("The CSV file cannot be read: %(error)s") % {"error": error}) \
            from None


def _xlsx_lines(content: bytes, meetings: bool = False) -> Iterator[list[Cell]]:
    """The first sheet's lines (the pairings), or those of the sheet named "Meetings" in any
    of the platform's languages (none when there is no such sheet)."""
    # Read-only streams the sheet; formulas are read as the text of the formula (never
    # evaluated).
    try:
        # A small zip may unpack to gigabytes, which openpyxl would hold (its strings): such a
        # file is refused before it is opened.
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise FileUnreadable(_("The spreadsheet is too large: split it."))
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
        prefix = ""
        if meetings:
            names = set(words([(True, MEETINGS_SHEET)]))
            found = [sheet for sheet in book.worksheets[1:]
                     if sheet.title.strip().lower() in names]
            if not found:
                book.close()
                return
            sheet = found[0]
            prefix = f"{sheet.title}!"
        else:
            sheet = book.worksheets[0]
        sheet.reset_dimensions()  # some writers state a wrong size: read every row there is
        for number, row in enumerate(sheet.iter_rows(), start=1):
            yield [Cell(f"{prefix}{column_letter(index)}{number}",
                        value.strip() if isinstance(value := cell.value, str) else
                        ("" if value is None else value),
                        formula=getattr(cell, "data_type", "") == "f")
                   for index, cell in enumerate(row)]
        book.close()
    except FileUnreadable:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, IndexError, AttributeError,
            OSError) as error:
        raise FileUnreadable(_("The file cannot be read as an XLSX spreadsheet.")) from error


# -- Checking ------------------------------------------------------------------------------

def country_names(codes_and_names: list[tuple[str, str]]) -> dict[str, str]:
    """Each country by its code, its English name and its name in every language of the
    platform (CLDR), lower case."""
    found: dict[str, str] = {}
    for code, name in codes_and_names:
        found[code.lower()] = code
        found[name.lower()] = code
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for code, _english in codes_and_names:
                found.setdefault(country_name(code).lower(), code)
    return found


def language_codes() -> dict[str, str]:
    found: dict[str, str] = {}
    codes = [code for code, _name in WORKING_LANGUAGES]
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            found.update({language_name(code).lower(): code for code in codes})
    found.update({code: code for code in codes})
    return found


def check(lines: Iterator[list[Cell]], known: Known,
          meetings: Iterator[list[Cell]] | None = None) -> Checked:
    """Every row checked, the pairings' then the meetings'; raises FileUnreadable (from the
    reader) for the file as a whole."""
    checked = Checked()
    languages = language_codes()
    mentees_in_file: dict[str, int] = {}
    named: set[tuple[str, str]] = set()  # every pair the pairings sheet names, good or bad
    for cells in lines:
        checked.total += 1
        named.add((str(cells[KEYS.index("mentee_email")].value).strip().lower(),
                   str(cells[KEYS.index("mentor_email")].value).strip().lower()))
        row = _check_row(cells, known, languages, checked)
        if row is None:
            continue
        pair = (row.mentee.email, row.mentor.email)
        if pair in known.pairs:
            checked.existing_lines.append(row.line)
            continue
        mentee_cell = cells[KEYS.index("mentee_email")]
        if row.mentee.email in mentees_in_file:
            checked.refuse(mentee_cell, _(
                "This mentee is already paired in row %(row)s: a mentee has one pairing at a "
                "time in a project.") % {"row": mentees_in_file[row.mentee.email]})
            continue
        if row.mentee.email in known.live_mentees:
            checked.refuse(mentee_cell, _(
                "This mentee already has a pairing under way in the project, with another "
                "mentor."))
            continue
        mentees_in_file[row.mentee.email] = row.line
        checked.rows.append(row)
    if meetings is not None:
        _check_meetings(meetings, known, checked, named)
    return checked


def _check_meetings(lines: Iterator[list[Cell]], known: Known, checked: Checked,
                    named: set[tuple[str, str]]) -> None:
    """Each meeting row held to what logging it would be held to (meeting_problems: within
    the pairing, not in the future, funded only in person and within the funded visits'
    limits); one already in the project (same pairing, day and kind), or twice in the file,
    is counted once."""
    schedules: dict[tuple[str, str], Schedule] = {
        (row.mentee.email, row.mentor.email): Schedule(row.start, row.duration_months)
        for row in checked.rows}
    kinds, yes_no = words(KIND_WORDS), words(YES_NO_WORDS)
    seen: set[tuple[tuple[str, str], date, str]] = set()
    funded: dict[tuple[str, str], list[date]] = {}
    for cells in lines:
        checked.meetings_total += 1
        row = _check_meeting(cells, known, checked, named, schedules, kinds, yes_no, funded)
        if row is None:
            continue
        key = (row.pair, row.day, row.kind)
        existing = known.pairings.get(row.pair)
        if key in seen or (existing is not None
                           and (existing.pk, row.day, row.kind) in known.meetings):
            checked.meetings_existing += 1
            continue
        seen.add(key)
        if row.funded:
            funded.setdefault(row.pair, []).append(row.day)
        checked.meetings.append(row)


def _check_meeting(cells: list[Cell], known: Known, checked: Checked,
                   named: set[tuple[str, str]], schedules: dict[tuple[str, str], Schedule],
                   kinds: dict[str, object], yes_no: dict[str, object],
                   funded: dict[tuple[str, str], list[date]]) -> MeetingRow | None:
    values: dict[str, Cell] = dict(zip(MEETING_KEYS, cells, strict=True))
    errors_before = len(checked.errors)
    _check_cells(cells, MEETING_COLUMNS, checked)
    if len(checked.errors) > errors_before:
        return None
    pair = (str(values["mentee_email"].value).strip().lower(),
            str(values["mentor_email"].value).strip().lower())
    schedule = schedules.get(pair)
    existing = known.pairings.get(pair)
    if schedule is None and existing is not None:
        if existing.status not in (Pairing.Status.ACTIVE, Pairing.Status.COMPLETED) \
                or existing.start is None or existing.months is None:
            checked.refuse(values["mentee_email"], _(
                "The project's pairing of this mentee and mentor is not under way: meetings "
                "are logged once the pairing is active."))
            return None
        schedule = Schedule(existing.start, existing.months)
    if schedule is None:
        checked.refuse(values["mentee_email"], _(
            "The pairing of this mentee and this mentor is refused on the first sheet: correct "
            "it there.") if pair in named else _(
            "No pairing of this mentee and this mentor, neither on the first sheet nor in the "
            "project."))
        return None
    day = _day(values["day"], checked)
    kind_text = str(values["kind"].value).strip()
    kind = kinds.get(kind_text.lower())
    if kind is None:
        checked.refuse(values["kind"], _("“%(value)s” is not a kind of meeting: write "
                                         "“online” or “in person”.") % {"value": kind_text[:40]})
    minutes = _number(values["duration_minutes"], checked, most=MAX_MEETING_MINUTES)
    topics = str(values["topics"].value).strip()
    if len(topics) > 300:
        checked.refuse(values["topics"], _("Topics of at most 300 characters."))
    in_person = kind == Meeting.Kind.IN_PERSON
    city = str(values["city"].value).strip() if in_person else ""
    if len(city) > 120:
        checked.refuse(values["city"], _("A city of at most 120 characters."))
    elif in_person and not city:
        checked.refuse(values["city"], _("Say where the visit took place."))
    country: str | None = None
    country_text = str(values["country"].value).strip() if in_person else ""
    if country_text:
        country = known.countries.get(country_text.lower())
        if country is None:
            checked.refuse(values["country"], _(
                "“%(value)s” is not a country this platform knows: give its ISO code (MA) or "
                "its name.") % {"value": country_text[:80]})
    funded_text = str(values["funded"].value).strip()
    is_funded = yes_no.get(funded_text.lower()) if funded_text else False
    if is_funded is None:
        checked.refuse(values["funded"], _("“%(value)s”: write “yes” or “no”.")
                       % {"value": funded_text[:40]})
    if day is not None and kind is not None and is_funded is not None:
        others = [*(known.funded_days.get(existing.pk, []) if existing is not None else []),
                  *funded.get(pair, [])]
        if day in others and kind == Meeting.Kind.IN_PERSON:
            others.remove(day)  # this very visit, already there: skipped, not refused
        problems = meeting_problems(
            MeetingDraft(day=day, in_person=in_person, funded=bool(is_funded)),
            schedule=schedule, rules=known.rules, today=known.today,
            other_funded_days=tuple(others))
        for key, messages in problems.items():
            for message in messages:
                checked.refuse(values.get(key, values["day"]), message)
    if len(checked.errors) > errors_before or day is None or kind is None or minutes is None:
        return None
    return MeetingRow(line=line_of(cells[0].ref), pair=pair, day=day, kind=str(kind),
                      duration_minutes=minutes, topics=topics, city=city, country=country,
                      funded=bool(is_funded))


def _check_cells(cells: list[Cell], columns: list[tuple[str, object, bool]],
                 checked: Checked) -> None:
    """A formula, an empty required cell or control characters: one reason a cell."""
    for (_key, _label, required), cell in zip(columns, cells, strict=True):
        # A formula, or a text a spreadsheet would run as one: refused, never evaluated.
        if cell.formula or (isinstance(cell.value, str) and runs_as_formula(cell.value)):
            checked.refuse(cell, _("A formula or a text that a spreadsheet would run as one: "
                                   "type the value itself."))
        elif required and cell.value in ("", None):
            checked.refuse(cell, _("This cell is required."))
        elif isinstance(cell.value, str) and has_control_characters(cell.value):
            checked.refuse(cell, _("This cell holds control characters: type the value "
                                   "again."))


def _check_row(cells: list[Cell], known: Known, languages: dict[str, str],
               checked: Checked) -> PairingRow | None:
    values: dict[str, Cell] = dict(zip(KEYS, cells, strict=True))
    errors_before = len(checked.errors)
    _check_cells(cells, COLUMNS, checked)
    if len(checked.errors) > errors_before:
        return None  # a refused cell is not read further: one reason a cell

    def email(key: str) -> str:
        value = str(values[key].value).strip().lower()
        try:
            validate_email(value)
        except ValidationError:
            checked.refuse(values[key], _("This is not an e-mail address."))
        return value

    def name(key: str) -> str:
        value = str(values[key].value).strip()
        if len(value) > 200:
            checked.refuse(values[key], _("A name of at most 200 characters."))
        return value

    def country(key: str) -> str:
        value = str(values[key].value).strip()
        code = known.countries.get(value.lower(), "")
        if not code:
            checked.refuse(values[key], _("“%(value)s” is not a country this platform knows: "
                                          "give its ISO code (MA) or its name.")
                           % {"value": value[:80]})
        return code

    mentee = Person(email("mentee_email"), name("mentee_name"), country("mentee_country"))
    mentor = Person(email("mentor_email"), name("mentor_name"), country("mentor_country"))
    if mentee.email and mentee.email == mentor.email:
        checked.refuse(values["mentor_email"], _("The mentor is also the mentee: a pairing "
                                                 "is of two people."))
    area_text = str(values["thematic_area"].value).strip()
    area = known.areas.get(area_text.lower())
    if area is None:
        checked.refuse(values["thematic_area"], _(
            "“%(value)s” is not a thematic area of the project (%(areas)s).")
            % {"value": area_text[:80], "areas": ", ".join(known.area_names)})
    codes: list[str] = []
    for word in LANGUAGE_SEPARATORS.split(str(values["languages"].value or "")):
        if not word.strip():
            continue
        code = languages.get(word.strip().lower())
        if code is None:
            checked.refuse(values["languages"], _("“%(value)s” is not a working language "
                                                  "this platform knows.")
                           % {"value": word.strip()[:40]})
        elif code not in codes:
            codes.append(code)
    start = _day(values["start"], checked)
    months = _number(values["duration_months"], checked)
    per_month = (_number(values["online_meetings_per_month"], checked)
                 if values["online_meetings_per_month"].value not in ("", None)
                 else known.rules.online_meetings_per_month)
    problems = plan_problems(PlanDraft(start=start, duration_months=months,
                                       online_meetings_per_month=per_month), known.rules)
    for key in ("duration_months", "online_meetings_per_month"):
        for message in problems.get(key, []):
            checked.refuse(values[key], message)
    if len(checked.errors) > errors_before or start is None or months is None \
            or per_month is None or area is None:
        return None
    return PairingRow(line=line_of(cells[0].ref),
                      mentee=mentee, mentor=mentor, thematic_area_id=area,
                      languages=tuple(codes), start=start, duration_months=months,
                      online_meetings_per_month=per_month)


def _day(cell: Cell, checked: Checked) -> date | None:
    value = cell.value
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if ISO_DAY.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    checked.refuse(cell, _("“%(value)s” is not a date: write it as YYYY-MM-DD, e.g. "
                           "2026-03-15.") % {"value": text[:40]})
    return None


def _number(cell: Cell, checked: Checked, most: int = 999) -> int | None:
    value = cell.value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= most:
        return value
    text = str(value).strip()
    if text.isascii() and text.isdigit() and 0 < int(text) <= most:
        return int(text)
    if text.isascii() and text.isdigit() and int(text) > most:
        checked.refuse(cell, _("At most %(most)s.") % {"most": most})
        return None
    checked.refuse(cell, _("“%(value)s” is not a whole number of at least 1.")
                   % {"value": text[:40]})
    return None
