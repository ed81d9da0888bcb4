"""Matching (coordinators), pairings and their activity plans (the pair and the coordinator)."""

from collections.abc import Callable
from datetime import UTC
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from matching import engine, ics, selectors, services
from matching.access import in_pair
from matching.filters import ComplianceFilter, PairingFilter
from matching.forms import (
    MatchingForm,
    MatchingSettingsForm,
    MeetingForm,
    MoveForm,
    PlanForm,
    RespondForm,
    ReviewForm,
    visit_formset,
)
from matching.hooks import reporting
from matching.models import ActivityPlan, Pairing
from matching.plan_rules import Visit
from matching.reminders import site_domain
from participants.middleware import OrganisationRequest
from programmes import access
from programmes import selectors as programme_selectors
from programmes.actor import Role
from programmes.requests import (
    add_service_errors,
    form_data,
    ids_from,
    run_action,
)

PAGE_SIZE = 25
S = Pairing.Status


# --- Matching ---------------------------------------------------------------------------------

def matching_run(request: OrganisationRequest, org_slug: str, slug: str) -> HttpResponse:
    """The engine's proposals for the project's pool (or one call's shortlist), which the
    coordinator may change row by row before confirming them all."""
    project = programme_selectors.project_for_member(actor=request.actor, slug=slug,
                                                     for_change=True)
    calls = selectors.matching_calls(project)
    call = None
    call_pk = request.GET.get("call", "")
    if call_pk:
        # Anything but one of the project's mentee calls (a tampered value) is not found.
        ids = ids_from([call_pk])
        call = calls.filter(pk=ids[0]).first() if ids else None
        if call is None:
            raise Http404
    pool = selectors.matching_pool(project=project, call=call)
    result = engine.match(pool.mentees, pool.mentors, pool.rules,
                          area_names=pool.area_names, language_names=pool.language_names)
    form = MatchingForm(form_data(request), pool=pool, result=result,
                        check_url=request.get_full_path())
    if request.method == "POST" and form.is_valid() and request.POST.get("action") == "confirm":
        chosen = form.chosen()
        notes = {pk: form.cleaned_data[f"note_{pk}"] for pk in chosen}
        if not any(chosen.values()):
            form.add_error(None, _("Choose a mentor for at least one mentee."))
        else:
            try:
                pairings = services.matching_confirm(
                    actor=request.actor, project=project, call=call, chosen=chosen,
                    notes=notes,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, ngettext(
                    "%(count)s pairing proposed: mentor and mentee are asked to accept it.",
                    "%(count)s pairings proposed: mentors and mentees are asked to accept them.",
                    len(pairings),
                ) % {"count": len(pairings)})
                return redirect(reverse("pairing_list", args=[org_slug]) + f"?project={project.pk}")
    template = "matching/matching.html"
    if request.htmx:
        template += "#matching-form"
    refused = request.method == "POST" and request.POST.get("action") == "confirm"
    return render(request, template, {
        "project": project, "calls": calls, "call": call, "pool": pool, "result": result,
        "form": form, "rows": form.rows(),
        "mentor_rows": [(a, cast(engine.Mentor, pool.mentor(a.pk)).capacity,
                         result.free_places.get(a.pk, 0)) for a in pool.mentor_applications()],
    }, status=400 if refused else 200)


def matching_settings(request: OrganisationRequest, org_slug: str, slug: str) -> HttpResponse:
    project = programme_selectors.project_for_member(actor=request.actor, slug=slug,
                                                     for_change=True)
    form = MatchingSettingsForm(form_data(request), instance=project)
    if request.method == "POST" and form.is_valid():
        services.matching_settings_update(actor=request.actor, project=form.save(commit=False),
                                          related_areas=form.related_areas())
        messages.success(request, _("Matching settings saved."))
        return redirect("matching_run", org_slug=org_slug, slug=project.slug)
    return render(request, "matching/matching_settings.html", {"form": form, "project": project})


# --- Pairings ---------------------------------------------------------------------------------

def pairing_list(request: OrganisationRequest, org_slug: str) -> HttpResponse:
    access.require_role(actor=request.actor, roles=[
        Role.ADMIN, Role.COORDINATOR, Role.OBSERVER, Role.MENTOR, Role.MENTEE])
    pairings = PairingFilter(request.GET, queryset=selectors.pairing_list(actor=request.actor),
                             projects=access.projects_visible_to(actor=request.actor))
    page = Paginator(pairings.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "matching/pairing_list.html", {"filter": pairings, "page": page})


