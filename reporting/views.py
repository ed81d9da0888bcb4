"""Reports and feedback (the pair and the coordinator), PDFs, the project dashboard, exports and
the organisation's look."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from matching.budget.selectors import budget_figures
from matching.models import Pairing
from matching.pairings import selectors as pairing_selectors
from matching.pairings.access import in_pair
from matching.pairings.views import pairing_action
from matching.plans import selectors as plan_selectors
from matching.plans.selectors import approved_schedule
from participants.middleware import OrganisationRequest
from programmes import access
from programmes import selectors as programme_selectors
from programmes.actor import Role
from programmes.models import AuditEntry, Project
from programmes.privacy.record import processing_record
from programmes.privacy.services import audit_record
from programmes.requests import add_service_errors
from reporting import charts, outcomes, selectors, services
from reporting.filters import DashboardFilter
from reporting.forms import (
    BrandingForm,
    CompetencyForm,
    CompleteForm,
    DonorReportForm,
    ExportForm,
    FeedbackForm,
    IndicatorForm,
    ReportForm,
    ReviewForm,
    SelfAssessmentForm,
)
from reporting.indicators import indicator_rows
from reporting.models import Export, Report, SelfAssessment
from reporting.pdf import RenderError, render_pdf

S = Pairing.Status


def _kind(kind: str) -> str:
    if kind not in Report.Kind.values:
        raise Http404
    return kind


def _pdf_response(request: OrganisationRequest, pdf: bytes, filename: str,
                  obj: Any) -> HttpResponse:
    """A PDF holds personal data: each download is on record."""
    audit_record(event=AuditEntry.Event.PDF_DOWNLOADED, organisation=request.organisation,
                 user=request.actor.user, obj=obj, remote_addr=request.META.get("REMOTE_ADDR"))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Reports ----------------------------------------------------------------------------------

def report_edit(request: OrganisationRequest, org_slug: str, pk: int, kind: str) -> HttpResponse:
    """The pair writes the report: each field saves as they type (htmx), and the whole form
    saves or submits without JavaScript too."""
    pairing = pairing_selectors.pairing_for_member(actor=request.actor, pk=pk, for_change=False)
    kind = _kind(kind)
    if not in_pair(actor=request.actor, pairing=pairing):
        raise PermissionDenied  # the pair writes; others read the versions handed in
    report = selectors.current_report(pairing, kind)
    closed = services.report_closed_reason(pairing, kind, approved_schedule(pairing))
    if report.status != Report.Status.DRAFT:
        return redirect("report_detail", org_slug=org_slug, pk=pk, kind=kind,
                        version=report.version)
    form = ReportForm(request.POST or None, report=report, seen=services.report_seen(report),
                      autosave_url="" if closed else reverse(
                          "report_autosave", args=[org_slug, pk, kind]))
    status = 200
    if request.method == "POST" and not closed:
        submit = request.POST.get("action") == "submit"
        if form.is_valid():
            try:
                services.report_submit(actor=request.actor, pairing=pairing, kind=kind,
                                       values=form.values(), seen=form.seen(),
                                       submit=submit)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if submit:
                    messages.success(request, _("The report is submitted: the coordinator is "
                                                "told."))
                    return redirect("pairing_detail", org_slug=org_slug, pk=pk)
                messages.success(request, _("The draft is saved."))
                return redirect("report_edit", org_slug=org_slug, pk=pk, kind=kind)
        status = 400
    previous = (Report.objects.for_org(request.organisation)
                .filter(pairing=pairing, kind=kind, version__lt=report.version or 1)
                .order_by("-version").first())
    return render(request, "reporting/report_form.html", {
        "pairing": pairing, "report": report, "form": form, "closed": closed,
        "previous": previous, "meetings": selectors.meetings_of(report),
    }, status=status)


@require_POST
def report_autosave(request: OrganisationRequest, org_slug: str, pk: int,
                    kind: str) -> HttpResponse:
    """One field, saved as the person types (htmx). Answers a line for the page's status."""
    pairing = pairing_selectors.pairing_for_member(actor=request.actor, pk=pk, for_change=False)
    kind = _kind(kind)
    # htmx posts the whole form and names the field that changed; another client posts one.
    names = [name for name in request.POST
             if not name.startswith("seen_") and name != "csrfmiddlewaretoken"]
    name = request.htmx.trigger_name if request.htmx and request.htmx.trigger_name else (
        names[0] if len(names) == 1 else "")
    if name not in request.POST:
        return HttpResponse(_("Nothing to save."), status=400)
    try:
        report, seen = services.report_autosave(
            actor=request.actor, pairing=pairing, kind=kind, name=name,
            value=request.POST[name], seen=request.POST.get(f"seen_{name}", ""))
    except ValidationError as error:
        return render(request, "reporting/_autosave.html", {"error": " ".join(error.messages)},
                      status=400)
    return render(request, "reporting/_autosave.html", {
        "report": report, "saved_at": timezone.localtime(), "name": name, "seen": seen})


