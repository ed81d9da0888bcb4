"""Builds, in a worker, what an Export asks for: the highlights report or a pairing's dossier
(PDF), or the pairings, meetings or reports of a project as CSV or XLSX, with the dashboard's
filters, or a person's own data (JSON or PDF); and deletes built documents after a week."""

import csv
import io
import itertools
import json
import logging
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import cast

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import models
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    Q,
    QuerySet,
)
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from matching.budget.selectors import PairingMoney, budget_figures
from matching.models import Meeting, Pairing
from participants.activities.selectors import (
    activity_figures,
    held_activities,
    project_activities,
)
from programmes import cldr
from programmes.models import Organisation, Project
from programmes.privacy.services import on_erasure, personal_data_collect, personal_data_tables
from programmes.validators import runs_as_formula
from reporting import charts, outcomes, selectors, xlsx
from reporting.filters import DashboardFilter
from reporting.indicators import indicator_rows
from reporting.models import Export, Report
from reporting.models import Progress as ObjectiveProgress
from reporting.pdf import RenderError, render_pdf

Progress = Callable[[int], None]
logger = logging.getLogger(__name__)


def export_build(*, organisation_id: int, export_id: int) -> None:
    """Builds a queued export (in a worker), showing its progress as it goes. A document that
    cannot be built fails with the reason for the person who asked; the worker carries on."""
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    exports = Export.objects.for_org(organisation)
    # Running too: a worker that died midway leaves it so, and the task is delivered again.
    export = exports.select_related("organisation", "project", "pairing", "requested_by").filter(
        pk=export_id, status__in=[Export.Status.QUEUED, Export.Status.RUNNING]).first()
    if export is None:
        return  # gone, or already built
    this = exports.filter(pk=export.pk)
    progress = progress_shown(this)
    this.update(status=Export.Status.RUNNING)
    progress(5)
    with translation.override(export.params.get("language", "en")):
        try:
            content, filename = build(export, progress)
        except RenderError as error:
            this.update(
                status=Export.Status.FAILED, error=str(error)[:300])
            return
        except SoftTimeLimitExceeded:
            this.update(
                status=Export.Status.FAILED,
                error=_("Building the document took too long and was stopped. Ask for a "
                        "smaller one (a shorter period, fewer pairings)."))
            return
        except Exception:
            logger.exception("Export %s failed", export.pk)
            this.update(
                status=Export.Status.FAILED,
                error=_("The document could not be built. Try again; if it fails again, tell "
                        "the platform's support."))
            return
    this.update(
        status=Export.Status.DONE, progress=100, content=content, filename=filename)


def progress_shown(export: QuerySet[Export]) -> Progress:
    """Shows a build's progress on its Export row, at most 99 per cent until it is done, and
    never less than it already shows: a task delivered again after its worker died starts over,
    and the person waiting should not see the bar go back."""
    def progress(per_cent: int) -> None:
        per_cent = min(per_cent, 99)
        export.filter(progress__lt=per_cent).update(progress=per_cent)
    return progress


EXPORTS_KEPT_DAYS = 7


def exports_purge(*, now: datetime | None = None) -> int:
    """Built documents hold personal data: they are deleted a week after they were asked for
    (beat runs this daily)."""
    now = now or timezone.now()
    deleted = 0
    for organisation in Organisation.objects.all():
        deleted += Export.objects.for_org(organisation).filter(
            created_at__lt=now - timedelta(days=EXPORTS_KEPT_DAYS)).delete()[0]
    return deleted


@on_erasure
def exports_drop(*, organisation: Organisation, **kwargs: object) -> None:
    """A built document may list the erased person among others: every built document of the
    organisation goes (anyone can build it again, without them)."""
    Export.objects.for_org(organisation).exclude(
        status__in=[Export.Status.QUEUED, Export.Status.RUNNING]).delete()


