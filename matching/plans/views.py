"""Drafting, signing and reviewing the activity plan."""

from datetime import date

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms import BaseFormSet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from matching.budget.selectors import ceiling_warning, planned_total
from matching.models import ActivityPlan
from matching.pairings import selectors as pairing_selectors
from matching.pairings.views import pairing_action
from matching.plans import selectors, services
from matching.plans.forms import PlanForm, ReviewForm, visit_formset
from matching.plans.rules import (
    PlanDraft,
    Visit,
    past_start_warning,
    plan_problems,
    starts_in_the_past,
)
from participants.middleware import OrganisationRequest
from programmes import access
from programmes.requests import (
    form_data,
)


def plan_edit(request: OrganisationRequest, org_slug: str, pk: int) -> HttpResponse:
    """Mentor and mentee draft the plan; a refused plan is shown back with every broken rule
    next to its field (a visit's next to its row), and nothing saved. A start date that has
    passed is kept only once the pair, warned next to it, ticks that they keep it."""
    pairing = pairing_selectors.pairing_for_member(actor=request.actor, pk=pk, for_change=False)
    # The pair writes its own plan; others read it on the pairing.
    access.require(actor=request.actor, action="take_part", obj=pairing)
    plans = selectors.pairing_plans(pairing)
    latest = plans[0] if plans else None
    approved = selectors.approved_plan(plans)
    initial, visits = {}, []
    if latest is not None:
        initial = {"objectives": latest.objectives, "start": latest.start,
                   "duration_months": latest.duration_months,
                   "online_meetings_per_month": latest.online_meetings_per_month}
        visits = [{"day": v.day, "place": v.place, "funded": v.funded,
                   "estimated_cost": v.estimated_cost} for v in latest.visits.all()]
    else:
        initial = {"duration_months": pairing.project.duration_max_months,
                   "online_meetings_per_month": pairing.project.online_meetings_per_month}
    form = PlanForm(form_data(request), initial=initial)
    formset = visit_formset(form_data(request), visits)
    rules = pairing.project.rules
    visit_errors: list[str] = []
    start = form.initial.get("start") if request.method != "POST" else None
    # The ceiling per pair warns, and lets the pair save: the coordinator decides.
    warning = ceiling_warning(project=pairing.project, planned=planned_total(visits))
    if request.method == "POST":
        # Both, so that a refused field of the plan does not hide a refused visit.
        valid = form.is_valid() & formset.is_valid()
        rows, complete = _visit_rows(formset)
        start = form.cleaned_data.get("start")
        draft = PlanDraft(start=start, duration_months=form.cleaned_data.get("duration_months"),
                          online_meetings_per_month=form.cleaned_data.get(
                              "online_meetings_per_month"),
                          visits=tuple(visit for _row, visit in rows), visits_complete=complete)
        # The rules are checked here too, on whatever the form accepted, so that a field to
        # correct does not hide a rule the plan breaks; the service checks them again.
        problems = plan_problems(draft, rules)
        visit_errors = _show_problems(problems, form, rows)
        warning = ceiling_warning(project=pairing.project,
                                  planned=planned_total(visit for _row, visit in rows))
        warned = start is not None and _starts_in_the_past(start, approved) \
            and not form.cleaned_data.get("keep_past_start")
        if valid and not problems and not warned:
            data = {**form.cleaned_data}
            data.pop("keep_past_start")
            try:
                plan = services.plan_save(actor=request.actor, pairing=pairing,
                                          visits=[visit for _row, visit in rows], **data)
            except ValidationError as error:
                visit_errors = _show_problems(error.message_dict if hasattr(error, "error_dict")
                                              else {NON_FIELD_ERRORS: error.messages},
                                              form, rows)
            else:
                messages.success(request, _(
                    "Plan version %(version)s saved. Both of you sign it, then the coordinator "
                    "reviews it.") % {"version": plan.version})
                if warning:
                    messages.warning(request, warning)
                return redirect("pairing_detail", org_slug=org_slug, pk=pairing.pk)
    start_warning = (past_start_warning(start, rules)
                     if isinstance(start, date) and _starts_in_the_past(start, approved) else "")
    return render(request, "matching/plan_form.html", {
        "pairing": pairing, "form": form, "formset": formset, "latest": latest,
        "visit_errors": visit_errors, "project": pairing.project, "start_warning": start_warning,
        "ceiling_warning": warning,
    }, status=400 if visit_errors or form.errors or formset.total_error_count() else 200)


def _starts_in_the_past(start: date, approved: ActivityPlan | None) -> bool:
    return starts_in_the_past(start, today=timezone.localdate(),
                              kept_start=approved.start if approved else None)


def _visit_rows(formset: BaseFormSet) -> tuple[list[tuple[forms.Form, Visit]], bool]:
    """The visits typed, each with its row of the form, and whether every one was read: a row
    whose date was refused is left out (its place is not needed by the rules)."""
    rows, complete = [], True
    for row in formset.forms:
        data = getattr(row, "cleaned_data", {})
        if data.get("DELETE"):
            continue
        if "day" in data:
            rows.append((row, Visit(day=data["day"], place=data.get("place", ""),
                                    funded=data.get("funded", False),
                                    estimated_cost=data.get("estimated_cost"))))
        elif row.has_changed() and "day" in row.errors:
            complete = False
    return rows, complete


def _show_problems(problems: dict[str, list[str]], form: forms.Form,
                   rows: list[tuple[forms.Form, Visit]]) -> list[str]:
    """Each broken rule next to its field, a visit's on its row; returns those about the
    visits as a whole, shown above them."""
    above_visits: list[str] = []
    for key, field_messages in problems.items():
        if key == "visits":
            above_visits.extend(field_messages)
        elif key.startswith("visits."):
            _visits, index, name = key.split(".")
            rows[int(index)][0].add_error(name, field_messages)
        else:
            form.add_error(key if key in form.fields else None, field_messages)
    return above_visits


@require_POST
def plan_sign(request: OrganisationRequest, org_slug: str, pk: int) -> HttpResponse:
    pairing = pairing_selectors.pairing_for_member(actor=request.actor, pk=pk, for_change=False)
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
    pairing = pairing_selectors.pairing_for_member(actor=request.actor, pk=pk, for_change=True)
    approve = request.POST.get("decision") == "approve"
    return pairing_action(
        request, pairing, form_name="review_form", form=ReviewForm(request.POST),
        action=lambda data: services.plan_review(
            actor=request.actor, pairing=pairing, approve=approve,
            comments=data["comments"]),
        success=lambda data: _("Plan approved: the pairing has its plan.") if approve
        else _("Plan returned to the pair with your comments."),
    )
