from django.http import HttpRequest

from participants.selectors import memberships_of_user


def memberships(request: HttpRequest) -> dict:
    """Every role the signed-in person holds, in every organisation, for the switcher."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"all_memberships": []}
    return {
        "all_memberships": memberships_of_user(user).order_by("organisation__short_name", "role")
    }