def build(export: Export, progress: Progress) -> tuple[bytes, str]:
    """The document's bytes and file name, in the language it was asked in."""
    stamp = timezone.localdate().isoformat()
    if export.kind == Export.Kind.PERSONAL_DATA:
        return _personal_data(export, progress, stamp)
    project = cast(Project, export.project)  # None only for a dossier, which does not use it
    if export.kind == Export.Kind.DOSSIER:
        pairing = (Pairing.objects.for_org(export.organisation).select_related(
            "project", "mentee", "mentor", "mentee_application__country",
            "mentee_application__thematic_area", "mentor_application__country",
            "mentor_application__thematic_area").get(pk=cast(int, export.pairing_id)))
        progress(20)
        context = selectors.dossier(pairing, contacts=bool(export.params.get("contacts")))
        progress(40)
        pdf = render_pdf("reporting/pdf/dossier.html", context,
                         organisation=export.organisation, language=export.params["language"],
                         timeout=settings.PDF_TASK_TIMEOUT_SECONDS)
        return pdf, f"dossier-{pairing.pk}-{stamp}.pdf"
    if export.kind == Export.Kind.DONOR:
        return _donor_report(export, project, progress, stamp)
    pairings = _filtered(export)
    if export.kind == Export.Kind.HIGHLIGHTS:
        applications = selectors.project_applications(project)
        figures = selectors.highlights(project=project, pairings=pairings,
                                       applications=_filter(export).applications(applications))
        progress(40)
        pdf = render_pdf("reporting/pdf/highlights.html", {
            "project": project, "figures": figures, "filters": _filter(export).form,
            "charts": charts.highlights_charts(figures, export.organisation.colour),
            "activity_figures": selectors.period_activity_figures(project, _filter(export).form),
            "today": timezone.localdate(),
            "outcomes": {"gain": outcomes.competency_gain(project=project, pairings=pairings),
                         "objectives": outcomes.objective_progress(project=project,
                                                                   pairings=pairings)},
        }, organisation=export.organisation, language=export.params["language"],
            timeout=settings.PDF_TASK_TIMEOUT_SECONDS)
        return pdf, f"highlights-{project.slug}-{stamp}.pdf"
    table = TABLES[export.kind](pairings, export.organisation)
    name = f"{export.kind}-{slugify(project.slug)}-{stamp}.{export.format}"
    return _table(export.format, str(export.get_kind_display()), table, progress), name


def _donor_report(export: Export, project: Project, progress: Progress,
                  stamp: str) -> tuple[bytes, str]:
    """The indicators whose period meets the report's, each over its own period, then the
    highlights of the pairs that started within the report's period; all with the report's
    country and thematic area."""
    params = export.params
    start = date.fromisoformat(params["period_start"])
    end = date.fromisoformat(params["period_end"])
    found = DashboardFilter({"start_from": start, "start_to": end,
                             "country": params.get("country"),
                             "thematic_area": params.get("thematic_area")},
                            queryset=selectors.dashboard_pairings(project), project=project)
    found.is_valid()
    narrowed = DashboardFilter({name: params.get(name) for name in ("country", "thematic_area")},
                               queryset=selectors.dashboard_pairings(project), project=project)
    rows = indicator_rows(project=project, pairings=narrowed.qs, indicators=list(
        selectors.project_indicators(project).filter(period_start__lte=end,
                                                     period_end__gte=start)))
    progress(30)
    figures = selectors.highlights(project=project, pairings=found.qs,
                                   applications=found.applications(
                                       selectors.project_applications(project)))
    # The money and the outcomes of the period itself: visits held, reports accepted and
    # answers given within it, by the pairings the filters leave.
    figures.budget = budget_figures(project=project, pairings=narrowed.qs, start=start, end=end)
    period = {"project": project, "pairings": narrowed.qs, "start": start, "end": end}
    progress(50)
    activities = project_activities(project=project).filter(
        pk__in=held_activities(project=project, start=start, end=min(end, timezone.localdate()))
        .values("pk")).order_by("starts_on", "pk")
    pdf = render_pdf("reporting/pdf/donor.html", {
        "project": project, "rows": rows, "figures": figures, "filters": found.form,
        "activity_figures": activity_figures(project=project, start=start, end=end),
        "activities": list(activities),
        "outcomes": {"gain": outcomes.competency_gain(**period),
                     "objectives": outcomes.objective_progress(**period),
                     "satisfaction": outcomes.satisfaction(**period)},
        "period_start": start, "period_end": end,
        "charts": charts.highlights_charts(figures, export.organisation.colour),
        "today": timezone.localdate(),
    }, organisation=export.organisation, language=params["language"],
        timeout=settings.PDF_TASK_TIMEOUT_SECONDS)
    return pdf, f"donor-report-{project.slug}-{start}-{end}.pdf"


