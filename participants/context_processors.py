from django.http import HttpRequest

from participants.models import Membership


def memberships(request: HttpRequest) -> dict:
    """Every role the signed-in person holds, in every organisation, for the switcher."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"all_memberships": []}
    return {
        "all_memberships": Membership.objects.filter(user=user)
        .select_related("organisation")
        .order_by("organisation__short_name", "role")
    }
