"""What views share: the request they receive under /<org_slug>/, and the small steps every
form page takes."""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, QueryDict
from django_htmx.middleware import HtmxDetails

from programmes.actor import Actor
from programmes.models import Organisation


class ActorRequest(HttpRequest):
    """What a view under /<org_slug>/ receives, once participants.middleware.ActorMiddleware has
    run: who is acting, and in which organisation (the actor's, for templates and URLs). The
    layer that defines people narrows `user` (participants.middleware.OrganisationRequest)."""

    actor: Actor
    organisation: Organisation
    htmx: HtmxDetails  # set by django_htmx's HtmxMiddleware


def form_data(request: HttpRequest) -> QueryDict | None:
    """What a form is bound to: the POST data on a POST, even when it is empty (an empty POST
    with `request.POST or None` would leave the form unbound and skip its validation)."""
    return request.POST if request.method == "POST" else None


def run_action(request: HttpRequest, action: Callable[[], object], success: str) -> bool:
    """For a button with no form (open, close, revoke, withdraw…): the service's refusal
    becomes an error message, its success the given message."""
    try:
        action()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return False
    messages.success(request, success)
    return True


def add_service_errors(form, error: ValidationError) -> None:
    """A service's refusal, shown next to the field it names (or above the form)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def ids_from(values: list[str]) -> list[int]:
    """The row ids in a form's ticked boxes or a query string; anything else (a tampered value)
    is left out."""
    return [int(value) for value in values
            if value.isascii() and value.isdigit() and int(value) < 2**63]
