from django.http import HttpRequest, QueryDict

from participants.models import Membership, User
from programmes.models import Organisation


class OrganisationRequest(HttpRequest):
    """What a view under /<org_slug>/ receives, once OrganisationMiddleware has run."""

    user: User
    organisation: Organisation
    membership: Membership
    memberships: list[Membership]


def form_data(request: HttpRequest) -> QueryDict | None:
    """What a form is bound to: the POST data on a POST, even when it is empty (an empty POST
    with `request.POST or None` would leave the form unbound and skip its validation)."""
    return request.POST if request.method == "POST" else None