def report_detail(request: OrganisationRequest, org_slug: str, pk: int, kind: str,
                  version: int) -> HttpResponse:
    pairing = pairing_selectors.pairing_for_member(actor=request.actor, pk=pk, for_change=False)
    report = selectors.report_for_member(actor=request.actor, pairing=pairing, kind=_kind(kind),
                                         version=version)
    return _render_report(request, pairing, report)


def _render_report(request: OrganisationRequest, pairing: Pairing, report: Report, *,
                   review_form: ReviewForm | None = None, status: int = 200) -> HttpResponse:
    versions = selectors.reports_shown_to(actor=request.actor, pairing=pairing)[report.kind]
    can_review = (report.status == Report.Status.SUBMITTED
                  and access.may(actor=request.actor, action="manage", obj=pairing.project))
    return render(request, "reporting/report_detail.html", {
        "pairing": pairing, "report": report, "versions": versions,
        "meetings": selectors.meetings_of(report),
        "review_form": review_form or (ReviewForm() if can_review else None),
    }, status=status)


@require_POST
def report_review(request: OrganisationRequest, org_slug: str, pk: int, kind: str,
                  version: int) -> HttpResponse:
    pairing = pairing_selectors.pairing_for_member(actor=request.actor, pk=pk, for_change=True)
    report = selectors.report_for_member(actor=request.actor, pairing=pairing, kind=_kind(kind),
                                         version=version)
    decision = request.POST.get("decision")
    accept = decision == "accept"
    form = ReviewForm(request.POST)
    if decision not in ("accept", "return"):
        form.add_error(None, _("Accept the report or return it."))
    elif form.is_valid():
        try:
            services.report_review(actor=request.actor, report=report, accept=accept,
                                   comments=form.cleaned_data["comments"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The report is accepted.") if accept
                             else _("The report is returned to the pair with your comments."))
            return redirect("pairing_detail", org_slug=org_slug, pk=pk)
    report.refresh_from_db()
    return _render_report(request, pairing, report, review_form=form, status=400)


def report_pdf(request: OrganisationRequest, org_slug: str, pk: int, kind: str,
               version: int) -> HttpResponse:
    """A report is a few pages: rendered while the person waits (in its own process, with a
    time limit)."""
    pairing = pairing_selectors.pairing_for_member(actor=request.actor, pk=pk, for_change=False)
    report = selectors.report_for_member(actor=request.actor, pairing=pairing, kind=_kind(kind),
                                         version=version)
    try:
        pdf = render_pdf("reporting/pdf/report.html", {
            "pairing": pairing, "report": report, "meetings": selectors.meetings_of(report),
        }, organisation=request.organisation, language=translation.get_language())
    except RenderError as error:
        messages.error(request, str(error))
        return redirect("report_detail", org_slug=org_slug, pk=pk, kind=kind, version=version)
    return _pdf_response(request, pdf, f"{kind}-report-{pairing.pk}-v{report.version}.pdf",
                         report)


# --- Feedback and certificates ----------------------------------------------------------------

def feedback_edit(request: OrganisationRequest, org_slug: str, pk: int) -> HttpResponse:
    """A participant's own feedback: given once, seen by them and the coordinators only."""
    pairing = pairing_selectors.pairing_for_member(actor=request.actor, pk=pk, for_change=False)
    if not in_pair(actor=request.actor, pairing=pairing):
        raise PermissionDenied
    own = selectors.feedback_shown_to(actor=request.actor, pairing=pairing)
    closed = services.report_closed_reason(pairing, Report.Kind.NARRATIVE,
                                           approved_schedule(pairing))
    form = FeedbackForm(request.POST or None)
    status = 200
    if request.method == "POST" and not own and not closed:
        if form.is_valid():
            try:
                services.feedback_submit(actor=request.actor, pairing=pairing,
                                         **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Thank you: your feedback is recorded."))
                return redirect("pairing_detail", org_slug=org_slug, pk=pk)
        status = 400
    return render(request, "reporting/feedback_form.html", {
        "pairing": pairing, "form": form, "own": own[0] if own else None, "closed": closed,
    }, status=status)


def certificate_pdf(request: OrganisationRequest, org_slug: str, pk: int,
                    role: str) -> HttpResponse:
    """A certificate of completion for the mentor or the mentee of a completed pairing: their
    own for each participant, both for the project's coordinators."""
    pairing = pairing_selectors.pairing_for_member(actor=request.actor, pk=pk, for_change=False)
    if role not in ("mentor", "mentee") or pairing.status != S.COMPLETED:
        raise Http404
    person = pairing.mentor if role == "mentor" else pairing.mentee
    if request.user != person and not access.may(actor=request.actor, action="manage",
                                                 obj=pairing.project):
        raise PermissionDenied
    plan = plan_selectors.approved_plan(plan_selectors.pairing_plans(pairing))
    completed = pairing.events.filter(to_status=S.COMPLETED).order_by("-created_at").first()
    try:
        pdf = render_pdf("reporting/pdf/certificate.html", {
            "pairing": pairing, "person": person, "role": role, "plan": plan,
            "completed_on": timezone.localdate(completed.created_at) if completed else None,
            "partner": pairing.mentee if role == "mentor" else pairing.mentor,
        }, organisation=request.organisation, language=translation.get_language())
    except RenderError as error:
        messages.error(request, str(error))
        return redirect("pairing_detail", org_slug=org_slug, pk=pk)
    return _pdf_response(request, pdf, f"certificate-{slugify(person.full_name) or role}.pdf",
                         pairing)


@require_POST
def dossier_request(request: OrganisationRequest, org_slug: str, pk: int) -> HttpResponse:
    """The pairing's dossier can run to a hundred pages: built by a worker."""
    pairing = pairing_selectors.pairing_for_member(actor=request.actor, pk=pk, for_change=False)
    if not access.may(actor=request.actor, action="follow", obj=pairing.project):
        raise PermissionDenied
    export = services.export_request(
        actor=request.actor, kind=Export.Kind.DOSSIER,
        format=Export.Format.PDF, project=pairing.project, pairing=pairing,
        # Observers follow the programme but are not given the pair's addresses.
        params={"language": translation.get_language(),
                "contacts": access.may(actor=request.actor, action="manage", obj=pairing.project)})
    return redirect("export_detail", org_slug=org_slug, pk=export.pk)


# --- Outcomes: competencies and self-assessments ---------------------------------------------

def competencies(request: OrganisationRequest, org_slug: str, slug: str) -> HttpResponse:
    """The project's competencies, which its participants rate themselves on at the start and
    at the end: the coordinators add, edit, reorder and retire them."""
    project = programme_selectors.project_for_member(actor=request.actor, slug=slug,
                                                     for_change=True)
    form = CompetencyForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.competency_add(actor=request.actor, project=project,
                                        name=form.cleaned_data["name"],
                                        description=form.cleaned_data["description"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The competency is added."))
                return redirect("competencies", org_slug=org_slug, slug=slug)
        status = 400
    return render(request, "reporting/competencies.html", {
        "project": project, "form": form,
        "competencies": outcomes.project_competencies(project, retired=True),
    }, status=status)


def competency_edit(request: OrganisationRequest, org_slug: str, slug: str,
                    pk: int) -> HttpResponse:
    """One competency: its name and description, its place in the order, retired or not."""
    project = programme_selectors.project_for_member(actor=request.actor, slug=slug,
                                                     for_change=True)
    competency = outcomes.competency_for(actor=request.actor, project=project, pk=pk)
    action = request.POST.get("action", "save")
    form = CompetencyForm(request.POST if action == "save" else None, instance=competency)
    if request.method == "POST":
        back = redirect("competencies", org_slug=org_slug, slug=slug)
        if action in ("up", "down"):
            services.competency_move(actor=request.actor, competency=competency,
                                     up=action == "up")
            return back
        if action in ("retire", "restore"):
            services.competency_retire(actor=request.actor, competency=competency,
                                       retire=action == "retire")
            messages.success(request, _("The competency is retired: it is no longer asked, "
                                        "and the answers given stay.") if action == "retire"
                             else _("The competency is asked again."))
            return back
        if action != "save":
            form.add_error(None, _("Save, move, retire or restore the competency."))
        elif form.is_valid():
            try:
                services.competency_update(actor=request.actor, competency=competency,
                                           name=form.cleaned_data["name"],
                                           description=form.cleaned_data["description"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The competency is saved."))
                return back
        return render(request, "reporting/competency_form.html", {
            "project": project, "competency": competency, "form": form}, status=400)
    return render(request, "reporting/competency_form.html", {
        "project": project, "competency": competency, "form": form})


def self_assessment(request: OrganisationRequest, org_slug: str, pk: int,
                    moment: str) -> HttpResponse:
    """A participant's own self-assessment at the start or at the end: answered once, seen
    afterwards by them (and, as gains, by their partner and the coordinators on the pairing
    page). Nobody else opens it."""
    pairing = pairing_selectors.pairing_for_member(actor=request.actor, pk=pk, for_change=False)
    if moment not in SelfAssessment.Moment.values:
        raise Http404
    if not in_pair(actor=request.actor, pairing=pairing):
        raise PermissionDenied  # one person's answers are theirs: observers see averages
    own = outcomes.own_self_assessment(pairing, user=request.user, moment=moment)
    start = (outcomes.own_self_assessment(pairing, user=request.user,
                                          moment=SelfAssessment.Moment.START)
             if own is not None and moment == SelfAssessment.Moment.END else None)
    closed = outcomes.self_assessment_closed_reason(pairing, moment,
                                                    approved_schedule(pairing))
    asked = outcomes.project_competencies(pairing.project)
    form = SelfAssessmentForm(request.POST or None, competencies=asked)
    status = 200
    if request.method == "POST" and own is None and not closed:
        if form.is_valid():
            try:
                services.self_assessment_submit(
                    actor=request.actor, pairing=pairing, moment=moment,
                    scores=form.scores(), comments=form.cleaned_data["comments"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Thank you: your self-assessment is recorded."))
                return redirect("self_assessment", org_slug=org_slug, pk=pk, moment=moment)
        status = 400
    before = {a.competency_id: a.score for a in start.answers.all()} if start else {}
    answers = [(a.competency, before.get(a.competency_id), a.score,
                a.score - before[a.competency_id] if a.competency_id in before else None)
               for a in own.answers.all()] if own else []
    return render(request, "reporting/self_assessment.html", {
        "pairing": pairing, "moment": moment,
        "moment_label": SelfAssessment.Moment(moment).label, "form": form, "own": own,
        "answers": answers, "closed": closed, "asked": asked,
    }, status=status)


# --- Dashboard and exports --------------------------------------------------------------------

# What the dashboard asks for once its page is shown (htmx), each read over every pairing of
# the filters: the page itself stays as fast as the admin's list at 10,000 pairings.
DASHBOARD_SECTIONS = ("budget", "indicators", "outcomes")


def dashboard(request: OrganisationRequest, org_slug: str, slug: str) -> HttpResponse:
    """The project's figures and charts, filtered; the same as the highlights report. With
    `section` (htmx), one of its later parts alone."""
    project = programme_selectors.project_for_member(actor=request.actor, slug=slug,
                                                     for_change=False)
    if not access.may(actor=request.actor, action="follow", obj=project):
        raise PermissionDenied
    query = request.GET.copy()
    section = query.pop("section", [""])[0]
    found = DashboardFilter(query or None, queryset=selectors.dashboard_pairings(project),
                            project=project)
    valid = not found.is_bound or found.is_valid()
    # Bad filters show next to their field, with no figures rather than unfiltered ones.
    shown = found.qs if valid else found.queryset.none()
    if request.htmx and section in DASHBOARD_SECTIONS:
        return render(request, f"reporting/dashboard.html#{section}", {
            "project": project, **_dashboard_section(request, project, section, found, valid)})
    applications = selectors.project_applications(project)
    figures = selectors.highlights(
        project=project, pairings=shown, with_budget=False,
        applications=found.applications(applications) if found.is_bound else applications)
    return render(request, "reporting/dashboard.html", {
        "project": project, "filter": found, "figures": figures, "query": query.urlencode(),
        "sections": DASHBOARD_SECTIONS,
        "charts": charts.highlights_charts(figures, request.organisation.colour),
        "activity_figures": (selectors.period_activity_figures(project, found.form)
                             if valid else None),
        "export_form": ExportForm(),
        "exports": selectors.recent_exports(actor=request.actor, project=project),
    }, status=200 if valid else 400)


def _dashboard_section(request: OrganisationRequest, project: Project, section: str,
                       found: DashboardFilter, valid: bool) -> dict:
    shown = found.qs if valid else found.queryset.none()
    if section == "budget":
        return {"figures": {"budget": budget_figures(project=project, pairings=shown)}}
    if section == "indicators":
        return {"rows": indicator_rows(
            project=project, pairings=_narrowed(found) if valid else found.queryset.none(),
            indicators=list(selectors.project_indicators(project)))}
    return {"outcomes": {
        "gain": outcomes.competency_gain(project=project, pairings=shown),
        "objectives": outcomes.objective_progress(project=project, pairings=shown),
        "can_manage": access.may(actor=request.actor, action="manage", obj=project)}}


def _narrowed(found: DashboardFilter) -> QuerySet[Pairing]:
    """The pairings the dashboard's country and thematic area filters leave: the indicators
    count over their own periods, whatever the period and status filters say."""
    data = found.form.cleaned_data if found.is_bound else {}
    pairings = found.queryset
    if data.get("country"):
        pairings = found.from_country(pairings, "country", data["country"])
    if data.get("thematic_area"):
        pairings = pairings.filter(mentee_application__thematic_area=data["thematic_area"])
    return pairings


@require_POST
def export_create(request: OrganisationRequest, org_slug: str, slug: str) -> HttpResponse:
    """The highlights PDF or a CSV/XLSX export, with the dashboard's filters, built by a
    worker."""
    project = programme_selectors.project_for_member(actor=request.actor, slug=slug,
                                                     for_change=False)
    if not access.may(actor=request.actor, action="follow", obj=project):
        raise PermissionDenied
    form = ExportForm(request.POST)
    filters = DashboardFilter(request.POST, queryset=selectors.dashboard_pairings(project),
                              project=project)
    if not form.is_valid() or not filters.is_valid():
        for error in [*form.errors.get("choice", []),
                      *[e for errors in filters.errors.values() for e in errors]]:
            messages.error(request, error)
        return redirect(reverse("dashboard", args=[org_slug, slug]))
    kind, format = form.kind_and_format()
    params = {name: str(value.pk if hasattr(value, "pk") else value)
              for name, value in filters.form.cleaned_data.items() if value}
    export = services.export_request(
        actor=request.actor, kind=kind, format=format, project=project,
        params={**params, "language": translation.get_language()})
    return redirect("export_detail", org_slug=org_slug, pk=export.pk)


def export_detail(request: OrganisationRequest, org_slug: str, pk: int) -> HttpResponse:
    """The export's progress; the page polls this while a worker builds it (htmx)."""
    export = selectors.export_for_member(actor=request.actor, pk=pk)
    template = ("reporting/export_detail.html#progress" if request.htmx
                else "reporting/export_detail.html")
    return render(request, template, {"export": export})


@require_POST
def personal_data_export(request: OrganisationRequest, org_slug: str) -> HttpResponse:
    """Everything the organisation holds about the person, for them alone (an export is its
    requester's own): JSON for machines, or a PDF in their preferred language."""
    format = request.POST.get("format")
    if format not in (Export.Format.JSON, Export.Format.PDF):
        messages.error(request, _("Choose JSON or PDF."))
        return redirect("my_data", org_slug=org_slug)
    export = services.export_request(
        actor=request.actor, kind=Export.Kind.PERSONAL_DATA, format=format,
        params={"language": request.user.language or translation.get_language()})
    return redirect("export_detail", org_slug=org_slug, pk=export.pk)


def export_download(request: OrganisationRequest, org_slug: str, pk: int) -> HttpResponse:
    """Every download of a built document leaves an audit entry: personal data leaves the
    platform."""
    export = selectors.export_for_member(actor=request.actor, pk=pk)
    if export.status != Export.Status.DONE:
        raise Http404
    event = (AuditEntry.Event.DATA_EXPORTED if export.kind == Export.Kind.PERSONAL_DATA
             else AuditEntry.Event.EXPORT_DOWNLOADED)
    audit_record(event=event, organisation=request.organisation, user=request.user, obj=export,
                 detail={"export": export.pk, "kind": export.kind},
                 remote_addr=request.META.get("REMOTE_ADDR"))
    content = Export.objects.for_org(request.organisation).values_list(
        "content", flat=True).get(pk=export.pk)
    response = HttpResponse(bytes(content), content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


# --- Donor indicators and the donor report ----------------------------------------------------

def _followed_project(request: OrganisationRequest, slug: str) -> Project:
    project = programme_selectors.project_for_member(actor=request.actor, slug=slug,
                                                     for_change=False)
    if not access.may(actor=request.actor, action="follow", obj=project):
        raise PermissionDenied
    return project


def indicators(request: OrganisationRequest, org_slug: str, slug: str) -> HttpResponse:
    """The project's donor indicators, each against its target; its coordinators add them here,
    and anyone who follows the project asks for the donor report."""
    project = _followed_project(request, slug)
    can_manage = access.may(actor=request.actor, action="manage", obj=project)
    form = IndicatorForm(request.POST or None, prefix="indicator")
    if request.method == "POST":
        access.require(actor=request.actor, action="manage", obj=project)
        if form.is_valid():
            services.indicator_save(actor=request.actor, project=project, indicator=None,
                                    **form.cleaned_data)
            messages.success(request, _("The indicator is added."))
            return redirect("indicators", org_slug=org_slug, slug=slug)
    rows = indicator_rows(project=project, pairings=selectors.dashboard_pairings(project),
                          indicators=list(selectors.project_indicators(project)))
    return render(request, "reporting/indicators.html", {
        "project": project, "rows": rows, "form": form if can_manage else None,
        "can_manage": can_manage,
        "report_form": DonorReportForm(project=project, initial=_report_period(rows)),
        "exports": [e for e in selectors.recent_exports(actor=request.actor, project=project)
                    if e.kind == Export.Kind.DONOR],
    }, status=400 if form.is_bound else 200)


def _report_period(rows: list) -> dict:
    """The donor report's period, offered: the span of the indicators' periods."""
    if not rows:
        return {}
    return {"period_start": min(row.indicator.period_start for row in rows),
            "period_end": max(row.indicator.period_end for row in rows)}


def indicator_edit(request: OrganisationRequest, org_slug: str, slug: str,
                   pk: int) -> HttpResponse:
    project = programme_selectors.project_for_member(actor=request.actor, slug=slug,
                                                     for_change=True)
    indicator = selectors.indicator_for_member(actor=request.actor, project=project, pk=pk)
    form = IndicatorForm(request.POST or None, instance=indicator, prefix="indicator")
    if request.method == "POST":
        if "delete" in request.POST:
            services.indicator_delete(actor=request.actor, indicator=indicator)
            messages.success(request, _("The indicator is removed."))
            return redirect("indicators", org_slug=org_slug, slug=slug)
        if form.is_valid():
            services.indicator_save(actor=request.actor, project=project,
                                    indicator=indicator, **form.cleaned_data)
            messages.success(request, _("The indicator is saved."))
            return redirect("indicators", org_slug=org_slug, slug=slug)
        return render(request, "reporting/indicator_form.html",
                      {"project": project, "form": form, "indicator": indicator}, status=400)
    return render(request, "reporting/indicator_form.html",
                  {"project": project, "form": form, "indicator": indicator})


@require_POST
def donor_report(request: OrganisationRequest, org_slug: str, slug: str) -> HttpResponse:
    """The donor report (PDF) for a period and filters, built by a worker."""
    project = _followed_project(request, slug)
    form = DonorReportForm(request.POST, project=project)
    if not form.is_valid():
        rows = indicator_rows(project=project, pairings=selectors.dashboard_pairings(project),
                              indicators=list(selectors.project_indicators(project)))
        can_manage = access.may(actor=request.actor, action="manage", obj=project)
        return render(request, "reporting/indicators.html", {
            "project": project, "rows": rows, "can_manage": can_manage,
            "form": IndicatorForm(prefix="indicator") if can_manage else None,
            "report_form": form, "exports": [],
        }, status=400)
    params = {name: str(value.pk if hasattr(value, "pk") else value)
              for name, value in form.cleaned_data.items() if value}
    export = services.export_request(
        actor=request.actor, kind=Export.Kind.DONOR, format=Export.Format.PDF, project=project,
        params={**params, "language": translation.get_language()})
    return redirect("export_detail", org_slug=org_slug, pk=export.pk)


# --- The organisation's look ------------------------------------------------------------------

def branding(request: OrganisationRequest, org_slug: str) -> HttpResponse:
    """The organisation's colour and logo, as its PDFs show them (admins only)."""
    access.require_role(actor=request.actor, roles=[Role.ADMIN])
    organisation = request.organisation
    form = BrandingForm(request.POST or None, request.FILES or None,
                        initial={"colour": organisation.colour})
    if request.method == "POST":
        if form.is_valid():
            logo = form.cleaned_data["logo"]
            try:
                services.organisation_branding_update(
                    organisation=organisation, colour=form.cleaned_data["colour"],
                    logo=logo[0] if logo else None, logo_type=logo[1] if logo else "",
                    remove_logo=form.cleaned_data["remove_logo"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The organisation's look is saved."))
                return redirect("branding", org_slug=org_slug)
        return render(request, "reporting/branding.html", {"form": form}, status=400)
    return render(request, "reporting/branding.html", {"form": form})


# --- Completing a pairing ---------------------------------------------------------------------

@require_POST
def pairing_complete(request: OrganisationRequest, org_slug: str, pk: int) -> HttpResponse:
    """Completes a pairing whose narrative report is accepted, without the missing feedback."""
    pairing = pairing_selectors.pairing_for_member(actor=request.actor, pk=pk, for_change=True)
    return pairing_action(
        request, pairing, form_name="complete_form", form=CompleteForm(request.POST),
        action=lambda data: services.pairing_complete_without_feedback(
            actor=request.actor, pairing=pairing, reason=data["reason"]),
        success=lambda data: _("The pairing is completed."),
    )


# --- The record of processing -----------------------------------------------------------------

def privacy_register_pdf(request: OrganisationRequest, org_slug: str) -> HttpResponse:
    """The organisation's record of processing as a PDF (admins only; the page is
    programmes/privacy/views.py: privacy_register). A few pages: rendered while the
    admin waits."""
    access.require_role(actor=request.actor, roles=[Role.ADMIN])
    organisation = request.organisation
    try:
        pdf = render_pdf("reporting/pdf/register.html", {
            "sections": processing_record(organisation=organisation),
            "made_on": timezone.localdate(),
        }, organisation=organisation, language=translation.get_language())
    except RenderError as error:
        messages.error(request, str(error))
        return redirect("privacy_register", org_slug=org_slug)
    return _pdf_response(request, pdf, f"record-of-processing-{organisation.slug}.pdf",
                         organisation)
