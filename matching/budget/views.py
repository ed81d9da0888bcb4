"""The project's budget page: the figures, the claims waiting for review, the exchange rates.
Coordinators, admins and observers read it; the project's coordinators act on it."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from matching.budget import selectors, services
from matching.budget.access import may_read_budget, may_review_claims
from matching.budget.forms import ClaimReviewForm, ExchangeRateForm
from matching.meetings import services as meeting_services
from participants.middleware import OrganisationRequest
from programmes import access
from programmes import selectors as programme_selectors
from programmes.models import Project
from programmes.requests import add_service_errors


def _project(request: OrganisationRequest, slug: str) -> Project:
    project = programme_selectors.project_for_member(actor=request.actor, slug=slug,
                                                     for_change=False)
    if not may_read_budget(actor=request.actor, project=project):
        raise PermissionDenied
    return project


def _render(request: OrganisationRequest, project: Project, *, status: int = 200,
            rate_form: ExchangeRateForm | None = None,
            review_forms: dict[int, ClaimReviewForm] | None = None) -> HttpResponse:
    acts = may_review_claims(actor=request.actor, project=project)
    # Each claim names its pair: the project's managers see them, observers the figures only
    # (the register's MENTORING use).
    sees_claims = access.may(actor=request.actor, action="manage", obj=project)
    review_forms = review_forms or {}
    pending = list(selectors.claims_to_review(project=project)) if sees_claims else []
    figures = selectors.budget_figures(project=project)
    return render(request, "matching/budget.html", {
        "project": project, "figures": figures, "acts": acts, "sees_claims": sees_claims,
        "pending": [(claim, review_forms.get(claim.pk) or ClaimReviewForm(
            prefix=f"claim-{claim.pk}")) for claim in pending],
        "reviewed": selectors.claims_reviewed(project=project) if sees_claims else [],
        "rates": selectors.rates_recorded(project=project),
        "rate_form": rate_form or ExchangeRateForm(),
    }, status=status)


def budget_page(request: OrganisationRequest, org_slug: str, slug: str) -> HttpResponse:
    return _render(request, _project(request, slug))


@require_POST
def claim_review(request: OrganisationRequest, org_slug: str, slug: str,
                 meeting_pk: int) -> HttpResponse:
    project = _project(request, slug)
    if not may_review_claims(actor=request.actor, project=project):
        raise PermissionDenied
    claim = selectors.claim_for_review(project=project, pk=meeting_pk)
    form = ClaimReviewForm(request.POST, prefix=f"claim-{claim.pk}")
    if form.is_valid():
        try:
            meeting_services.meeting_claim_review(
                actor=request.actor, meeting=claim, decision=form.cleaned_data["decision"],
                amount=form.cleaned_data["amount"], note=form.cleaned_data["note"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Claim reviewed: %(pairing)s, %(day)s.") % {
                "pairing": claim.pairing, "day": claim.day})
            return redirect("budget_page", org_slug=org_slug, slug=slug)
    return _render(request, project, status=400, review_forms={claim.pk: form})


@require_POST
def exchange_rate_add(request: OrganisationRequest, org_slug: str, slug: str) -> HttpResponse:
    project = _project(request, slug)
    if not may_review_claims(actor=request.actor, project=project):
        raise PermissionDenied
    form = ExchangeRateForm(request.POST)
    if form.is_valid():
        try:
            rate = services.exchange_rate_record(actor=request.actor, project=project,
                                                 **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Rate recorded: 1 %(currency)s = %(rate)s %(budget)s.")
                             % {"currency": rate.currency, "rate": rate.rate,
                                "budget": project.budget_currency})
            return redirect("budget_page", org_slug=org_slug, slug=slug)
    return _render(request, project, status=400, rate_form=form)
