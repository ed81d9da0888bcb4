from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from participants.middleware import memberships_held


def memberships(request: HttpRequest) -> dict:
    """Every role the signed-in person holds, in every organisation, for the switcher: those
    the middleware read already (read only if the page shows them, as the admin's do not), by
    organisation and role."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"all_memberships": []}
    return {"all_memberships": SimpleLazyObject(lambda: sorted(
        memberships_held(request),
        key=lambda m: (m.organisation.short_name.casefold(), m.organisation.short_name, m.role)))}
