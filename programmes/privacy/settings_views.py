"""The organisation admin's privacy settings: how long personal data is kept (with what the
retention job will erase in the coming days) and the record of processing. The record's PDF
is rendered by reporting (reporting/views.py: privacy_register_pdf), the layer that holds the
PDF machinery."""

from typing import cast

from django import forms
from django.contrib import messages
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from programmes import access
from programmes.actor import Role
from programmes.models import Organisation
from programmes.privacy.record import processing_record
from programmes.privacy.retention import retention_due, retention_periods_set
from programmes.requests import ActorRequest, form_data

# What the retention page lists ahead.
DUE_WITHIN_DAYS = 30


def _limits(name: str) -> tuple[int, int]:
    """The model's own limits, so that the form and the model say the same."""
    validators = cast(models.Field, Organisation._meta.get_field(name)).validators
    low = next(v.limit_value for v in validators if isinstance(v, MinValueValidator))
    high = next(v.limit_value for v in validators if isinstance(v, MaxValueValidator))
    return int(low), int(high)


class RetentionForm(forms.Form):
    """The two periods, within the model's limits (1 to 60 months, 1 to 30 years)."""

    retain_declined_months = forms.IntegerField(
        label=Organisation._meta.get_field("retain_declined_months").verbose_name,
        min_value=_limits("retain_declined_months")[0],
        max_value=_limits("retain_declined_months")[1])
    retain_pairing_years = forms.IntegerField(
        label=Organisation._meta.get_field("retain_pairing_years").verbose_name,
        min_value=_limits("retain_pairing_years")[0],
        max_value=_limits("retain_pairing_years")[1])


def privacy_retention(request: ActorRequest, org_slug: str) -> HttpResponse:
    access.require_role(actor=request.actor, roles=[Role.ADMIN])
    organisation = request.organisation
    form = RetentionForm(form_data(request), initial={
        "retain_declined_months": organisation.retain_declined_months,
        "retain_pairing_years": organisation.retain_pairing_years})
    if request.method == "POST" and form.is_valid():
        retention_periods_set(actor=request.actor, organisation=organisation,
                              declined_months=form.cleaned_data["retain_declined_months"],
                              pairing_years=form.cleaned_data["retain_pairing_years"])
        messages.success(request, _("Retention periods saved."))
        return redirect("privacy_retention", org_slug=org_slug)
    return render(request, "privacy/retention.html", {
        "form": form, "within_days": DUE_WITHIN_DAYS,
        "due": retention_due(organisation=organisation, on=timezone.localdate(),
                             within_days=DUE_WITHIN_DAYS),
    })


def privacy_register(request: ActorRequest, org_slug: str) -> HttpResponse:
    access.require_role(actor=request.actor, roles=[Role.ADMIN])
    return render(request, "privacy/register.html", {
        "sections": processing_record(organisation=request.organisation)})