def _personal_data(export: Export, progress: Progress, stamp: str) -> tuple[bytes, str]:
    """Everything the organisation holds about the person who asked: JSON for machines, a PDF
    in their language for people."""
    person = export.requested_by
    data = personal_data_collect(organisation=export.organisation, user=person)
    progress(40)
    if export.format == Export.Format.JSON:
        content = json.dumps(data, ensure_ascii=False, indent=2).encode()
        return content, f"my-data-{export.organisation.slug}-{stamp}.json"
    pdf = render_pdf("reporting/pdf/personal_data.html", {
        "person": person, "sections": personal_data_tables(data),
        "generated_at": timezone.now(), "time_zone": timezone.get_current_timezone_name(),
    }, organisation=export.organisation, language=export.params["language"],
        timeout=settings.PDF_TASK_TIMEOUT_SECONDS)
    return pdf, f"my-data-{export.organisation.slug}-{stamp}.pdf"


def _filter(export: Export) -> DashboardFilter:
    project = cast(Project, export.project)  # every export but a dossier is of a project
    return DashboardFilter(export.params, queryset=selectors.dashboard_pairings(project),
                           project=project)


def _filtered(export: Export) -> QuerySet[Pairing]:
    found = _filter(export)
    return found.qs if found.is_valid() else found.queryset.none()


# --- Tables (CSV, XLSX) -------------------------------------------------------------------------
# A table is read in one query of plain values (no model instances, no query per row) and
# streamed: from a server-side cursor on PostgreSQL (`iterator`), into a temporary file, the
# XLSX by reporting.xlsx (constant memory), so that 10,000 pairings cost little more than
# fetching them (manage.py bench_pages measures both). Only the finished document is held, to
# be stored in the Export row.

CHUNK_ROWS = 2000
PROGRESS_STEPS = 18  # progress is written at most this many times while the rows are read


@dataclass
class Table:
    """What an export of a table reads (`rows`: a values_list queryset, one query) and how a
    row of it becomes the cells of a line (`cells`, which reads nothing). A missing or blank
    value is None: an empty field in a CSV, an empty cell in an XLSX. `lookup`, read once
    before the rows, fills what `cells` looks up: a figure that one grouped query counts for
    every row costs less than a subquery per row (which, on PostgreSQL, also turns on JIT
    compiling for the whole query)."""

    header: list[str]
    rows: QuerySet
    cells: Callable[[tuple], list]
    lookup: Callable[[], None] = lambda: None


def _labels(choices: type[models.Choices]) -> dict[object, str]:
    """The choices' labels in the active language, looked up once per export, not per row."""
    return {value: str(label) for value, label in choices.choices}


def _country(code: str | None) -> str | None:
    """A country as the export's language names it (CLDR), like the pages do."""
    return cldr.country_name(code) if code else None


# start_day is dashboard_pairings' annotation (which the filters read too).
PAIRING_COLUMNS = (
    "pk", "status", "mentor__full_name", "mentor_application__country__code",
    "mentee__full_name", "mentee_application__country__code",
    "mentee_application__thematic_area__name", "start_day", "project_id")


