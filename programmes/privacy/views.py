"""The pages about personal data."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from programmes.actor import Role
from programmes.privacy.forms import DataRequestForm, ProfileForm
from programmes.privacy.services import (
    data_request_make,
    data_requests_of,
    personal_data_collect,
    personal_data_tables,
)
from programmes.requests import ActorRequest, add_service_errors

# -- The person's own pages ----------------------------------------------------------------------


def my_data_page(request: ActorRequest, *, profile_form: ProfileForm | None = None,
                 request_form: DataRequestForm | None = None) -> HttpResponse:
    """The "My data" page, with its forms as given (bound, with their errors, after a refused
    change; participants' profile view renders it so too)."""
    actor = request.actor
    user = actor.user
    data = personal_data_collect(organisation=actor.organisation, user=user)
    roles = [(Role(held.role).label, held.country_id) for held in actor.memberships]
    bound = bool(profile_form and profile_form.is_bound) or bool(
        request_form and request_form.is_bound)
    return render(request, "privacy/my_data.html", {
        "sections": personal_data_tables(data),
        "roles": roles,
        "generated_at": timezone.now(),
        "profile_form": profile_form or ProfileForm(initial={
            "full_name": getattr(user, "full_name", ""),
            "language": getattr(user, "language", "en")}),
        "request_form": request_form or DataRequestForm(),
        "data_requests": data_requests_of(actor=actor),
    }, status=400 if bound else 200)


def my_data(request: ActorRequest, org_slug: str) -> HttpResponse:
    """Everything the organisation holds about the signed-in person, whatever their role."""
    return my_data_page(request)


@require_POST
def my_data_request(request: ActorRequest, org_slug: str) -> HttpResponse:
    form = DataRequestForm(request.POST)
    if form.is_valid():
        try:
            data_request_make(actor=request.actor, kind=form.cleaned_data["kind"],
                              message=form.cleaned_data["message"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your request is sent to the organisation's "
                                        "administrators. They answer within a month."))
            return redirect("my_data", org_slug=org_slug)
    return my_data_page(request, request_form=form)
