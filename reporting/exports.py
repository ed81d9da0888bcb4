"""Builds, in a worker, what an Export asks for: the highlights report or a pairing's dossier
(PDF), or the pairings, meetings or reports of a project as CSV or XLSX, with the dashboard's
filters, or a person's own data (JSON or PDF); and deletes built documents after a week."""

import csv
import io
import json
import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import cast

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db.models import Count
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook

from matching.models import Meeting, Pairing
from programmes.models import Organisation, Project
from programmes.privacy.services import on_erasure, personal_data_collect, personal_data_tables
from reporting import charts, selectors
from reporting.filters import DashboardFilter
from reporting.models import Export, Report
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

    def progress(per_cent: int) -> None:
        this.update(progress=min(per_cent, 99))

    this.update(status=Export.Status.RUNNING, progress=5)
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
    pairings = _filtered(export)
    if export.kind == Export.Kind.HIGHLIGHTS:
        applications = selectors.project_applications(project)
        figures = selectors.highlights(project=project, pairings=pairings,
                                       applications=_filter(export).applications(applications))
        progress(40)
        pdf = render_pdf("reporting/pdf/highlights.html", {
            "project": project, "figures": figures, "filters": _filter(export).form,
            "charts": charts.highlights_charts(figures, export.organisation.colour),
            "today": timezone.localdate(),
        }, organisation=export.organisation, language=export.params["language"],
            timeout=settings.PDF_TASK_TIMEOUT_SECONDS)
        return pdf, f"highlights-{project.slug}-{stamp}.pdf"
    header, rows, total = TABLES[export.kind](pairings, export.organisation)
    name = f"{export.kind}-{slugify(project.slug)}-{stamp}.{export.format}"
    return _table(export.format, str(export.get_kind_display()), header, rows, total,
                  progress), name


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
        "generated_at": timezone.now(),
    }, organisation=export.organisation, language=export.params["language"],
        timeout=settings.PDF_TASK_TIMEOUT_SECONDS)
    return pdf, f"my-data-{export.organisation.slug}-{stamp}.pdf"


def _filter(export: Export) -> DashboardFilter:
    project = cast(Project, export.project)  # every export but a dossier is of a project
    return DashboardFilter(export.params, queryset=selectors.dashboard_pairings(project),
                           project=project)


def _filtered(export: Export):
    found = _filter(export)
    return found.qs if found.is_valid() else found.queryset.none()


def _pairing_rows(pairings, organisation) -> tuple[list[str], Iterator[list], int]:
    header = [_("Pairing"), _("Status"), _("Mentor"), _("Mentor's country"), _("Mentee"),
              _("Mentee's country"), _("Thematic area"), _("Start"), _("Meetings held")]
    pairings = pairings.select_related(
        "mentor", "mentee", "mentor_application__country", "mentee_application__country",
        "mentee_application__thematic_area").order_by("pk")
    counts = dict(Meeting.objects.for_org(organisation)
                  .filter(pairing__in=pairings.values("pk")).values_list("pairing")
                  .annotate(n=Count("pk")).values_list("pairing", "n"))

    def rows() -> Iterator[list]:
        for p in pairings.iterator(chunk_size=500):
            mentee, mentor = p.mentee_application, p.mentor_application
            yield [p.pk, p.get_status_display(), p.mentor.full_name,
                   mentor.country.name if mentor and mentor.country else "",
                   p.mentee.full_name, mentee.country.name if mentee and mentee.country else "",
                   mentee.thematic_area.name if mentee and mentee.thematic_area else "",
                   p.start_day, counts.get(p.pk, 0)]
    return header, rows(), pairings.count()