def render_pairing(request: OrganisationRequest, pairing: Pairing, *, status: int = 200,
                    **forms: forms.Form) -> HttpResponse:
    plans = selectors.pairing_plans(pairing)
    latest = plans[0] if plans else None
    approved = selectors.approved_plan(plans)
    schedule = selectors.schedule_of(approved)
    user = request.user
    role_in_pairing = ("mentee" if user.pk == pairing.mentee_id
                       else "mentor" if user.pk == pairing.mentor_id else None)
    can_manage = access.may(actor=request.actor, action="manage", obj=pairing.project)
    meetings = selectors.pairing_meetings(pairing)
    mentee_card = (_("Mentee"), pairing.mentee, pairing.mentee_application,
                   selectors.application_languages(pairing.mentee_application))
    mentor_card = (_("Mentor"), pairing.mentor, pairing.mentor_application,
                   selectors.application_languages(pairing.mentor_application))
    return render(request, "matching/pairing_detail.html", {
        "pairing": pairing, "plans": plans, "latest": latest, "approved": approved,
        "schedule": schedule,
        "meetings": meetings,
        "compliance": selectors.pairing_compliance(pairing, approved, meetings),
        "can_log": role_in_pairing is not None and pairing.status in services.MEETING_STATUSES,
        "events": pairing.events.select_related("by"),
        "role_in_pairing": role_in_pairing, "can_manage": can_manage,
        "next_step": selectors.next_step(pairing=pairing, latest=latest, schedule=schedule,
                                         user=user, can_manage=can_manage),
        # The partner first: it is whom the mentor or mentee came to read about.
        "profiles": [mentor_card, mentee_card] if role_in_pairing == "mentee"
        else [mentee_card, mentor_card],
        # Addresses once both have said yes: a declined proposal shares nothing.
        "show_contacts": can_manage or (role_in_pairing is not None and pairing.status not in (
            S.PROPOSED, S.DECLINED)),
        "can_see_override": access.may(actor=request.actor, action="follow", obj=pairing.project),
        "has_answered": (role_in_pairing == "mentee" and pairing.mentee_accepted_at)
        or (role_in_pairing == "mentor" and pairing.mentor_accepted_at),
        "has_signed": latest is not None and (
            (role_in_pairing == "mentee" and latest.mentee_signed_at)
            or (role_in_pairing == "mentor" and latest.mentor_signed_at)),
        "moves": services.coordinator_moves(pairing) if can_manage else [],
        # Reports, feedback and certificates: what the app above plugs in (reporting).
        **reporting().pairing_page(actor=request.actor, pairing=pairing),
        # A refusal that names no field (the pairing moved on meanwhile) shows at the top, as
        # the form it came from may no longer be on the page.
        "action_errors": [error for form in forms.values() for error in form.non_field_errors()],
        "respond_form": forms.get("respond_form") or RespondForm(),
        "review_form": forms.get("review_form") or ReviewForm(),
        "move_form": forms.get("move_form") or MoveForm(),
        "plan_editable": role_in_pairing is not None and pairing.status in services.PLAN_STATUSES,
        "seal": services.plan_seal(latest) if latest else "",
        **forms,
    }, status=status)


def pairing_detail(request: OrganisationRequest, org_slug: str, pk: int) -> HttpResponse:
    pairing = selectors.pairing_for_member(actor=request.actor, pk=pk, for_change=False)
    return render_pairing(request, pairing)


def pairing_action(request: OrganisationRequest, pairing: Pairing, *, form_name: str,
                    form: forms.Form, action: Callable[[dict], object],
                    success: Callable[[dict], str]) -> HttpResponse:
    """A form on the pairing page: the service's refusal is shown next to the field it names
    (or at the top of the page), its success as a message."""
    if form.is_valid():
        try:
            action(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, success(form.cleaned_data))
            return redirect("pairing_detail", org_slug=request.organisation.slug, pk=pairing.pk)
    return render_pairing(request, pairing, status=400, **{form_name: form})


