"""Reads of personal access tokens: a person's own, and the one a secret opens."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from api.models import ApiToken
from matching.models import Meeting, Pairing
from participants.models import hash_token
from programmes.actor import Actor
from programmes.models import Organisation


def tokens_of(*, actor: Actor) -> QuerySet[ApiToken]:
    return ApiToken.objects.for_org(actor.organisation).filter(user=actor.user)


def token_for_owner(*, actor: Actor, pk: int) -> ApiToken:
    """One of the person's own tokens; anyone else's answers like a missing one."""
    return get_object_or_404(tokens_of(actor=actor), pk=pk)


def token_by_secret(*, organisation_slug: str, secret: str) -> ApiToken | None:
    """The token this secret opens in the organisation of the address, whatever its state (the
    caller refuses a revoked or expired one); None for a secret unknown there."""
    organisation = Organisation.objects.filter(slug=organisation_slug).first()
    if organisation is None:
        return None
    return (ApiToken.objects.for_org(organisation).select_related("organisation", "user")
            .filter(token_hash=hash_token(secret)).first())


def meetings_of(*, pairing: Pairing) -> QuerySet[Meeting]:
    """A pairing's meetings, newest first, with who logged and confirmed them: what its page
    lists (matching.meetings.selectors.pairing_meetings), as a queryset to page through."""
    return (Meeting.objects.for_org(pairing.organisation).filter(pairing=pairing)
            .select_related("logged_by", "confirmed_by", "country").order_by("-day", "-pk"))