def _pairing_table(pairings: QuerySet[Pairing], organisation: Organisation) -> Table:
    header = [_("Pairing"), _("Status"), _("Mentor"), _("Mentor's country"), _("Mentee"),
              _("Mentee's country"), _("Thematic area"), _("Start"), _("Meetings held"),
              _("Visits planned (estimates)"), _("Visits claimed"), _("Visits approved"),
              _("Budget currency"), _("Not counted (no rate)")]
    rows = pairings.order_by("pk").values_list(*PAIRING_COLUMNS)
    statuses = _labels(Pairing.Status)
    held: dict[int, int] = {}
    money: dict[int, tuple[PairingMoney, str]] = {}
    currencies: dict[int, str] = {}  # each project's budget currency

    def lookup() -> None:
        held.update(Meeting.objects.for_org(organisation)
                    .filter(pairing__in=pairings.values("pk")).order_by()
                    .values_list("pairing").annotate(n=Count("pk")).values_list("pairing", "n"))
        # The budget's figures, project by project (an export is of one project).
        for project in Project.objects.for_org(organisation).filter(
                pk__in=pairings.order_by().values("project")):
            figures = budget_figures(project=project,
                                     pairings=pairings.filter(project=project))
            money.update((pk, (one, figures.currency)) for pk, one in figures.pairings.items())
            currencies[project.pk] = figures.currency

    def by_currency(amounts: dict[str, Decimal]) -> str | None:
        return "; ".join(f"{amount} {currency}" for currency, amount in sorted(
            amounts.items())) or None

    def cells(row: tuple) -> list:
        pk, status, mentor, mentor_country, mentee, mentee_country, area, start, project = row
        one, currency = money.get(pk, (PairingMoney(), currencies.get(project)))
        return [pk, statuses.get(status, status), mentor, _country(mentor_country), mentee,
                _country(mentee_country), area, start, held.get(pk, 0), one.planned,
                by_currency(one.claimed), one.approved, currency, by_currency(one.unconverted)]
    return Table(header, rows, cells, lookup)


def _meeting_table(pairings: QuerySet[Pairing], organisation: Organisation) -> Table:
    header = [_("Pairing"), _("Mentor"), _("Mentee"), _("Date"), _("Kind"), _("Minutes"),
              _("Topics"), _("City"), _("Country"), _("Funded"), _("Costs claimed"),
              _("Currency"), _("Confirmed"), _("Claim"), _("Amount approved")]
    rows = (Meeting.objects.for_org(organisation).filter(pairing__in=pairings.values("pk"))
            .annotate(confirmed=ExpressionWrapper(Q(confirmed_at__isnull=False),
                                                  output_field=BooleanField()))
            .order_by("pairing_id", "day", "pk")
            .values_list("pairing_id", "pairing__mentor__full_name",
                         "pairing__mentee__full_name", "day", "kind", "duration_minutes",
                         "topics", "city", "country__code", "funded", "cost_amount",
                         "cost_currency", "confirmed", "claim_status", "approved_amount"))
    kinds, yes, no = _labels(Meeting.Kind), _("yes"), _("no")
    claims = _labels(Meeting.Claim)

    def cells(row: tuple) -> list:
        (pairing, mentor, mentee, day, kind, minutes, topics, city, country, funded, cost,
         currency, confirmed, claim, approved) = row
        is_claim = funded and cost is not None  # as Meeting.is_claim
        return [pairing, mentor, mentee, day, kinds.get(kind, kind), minutes, topics,
                city or None, _country(country), yes if funded else no, cost, currency or None,
                yes if confirmed else no, claims.get(claim, claim) if is_claim else None,
                approved if is_claim else None]
    return Table(header, rows, cells)