def _meeting_rows(pairings, organisation) -> tuple[list[str], Iterator[list], int]:
    header = [_("Pairing"), _("Mentor"), _("Mentee"), _("Date"), _("Kind"), _("Minutes"),
              _("Topics"), _("City"), _("Country"), _("Funded"), _("Costs claimed"),
              _("Currency"), _("Confirmed")]
    meetings = (Meeting.objects.for_org(organisation).filter(pairing__in=pairings.values("pk"))
                .select_related("pairing__mentor", "pairing__mentee", "country")
                .order_by("pairing_id", "day", "pk"))

    def rows() -> Iterator[list]:
        for m in meetings.iterator(chunk_size=1000):
            yield [m.pairing_id, m.pairing.mentor.full_name, m.pairing.mentee.full_name, m.day,
                   m.get_kind_display(), m.duration_minutes, m.topics, m.city,
                   m.country.name if m.country else "", _("yes") if m.funded else _("no"),
                   m.cost_amount if m.cost_amount is not None else "", m.cost_currency,
                   _("yes") if m.confirmed_at else _("no")]
    return header, rows(), meetings.count()


def _report_rows(pairings, organisation) -> tuple[list[str], Iterator[list], int]:
    header = [_("Pairing"), _("Mentor"), _("Mentee"), _("Report"), _("Version"), _("Status"),
              _("Submitted"), _("Reviewed"), _("Coordinator's comments")]
    reports = (Report.objects.for_org(organisation).filter(pairing__in=pairings.values("pk"))
               .exclude(status=Report.Status.DRAFT)
               .select_related("pairing__mentor", "pairing__mentee")
               .order_by("pairing_id", "kind", "version"))

    def rows() -> Iterator[list]:
        for r in reports.iterator(chunk_size=1000):
            yield [r.pairing_id, r.pairing.mentor.full_name, r.pairing.mentee.full_name,
                   r.get_kind_display(), r.version, r.get_status_display(),
                   timezone.localtime(r.submitted_at).replace(tzinfo=None)
                   if r.submitted_at else "",
                   timezone.localtime(r.reviewed_at).replace(tzinfo=None)
                   if r.reviewed_at else "", r.coordinator_comments]
    return header, rows(), reports.count()


TABLES: dict[str, Callable[..., tuple[list[str], Iterator[list], int]]] = {
    Export.Kind.PAIRINGS: _pairing_rows, Export.Kind.MEETINGS: _meeting_rows,
    Export.Kind.REPORTS: _report_rows}


def _table(format: str, title: str, header: list[str], rows: Iterator[list], total: int,
           progress: Progress) -> bytes:
    def counted() -> Iterator[list]:
        for number, row in enumerate(rows, start=1):
            if number % 500 == 0:
                progress(10 + 85 * number // max(total, 1))
            yield row

    # Every cell, the header's too, goes through spreadsheet_safe, in both formats.
    if format == Export.Format.CSV:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([spreadsheet_safe(cell) for cell in header])
        writer.writerows([spreadsheet_safe(cell) for cell in row] for row in counted())
        return ("\ufeff" + out.getvalue()).encode()  # the BOM makes Excel read UTF-8
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.append([spreadsheet_safe(cell) for cell in header])
    for row in counted():
        sheet.append([spreadsheet_safe(cell) for cell in row])
    binary = io.BytesIO()
    workbook.save(binary)
    return binary.getvalue()


# A cell starting with one of these runs as a formula in a spreadsheet, which also takes the
# full-width forms (U+FF1D, U+FF0B, U+FF0D, U+FF20: East Asian input methods type them) for
# the plain ones and skips whitespace before them: so they count after leading spaces or line
# breaks too.
FORMULA_STARTS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
# A tab or line break at the very start is quoted whatever follows (OWASP's advice).
UNSAFE_FIRST = frozenset("\t\r\n")


def spreadsheet_safe(cell: object) -> object:
    """The one place a cell of an export is neutralised: a text that a spreadsheet would run as
    a formula gets a leading apostrophe, which shows it as the text it is."""
    if isinstance(cell, str) and (cell[:1] in UNSAFE_FIRST
                                  or cell.lstrip()[:1] in FORMULA_STARTS):
        return "'" + cell
    return cell