@require_POST
def pairing_respond(request: OrganisationRequest, org_slug: str, pk: int) -> HttpResponse:
    pairing = selectors.pairing_for_member(actor=request.actor, pk=pk, for_change=False)
    accept = request.POST.get("decision") == "accept"
    return pairing_action(
        request, pairing, form_name="respond_form", form=RespondForm(request.POST),
        action=lambda data: services.pairing_respond(
            actor=request.actor, pairing=pairing, accept=accept, reason=data["reason"]),
        success=lambda data: _("You accepted the pairing.") if accept
        else _("You declined the pairing: the coordinator is told."),
    )


@require_POST
def pairing_move(request: OrganisationRequest, org_slug: str, pk: int) -> HttpResponse:
    pairing = selectors.pairing_for_member(actor=request.actor, pk=pk, for_change=True)
    return pairing_action(
        request, pairing, form_name="move_form", form=MoveForm(request.POST),
        action=lambda data: services.pairing_move(
            actor=request.actor, pairing=pairing, to_status=data["to_status"],
            reason=data["reason"]),
        success=lambda data: _("The pairing is now “%(status)s”.") % {
            "status": S(data["to_status"]).label},
    )


# --- Activity plans ---------------------------------------------------------------------------

def plan_edit(request: OrganisationRequest, org_slug: str, pk: int) -> HttpResponse:
    """Mentor and mentee draft the plan; a refused plan is shown back with each broken rule
    next to its field, and nothing saved."""
    pairing = selectors.pairing_for_member(actor=request.actor, pk=pk, for_change=False)
    if not in_pair(actor=request.actor, pairing=pairing):
        raise PermissionDenied  # the pair writes its own plan; others read it on the pairing
    plans = selectors.pairing_plans(pairing)
    latest = plans[0] if plans else None
    initial, visits = {}, []
    if latest is not None:
        initial = {"objectives": latest.objectives, "start": latest.start,
                   "duration_months": latest.duration_months,
                   "online_meetings_per_month": latest.online_meetings_per_month}
        visits = [{"day": v.day, "place": v.place, "funded": v.funded}
                  for v in latest.visits.all()]
    else:
        initial = {"duration_months": pairing.project.duration_max_months,
                   "online_meetings_per_month": pairing.project.online_meetings_per_month}
    form = PlanForm(form_data(request), initial=initial)
    formset = visit_formset(form_data(request), visits)
    visit_errors: list[str] = []
    if request.method == "POST" and form.is_valid() & formset.is_valid():
        chosen = [Visit(day=row["day"], place=row["place"], funded=row["funded"])
                  for row in formset.cleaned_data if row and not row.get("DELETE")]
        try:
            plan = services.plan_save(actor=request.actor, pairing=pairing,
                                      visits=chosen, **form.cleaned_data)
        except ValidationError as error:
            # The visits' rules are shown above the visits; the others next to their field.
            problems: dict[Any, list[str]] = (error.message_dict if hasattr(error, "error_dict")
                                              else {None: error.messages})
            visit_errors = problems.pop("visits", [])
            for field, field_messages in problems.items():
                form.add_error(field if field in form.fields else None, field_messages)
        else:
            messages.success(request, _(
                "Plan version %(version)s saved. Both of you sign it, then the coordinator "
                "reviews it.") % {"version": plan.version})
            return redirect("pairing_detail", org_slug=org_slug, pk=pairing.pk)
    return render(request, "matching/plan_form.html", {
        "pairing": pairing, "form": form, "formset": formset, "latest": latest,
        "visit_errors": visit_errors, "project": pairing.project,
    }, status=400 if visit_errors or form.errors or formset.total_error_count() else 200)


@require_POST
def plan_sign(request: OrganisationRequest, org_slug: str, pk: int) -> HttpResponse:
    pairing = selectors.pairing_for_member(actor=request.actor, pk=pk, for_change=False)
    try:
        plan = services.plan_sign(actor=request.actor, pairing=pairing,
                                  seen=request.POST.get("seen", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Signed. The coordinator reviews the plan once you both "
                                    "have signed.") if plan.status == ActivityPlan.Status.DRAFT
                         else _("Both of you have signed: the coordinator is asked to review "
                                "the plan."))
    return redirect("pairing_detail", org_slug=org_slug, pk=pairing.pk)


