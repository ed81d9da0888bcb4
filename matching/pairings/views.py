"""The pairing list and the pairing page, with the answers to a proposal and the coordinator's
moves."""

from collections.abc import Callable
from decimal import Decimal
from typing import cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from matching.budget.selectors import budget_figures, ceiling_warning
from matching.hooks import reporting
from matching.meetings import selectors as meeting_selectors
from matching.meetings import services as meeting_services
from matching.models import Pairing
from matching.pairings import selectors, services
from matching.pairings.filters import PairingFilter
from matching.pairings.forms import MoveForm, RespondForm
from matching.plans import selectors as plan_selectors
from matching.plans import services as plan_services
from matching.plans.forms import ReviewForm
from participants.middleware import OrganisationRequest
from programmes import access
from programmes.actor import Role
from programmes.requests import (
    add_service_errors,
)

S = Pairing.Status


PAGE_SIZE = 25


def pairing_list(request: OrganisationRequest, org_slug: str) -> HttpResponse:
    access.require_role(actor=request.actor, roles=[
        Role.ADMIN, Role.COORDINATOR, Role.OBSERVER, Role.MENTOR, Role.MENTEE])
    projects = list(access.projects_visible_to(actor=request.actor).values_list("pk", "name"))
    pairings = PairingFilter(request.GET, queryset=selectors.pairing_list(actor=request.actor),
                             projects=projects)
    page = Paginator(pairings.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    # A page of a queryset is the queryset sliced: its rows are read as values.
    rows = selectors.pairing_rows(cast(QuerySet[Pairing], page.object_list),
                                  organisation=request.organisation, project_names=dict(projects))
    return render(request, "matching/pairing_list.html",
                  {"filter": pairings, "page": page, "rows": rows})


def _budget(pairing: Pairing) -> dict:
    """The pairing's planned, claimed and approved totals, and the ceiling's warning."""
    figures = budget_figures(project=pairing.project, pairings=[pairing])
    money = figures.pairings.get(pairing.pk)
    planned = money.planned if money else Decimal(0)
    return {"money": money, "budget": figures,
            "ceiling_warning": ceiling_warning(project=pairing.project, planned=planned)}


def render_pairing(request: OrganisationRequest, pairing: Pairing, *, status: int = 200,
                    **forms: forms.Form) -> HttpResponse:
    plans = plan_selectors.pairing_plans(pairing)
    latest = plans[0] if plans else None
    approved = plan_selectors.approved_plan(plans)
    schedule = plan_selectors.schedule_of(approved)
    user = request.user
    role_in_pairing = ("mentee" if user.pk == pairing.mentee_id
                       else "mentor" if user.pk == pairing.mentor_id else None)
    can_manage = access.may(actor=request.actor, action="manage", obj=pairing.project)
    meetings = meeting_selectors.pairing_meetings(pairing)
    compliance = meeting_selectors.pairing_compliance(pairing, approved, meetings)
    mentee_card = (_("Mentee"), pairing.mentee, pairing.mentee_application,
                   selectors.application_languages(pairing.mentee_application))
    mentor_card = (_("Mentor"), pairing.mentor, pairing.mentor_application,
                   selectors.application_languages(pairing.mentor_application))
    return render(request, "matching/pairing_detail.html", {
        "pairing": pairing, "plans": plans, "latest": latest, "approved": approved,
        "schedule": schedule,
        "meetings": meetings,
        "compliance": compliance,
        "can_log": (role_in_pairing is not None
                    and pairing.status in meeting_services.MEETING_STATUSES),
        "events": pairing.events.select_related("by"),
        "role_in_pairing": role_in_pairing, "can_manage": can_manage,
        "next_steps": selectors.next_steps(pairing=pairing, latest=latest, approved=approved,
                                           state=compliance, user=user, can_manage=can_manage),
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
        # A pairing starts on its plan's start date: before it, the coordinator is told when.
        "starts_later": (approved.start if approved and pairing.status == S.PLAN_AGREED
                         and approved.start > timezone.localdate() else None),
        # Reports, feedback and certificates: what the app above plugs in (reporting).
        **reporting().pairing_page(actor=request.actor, pairing=pairing),
        # A refusal that names no field (the pairing moved on meanwhile) shows at the top, as
        # the form it came from may no longer be on the page.
        "action_errors": [error for form in forms.values() for error in form.non_field_errors()],
        "respond_form": forms.get("respond_form") or RespondForm(),
        "review_form": forms.get("review_form") or ReviewForm(),
        "move_form": forms.get("move_form") or MoveForm(),
        "plan_editable": (role_in_pairing is not None
                          and pairing.status in plan_services.PLAN_STATUSES),
        "seal": plan_services.plan_seal(latest) if latest else "",
        **_budget(pairing),
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
