"""Organisation admin and coordinator pages for projects, their rules and thematic areas."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from programmes import access, selectors, services
from programmes.actor import Role
from programmes.filters import CallFilter
from programmes.forms import CallForm, ProjectForm, RulesForm, ThematicAreaForm
from programmes.models import Project
from programmes.requests import ActorRequest, add_service_errors, form_data, run_action

PAGE_SIZE = 25


def project_list(request: ActorRequest, org_slug: str) -> HttpResponse:
    access.require_role(actor=request.actor, roles=[
        Role.ADMIN, Role.COORDINATOR, Role.OBSERVER, Role.FOCAL_POINT])
    page = Paginator(selectors.project_list(actor=request.actor), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "programmes/project_list.html", {
        "page": page,
        "can_create": request.actor.holds(Role.ADMIN),
    })


def project_create(request: ActorRequest, org_slug: str) -> HttpResponse:
    access.require_role(actor=request.actor, roles=[Role.ADMIN])
    form = ProjectForm(form_data(request), organisation=request.organisation)
    if request.method == "POST" and form.is_valid():
        project = services.project_create(
            actor=request.actor,
            project=form.save(commit=False),
            partner_countries=list(form.cleaned_data["partner_countries"]),
        )
        messages.success(request, _("Project “%(name)s” created.") % {"name": project.name})
        return redirect("project_detail", org_slug=org_slug, slug=project.slug)
    return render(request, "programmes/project_form.html", {"form": form, "project": None})


def _render_project(
    request: ActorRequest, project: Project, *, area_form: ThematicAreaForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The project page, or only its thematic-areas fragment when htmx asks for it."""
    template = "programmes/project_detail.html"
    if request.htmx:
        template += "#thematic-areas"
    return render(request, template, {
        "project": project,
        "partner_countries": project.partner_countries.all(),
        "thematic_areas": project.thematic_areas.all(),
        # What may be managed or followed here, the template asks programmes.access itself.
        "can_edit": request.actor.holds(Role.ADMIN),
        "area_form": area_form or ThematicAreaForm(project=project),
    }, status=status)


def project_detail(request: ActorRequest, org_slug: str, slug: str) -> HttpResponse:
    project = selectors.project_for_member(actor=request.actor, slug=slug, for_change=False)
    return _render_project(request, project)


def project_edit(request: ActorRequest, org_slug: str, slug: str) -> HttpResponse:
    access.require_role(actor=request.actor, roles=[Role.ADMIN])
    project = selectors.project_for_member(actor=request.actor, slug=slug, for_change=True)
    original_slug = project.slug
    form = ProjectForm(form_data(request), instance=project, organisation=request.organisation)
    if request.method == "POST" and form.is_valid():
        project = services.project_update(
            actor=request.actor,
            project=form.save(commit=False),
            partner_countries=list(form.cleaned_data["partner_countries"]),
        )
        messages.success(request, _("Project saved."))
        return redirect("project_detail", org_slug=org_slug, slug=project.slug)
    # A refused form must not leave the bound instance's new slug in links on the page.
    project.slug = original_slug
    return render(request, "programmes/project_form.html", {"form": form, "project": project})


def project_rules(request: ActorRequest, org_slug: str, slug: str) -> HttpResponse:
    project = selectors.project_for_member(actor=request.actor, slug=slug, for_change=True)
    form = RulesForm(form_data(request), instance=project)
    if request.method == "POST" and form.is_valid():
        services.project_rules_update(actor=request.actor,
                                      project=form.save(commit=False))
        messages.success(request, _("Rules saved."))
        return redirect("project_detail", org_slug=org_slug, slug=project.slug)
    return render(request, "programmes/project_rules.html", {"form": form, "project": project})


