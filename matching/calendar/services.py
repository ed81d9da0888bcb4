"""The private address of a person's calendar feed: made anew, or taken away."""

import secrets

from participants.models import User, hash_token


def calendar_address_renew(*, user: User) -> str:
    """A new secret for the person's calendar feed; the old address stops working. Only the
    hash is kept: the address is shown once, when it is made."""
    token = secrets.token_urlsafe(32)
    user.calendar_token_hash = hash_token(token)
    user.save(update_fields=["calendar_token_hash"])
    return token


def calendar_address_remove(*, user: User) -> None:
    user.calendar_token_hash = ""
    user.save(update_fields=["calendar_token_hash"])
