"""A coordinator brings a programme under way into a project: the template, the upload and its
preview, the confirmation, and the import's progress."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from matching.imports import selectors, services
from matching.imports.forms import ConfirmForm, UploadForm
from matching.imports.template import notes, template_csv, template_xlsx
from participants.middleware import OrganisationRequest
from programmes import selectors as programme_selectors
from programmes.requests import add_service_errors, form_data


def import_start(request: OrganisationRequest, org_slug: str, slug: str) -> HttpResponse:
    """The template to download, and the upload of the filled-in file (checked at once)."""
    project = programme_selectors.project_for_member(actor=request.actor, slug=slug,
                                                     for_change=True)
    form = UploadForm(form_data(request), request.FILES or None)
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        try:
            made = services.import_upload(actor=request.actor, project=project,
                                          filename=file.name, content=file.read())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("import_detail", org_slug=org_slug, pk=made.pk)
    return render(request, "matching/import_start.html", {
        "project": project, "form": form, "notes": notes(),
    }, status=400 if form.is_bound and form.errors else 200)


def import_template(request: OrganisationRequest, org_slug: str, slug: str) -> HttpResponse:
    """The template, in the coordinator's language: XLSX with its explanation, or CSV."""
    project = programme_selectors.project_for_member(actor=request.actor, slug=slug,
                                                     for_change=True)
    name = f"import-{slugify(project.slug)}"
    if request.GET.get("format") == "csv":
        response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    response = HttpResponse(
        template_xlsx(project),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


def import_detail(request: OrganisationRequest, org_slug: str, pk: int) -> HttpResponse:
    """The preview (what will be created, what exists, every bad cell and why), then the
    import's progress; the page polls this while a worker imports (htmx)."""
    found = selectors.import_for_manager(actor=request.actor, pk=pk)
    template = ("matching/import_detail.html#progress" if request.htmx
                else "matching/import_detail.html")
    return render(request, template, {"programme_import": found, "project": found.project,
                                      "progress": selectors.import_progress(found),
                                      "confirm_form": ConfirmForm()})


@require_POST
def import_confirm(request: OrganisationRequest, org_slug: str, pk: int) -> HttpResponse:
    found = selectors.import_for_manager(actor=request.actor, pk=pk)
    form = ConfirmForm(request.POST)
    form.is_valid()  # a box: ticked or not, always valid
    try:
        services.import_confirm(actor=request.actor, programme_import=found,
                                invite=bool(form.cleaned_data.get("invite")))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The import has started."))
    return redirect("import_detail", org_slug=org_slug, pk=found.pk)