def _report_table(pairings: QuerySet[Pairing], organisation: Organisation) -> Table:
    # A spreadsheet has no time zones: the times are the export's clock, to the minute, and
    # the headers name its zone.
    zone = {"zone": timezone.get_current_timezone_name()}
    header = [_("Pairing"), _("Mentor"), _("Mentee"), _("Report"), _("Version"), _("Status"),
              _("Submitted (%(zone)s time)") % zone, _("Reviewed (%(zone)s time)") % zone,
              _("Coordinator's comments"), _("Objectives"), _("Objectives achieved"),
              _("Progress of each objective")]
    rows = (Report.objects.for_org(organisation).filter(pairing__in=pairings.values("pk"))
            .exclude(status=Report.Status.DRAFT)
            .order_by("pairing_id", "kind", "version")
            .values_list("pairing_id", "pairing__mentor__full_name",
                         "pairing__mentee__full_name", "kind", "version", "status",
                         "submitted_at", "reviewed_at", "coordinator_comments", "objectives"))
    kinds, statuses = _labels(Report.Kind), _labels(Report.Status)
    steps = _labels(ObjectiveProgress)

    def local(moment: datetime | None) -> datetime | None:
        return timezone.localtime(moment).replace(tzinfo=None, second=0, microsecond=0) \
            if moment else None

    def cells(row: tuple) -> list:
        (pairing, mentor, mentee, kind, version, status, submitted, reviewed, comments,
         objectives) = row
        # Each objective's rating on one line of the cell, in the plan's order.
        ratings = "\n".join(f"{item['objective']}: {steps.get(item.get('rating'), '—')}"
                            for item in objectives)
        return [pairing, mentor, mentee, kinds.get(kind, kind), version,
                statuses.get(status, status), local(submitted), local(reviewed),
                comments or None, len(objectives),
                sum(1 for item in objectives if item.get("rating") == ObjectiveProgress.ACHIEVED),
                ratings or None]
    return Table(header, rows, cells)


TABLES: dict[str, Callable[[QuerySet[Pairing], Organisation], Table]] = {
    Export.Kind.PAIRINGS: _pairing_table, Export.Kind.MEETINGS: _meeting_table,
    Export.Kind.REPORTS: _report_table}


def _table(format: str, title: str, table: Table, progress: Progress) -> bytes:
    total = max(table.rows.count(), 1)  # rows may come or go before they are read
    step = -(-total // PROGRESS_STEPS)

    def lines() -> Iterator[list]:
        cells = table.cells
        for number, row in enumerate(table.rows.iterator(chunk_size=CHUNK_ROWS), start=1):
            if number % step == 0:
                progress(min(10 + 85 * number // total, 95))
            yield cells(row)

    table.lookup()
    with tempfile.TemporaryFile() as file:
        if format == Export.Format.CSV:
            # utf-8-sig starts the file with a BOM, which makes Excel read it as UTF-8.
            text = io.TextIOWrapper(file, encoding="utf-8-sig", newline="")
            writer = csv.writer(text)
            # Every field, the header's too, goes through spreadsheet_safe.
            writer.writerow([spreadsheet_safe(cell) for cell in table.header])
            writer.writerows([spreadsheet_safe(cell) for cell in line] for line in lines())
            text.detach()  # flushes, and leaves the file open for reading it back
        else:
            # An XLSX cell has a type: text is stored as text, exactly as typed (reporting/xlsx).
            xlsx.write(file, title=title, rows=itertools.chain([table.header], lines()),
                       right_to_left=translation.get_language_bidi())
        file.seek(0)
        return file.read()


def spreadsheet_safe(cell: object) -> object:
    """The one place a field of a CSV export is neutralised: a CSV has no types, so a text that
    a spreadsheet would run as a formula gets a leading apostrophe, which shows it as the text
    it is. (An XLSX needs none: its text cells are text.)"""
    if isinstance(cell, str) and runs_as_formula(cell):
        return "'" + cell
    return cell

