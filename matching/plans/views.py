"""Drafting, signing and reviewing the activity plan."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from matching.models import ActivityPlan
from matching.pairings import selectors as pairing_selectors
from matching.pairings.views import pairing_action
from matching.plans import selectors, services
from matching.plans.forms import PlanForm, ReviewForm, visit_formset
from matching.plans.rules import Visit
from participants.middleware import OrganisationRequest
from programmes import access
from programmes.requests import (
    form_data,
)


def plan_edit(request: OrganisationRequest, org_slug: str, pk: int) -> HttpResponse:
    """Mentor and mentee draft the plan; a refused plan is shown back with each broken rule
    next to its field, and nothing saved."""
    pairing = pairing_selectors.pairing_for_member(actor=request.actor, pk=pk, for_change=False)
    # The pair writes its own plan; others read it on the pairing.
    access.require(actor=request.actor, action="take_part", obj=pairing)
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