@require_POST
def thematic_area_add(request: ActorRequest, org_slug: str, slug: str) -> HttpResponse:
    project = selectors.project_for_member(actor=request.actor, slug=slug, for_change=True)
    form = ThematicAreaForm(request.POST, project=project)
    if not form.is_valid():
        # htmx swaps only 2xx answers by default; the fragment with its error is what to show.
        status = 200 if request.htmx else 400
        return _render_project(request, project, area_form=form, status=status)
    area = services.thematic_area_add(
        actor=request.actor, project=project, name=form.cleaned_data["name"]
    )
    if request.htmx:
        # The updated list is the confirmation (its region is announced to screen readers).
        return _render_project(request, project)
    messages.success(request, _("Thematic area “%(name)s” added.") % {"name": area.name})
    return redirect("project_detail", org_slug=org_slug, slug=project.slug)


@require_POST
def thematic_area_remove(
    request: ActorRequest, org_slug: str, slug: str, pk: int
) -> HttpResponse:
    project = selectors.project_for_member(actor=request.actor, slug=slug, for_change=True)
    area = selectors.thematic_area_for_member(actor=request.actor, project=project, pk=pk)
    services.thematic_area_remove(actor=request.actor, area=area)
    if request.htmx:
        return _render_project(request, project)
    messages.success(request, _("Thematic area “%(name)s” removed.") % {"name": area.name})
    return redirect("project_detail", org_slug=org_slug, slug=project.slug)


# --- Calls ------------------------------------------------------------------------------------

def call_list(request: ActorRequest, org_slug: str) -> HttpResponse:
    calls = CallFilter(request.GET, queryset=selectors.call_list(actor=request.actor))
    page = Paginator(calls.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "programmes/call_list.html", {
        "filter": calls, "page": page,
        # Application counts cover every country: not for a focal point or a candidate.
        "show_counts": request.actor.holds(Role.ADMIN, Role.OBSERVER, Role.COORDINATOR),
        "can_create": selectors.projects_for_new_calls(actor=request.actor).exists(),
    })


def call_create(request: ActorRequest, org_slug: str) -> HttpResponse:
    projects = selectors.projects_for_new_calls(actor=request.actor)
    if not projects.exists():
        raise PermissionDenied
    form = CallForm(form_data(request), projects=projects,
                    initial={"project": request.GET.get("project")})
    if request.method == "POST" and form.is_valid():
        call = form.save(commit=False)
        call.organisation = request.organisation
        try:
            call = services.call_save(
                actor=request.actor, call=call,
                invited_countries=list(form.cleaned_data["invited_countries"]),
                thematic_areas=list(form.cleaned_data["thematic_areas"]),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Call “%(title)s” saved as a draft.")
                             % {"title": call.title})
            return redirect("call_detail", org_slug=org_slug, pk=call.pk)
    return render(request, "programmes/call_form.html", {"form": form, "call": None})


def call_edit(request: ActorRequest, org_slug: str, pk: int) -> HttpResponse:
    call = selectors.call_for_member(actor=request.actor, pk=pk, for_change=True)
    form = CallForm(form_data(request), instance=call,
                    projects=selectors.projects_for_new_calls(actor=request.actor)
                    | Project.objects.for_org(
                        request.organisation).filter(pk=call.project_id))
    if request.method == "POST" and form.is_valid():
        try:
            services.call_save(
                actor=request.actor, call=form.save(commit=False),
                invited_countries=list(form.cleaned_data["invited_countries"]),
                thematic_areas=list(form.cleaned_data["thematic_areas"]),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Call saved."))
            return redirect("call_detail", org_slug=org_slug, pk=call.pk)
    return render(request, "programmes/call_form.html", {"form": form, "call": call})


@require_POST
def call_open(request: ActorRequest, org_slug: str, pk: int) -> HttpResponse:
    call = selectors.call_for_member(actor=request.actor, pk=pk, for_change=True)
    run_action(request, lambda: services.call_open(actor=request.actor, call=call),
               _("The call is open: the focal points have been told."))
    return redirect("call_detail", org_slug=org_slug, pk=call.pk)


@require_POST
def call_close(request: ActorRequest, org_slug: str, pk: int) -> HttpResponse:
    call = selectors.call_for_member(actor=request.actor, pk=pk, for_change=True)
    run_action(request, lambda: services.call_close(actor=request.actor, call=call),
               _("The call is closed."))
    return redirect("call_detail", org_slug=org_slug, pk=call.pk)
