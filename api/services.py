"""Every write to personal access tokens: made by their person (the secret shown once), revoked
by them; and the record of each call in the audit trail."""

import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api.models import ApiToken
from participants.models import hash_token
from programmes.actor import Actor
from programmes.privacy.models import AuditEntry
from programmes.privacy.services import audit_record

# What a secret starts with, so that a leaked one is recognised (by a secret scanner too).
SECRET_PREFIX = "mpt_"  # noqa: S105  # not a secret: the start of every one


@transaction.atomic
def token_create(*, actor: Actor, name: str, scope: str, days: int) -> tuple[ApiToken, str]:
    """A new token of the acting person in this organisation, and its secret: the only time it
    is seen. It expires after `days` (a year at most)."""
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise ValidationError({"days": _("A token lasts between 1 and %(max)s days.")
                               % {"max": settings.API_TOKEN_MAX_DAYS}})
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(organisation=actor.organisation, user=actor.user, name=name.strip(),
                     scope=scope, token_hash=hash_token(secret), prefix=secret[:8],
                     expires_at=timezone.now() + timedelta(days=days))
    token.full_clean()
    token.save()
    return token, secret


@transaction.atomic
def token_revoke(*, actor: Actor, token: ApiToken) -> ApiToken:
    """The person revokes one of their tokens: it stops working at once."""
    if token.user_id != actor.user.pk or token.organisation_id != actor.organisation.pk:
        raise ValidationError(_("Only its person revokes a token."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
    return token


def token_used(*, token: ApiToken) -> None:
    """When the token was last used, for its person's page. Written with update(): it changes
    on every call and is not history."""
    token.last_used_at = timezone.now()
    ApiToken.objects.for_org(token.organisation).filter(pk=token.pk).update(
        last_used_at=token.last_used_at)


def api_call_record(*, actor: Actor, token: ApiToken | None, method: str, path: str,
                    status: int, remote_addr: str | None) -> None:
    """Every call of the API is an entry of the organisation's audit trail, like a download:
    who, which token, what was asked and what was answered (no personal text)."""
    detail: dict[str, Any] = {"method": method, "path": path, "status": status,
                              "token": token.pk if token is not None else None}
    audit_record(event=AuditEntry.Event.API_CALLED, organisation=actor.organisation,
                 user=actor.user, detail=detail, remote_addr=remote_addr)
