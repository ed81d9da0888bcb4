"""The template a coordinator fills in: an XLSX with a sheet of pairings, a sheet of the
meetings and visits already held, and an explanation sheet, in the coordinator's language; or
the pairings' header as CSV (a CSV holds one table: meetings come in through the XLSX)."""

import csv
import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from matching.imports.check import COLUMNS, MEETING_COLUMNS, MEETINGS_SHEET
from programmes.models import Project, ThematicArea


def _explanations(project: Project) -> list[tuple[str, str, str]]:
    """(column, what to write, example) for each column of the template."""
    rules = project.rules
    areas = ", ".join(ThematicArea.objects.for_org(project.organisation)
                      .filter(project=project).order_by("name").values_list("name", flat=True))
    what = {
        "mentee_email": (_("The mentee's e-mail address: their account, and their sign-in "
                           "once invited."), "salma.idrissi@police.ma"),
        "mentee_name": (_("The mentee's name as it is shown to others."), "Salma Idrissi"),
        "mentee_country": (_("The ISO code or the name of the mentee's country."), "MA"),
        "mentor_email": (_("The mentor's e-mail address."), "jean.martin@police.fr"),
        "mentor_name": (_("The mentor's name as it is shown to others."), "Jean Martin"),
        "mentor_country": (_("The ISO code or the name of the mentor's country."), "FR"),
        "thematic_area": (_("One of the project's thematic areas: %(areas)s.")
                          % {"areas": areas or "—"}, areas.split(", ")[0] if areas else ""),
        "languages": (_("The pair's working languages, as ISO codes or names, separated by "
                        "commas (may be left empty)."), "fr, en"),
        "start": (_("The day the pairing started, as YYYY-MM-DD."), "2026-03-15"),
        "duration_months": (
            _("The pairing's length in months: the project allows %(min)s to %(max)s.")
            % {"min": rules.duration_min_months, "max": rules.duration_max_months},
            str(rules.duration_max_months)),
        "online_meetings_per_month": (
            _("Online meetings planned each month: at least %(count)s (empty: %(count)s).")
            % {"count": rules.online_meetings_per_month},
            str(rules.online_meetings_per_month)),
    }
    return [(str(label), *what[key]) for key, label, _required in COLUMNS]


def _meeting_explanations(project: Project) -> list[tuple[str, str, str]]:
    """(column, what to write, example) for each column of the meetings sheet."""
    rules = project.rules
    what = {
        "mentee_email": (_("The mentee's e-mail address, as on the first sheet (or of a "
                           "pairing already in the project)."), "salma.idrissi@police.ma"),
        "mentor_email": (_("The mentor's e-mail address: with the mentee's, it names the "
                           "pairing."), "jean.martin@police.fr"),
        "day": (_("The day of the meeting, as YYYY-MM-DD: within the pairing, and not after "
                  "today."), "2026-04-02"),
        "kind": (_("“online” or “in person” (a visit)."), _("in person")),
        "duration_minutes": (_("How long it lasted, in minutes."), "90"),
        "topics": (_("What the pair talked about, in a few words."),
                   _("Financial investigations")),
        "city": (_("For a visit: the city where it took place (required for a visit)."),
                 "Rabat"),
        "country": (_("For a visit: the ISO code or the name of the country (may be left "
                      "empty)."), "MA"),
        "funded": (_("For a visit: “yes” if the programme paid for it (at most one in each "
                     "%(months)s-month period, within the first %(until)s months); empty: "
                     "no.") % {"months": rules.funded_visit_period_months,
                               "until": rules.funded_visits_until_month}, _("no")),
    }
    return [(str(label), *what[key]) for key, label, _required in MEETING_COLUMNS]


def notes() -> list[str]:
    return [
        _("One row is one pairing under way. Keep the first row (the columns' names) as it is."),
        _("Nothing is written before you have seen the preview and confirmed it."),
        _("A pairing that already exists in the project (same mentee and mentor) is skipped: "
          "importing the same file twice creates nothing twice."),
        _("Formulas are refused: type the values themselves."),
        _("The pairings start with an approved activity plan of these dates; reminders start "
          "from the day of the import, never for the months before it."),
        _("The sheet “Meetings” (XLSX only: a CSV file holds the pairings alone) lists the "
          "meetings and visits already held, one a row. They are brought in as confirmed by "
          "both participants, logged by you, and count for the pairing's compliance at once."),
        _("A meeting already in the project (same pairing, day and kind) is skipped: importing "
          "the same file twice creates no meeting twice."),
    ]


def template_xlsx(project: Project) -> bytes:
    book = Workbook()
    sheet = book.create_sheet(_("Pairings")[:31], 0)
    book.remove(book.worksheets[1])  # the empty sheet a new workbook starts with
    sheet.append([str(label) for _key, label, _required in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index in range(len(COLUMNS)):
        sheet.column_dimensions[chr(ord("A") + index)].width = 24
    meetings = book.create_sheet(str(MEETINGS_SHEET)[:31])
    meetings.append([str(label) for _key, label, _required in MEETING_COLUMNS])
    for cell in meetings[1]:
        cell.font = Font(bold=True)
    for index in range(len(MEETING_COLUMNS)):
        meetings.column_dimensions[chr(ord("A") + index)].width = 24
    explanation = book.create_sheet(_("Explanation")[:31])
    explanation.append([_("Column"), _("What to write"), _("Example")])
    for cell in explanation[1]:
        cell.font = Font(bold=True)
    for row in _explanations(project):
        explanation.append(list(row))
    explanation.append([])
    explanation.append([str(MEETINGS_SHEET)])
    explanation.cell(explanation.max_row, 1).font = Font(bold=True)
    for row in _meeting_explanations(project):
        explanation.append(list(row))
    explanation.append([])
    for note in notes():
        explanation.append([note])
    explanation.column_dimensions["A"].width = 30
    explanation.column_dimensions["B"].width = 90
    explanation.column_dimensions["C"].width = 30
    file = io.BytesIO()
    book.save(file)
    return file.getvalue()


def template_csv() -> bytes:
    text = io.StringIO(newline="")
    csv.writer(text).writerow([str(label) for _key, label, _required in COLUMNS])
    return text.getvalue().encode("utf-8-sig")