@require_POST
def plan_review(request: OrganisationRequest, org_slug: str, pk: int) -> HttpResponse:
    pairing = selectors.pairing_for_member(actor=request.actor, pk=pk, for_change=True)
    approve = request.POST.get("decision") == "approve"
    return pairing_action(
        request, pairing, form_name="review_form", form=ReviewForm(request.POST),
        action=lambda data: services.plan_review(
            actor=request.actor, pairing=pairing, approve=approve,
            comments=data["comments"]),
        success=lambda data: _("Plan approved: the pairing has its plan.") if approve
        else _("Plan returned to the pair with your comments."),
    )


# --- Meetings ---------------------------------------------------------------------------------

def meeting_edit(request: OrganisationRequest, org_slug: str, pk: int,
                 meeting_pk: int | None = None) -> HttpResponse:
    """Mentor or mentee logs a meeting, or corrects one; a refusal names the rule, next to its
    field, and keeps what was typed."""
    pairing = selectors.pairing_for_member(actor=request.actor, pk=pk, for_change=False)
    if not in_pair(actor=request.actor, pairing=pairing):
        raise PermissionDenied  # the pair logs its meetings; others read them on the pairing
    meeting = (selectors.meeting_for_member(actor=request.actor, pairing=pairing, pk=meeting_pk)
               if meeting_pk else None)
    form = MeetingForm(form_data(request), instance=meeting,
                       initial={"day": timezone.localdate()} if meeting is None else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_save(actor=request.actor, pairing=pairing, meeting=meeting,
                                  fields={name: form.cleaned_data[name]
                                          for name in services.MEETING_FIELDS})
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Meeting saved: %(name)s is asked to confirm it.") % {
                "name": pairing.mentor if request.user.pk == pairing.mentee_id
                else pairing.mentee})
            return redirect("pairing_detail", org_slug=org_slug, pk=pairing.pk)
    return render(request, "matching/meeting_form.html", {
        "pairing": pairing, "form": form, "meeting": meeting, "project": pairing.project,
    }, status=400 if form.errors else 200)


@require_POST
def meeting_confirm(request: OrganisationRequest, org_slug: str, pk: int,
                    meeting_pk: int) -> HttpResponse:
    pairing = selectors.pairing_for_member(actor=request.actor, pk=pk, for_change=False)
    meeting = selectors.meeting_for_member(actor=request.actor, pairing=pairing, pk=meeting_pk)
    run_action(request, lambda: services.meeting_confirm(actor=request.actor,
                                                         meeting=meeting),
               _("Meeting confirmed."))
    return redirect("pairing_detail", org_slug=org_slug, pk=pairing.pk)


def compliance_table(request: OrganisationRequest, org_slug: str, slug: str) -> HttpResponse:
    """All pairings of a project and how each keeps the rhythm, the latest first."""
    project = programme_selectors.project_for_member(actor=request.actor, slug=slug,
                                                     for_change=False)
    if not access.may(actor=request.actor, action="follow", obj=project):
        raise PermissionDenied
    pairings = selectors.pairings_visible_to(actor=request.actor).filter(
        project=project, status__in=[S.PLAN_AGREED, S.ACTIVE, S.COMPLETED, S.ENDED_EARLY])
    found = ComplianceFilter(request.GET, queryset=pairings, project=project)
    rows = selectors.compliance_rows(project=project, pairings=found.qs)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "matching/compliance_table.html", {
        "project": project, "filter": found, "page": page,
    })


# --- Calendar ---------------------------------------------------------------------------------

def calendar_page(request: OrganisationRequest, org_slug: str) -> HttpResponse:
    """The person's private calendar address: made (or made anew) and shown once, or removed."""
    address = ""
    if request.method == "POST":
        if request.POST.get("action") == "remove":
            services.calendar_address_remove(user=request.user)
            messages.success(request, _("Your calendar address is removed: it no longer works."))
            return redirect("calendar_page", org_slug=org_slug)
        token = services.calendar_address_renew(user=request.user)
        address = settings.SITE_URL + reverse("calendar_feed", args=[token])
    return render(request, "matching/calendar.html", {
        "address": address, "has_address": bool(request.user.calendar_token_hash),
    })


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed itself: no sign-in (a calendar application cannot), the secret is the key; a
    wrong or renewed secret answers 404."""
    owner = selectors.calendar_owner(token)
    if owner is None:
        raise Http404
    body = ics.calendar(name=_("Mentoring"), events=selectors.calendar_events(owner),
                        stamp=timezone.now().astimezone(UTC), domain=site_domain())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=900"
    return response
