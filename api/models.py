"""Personal access tokens: a person's key to the open API in one organisation. Only a SHA-256
hash of the secret is kept (like invitations and the calendar feed): the secret is shown once,
when the token is made."""

from datetime import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _

from participants.models import User
from programmes.models import TenantModel
from programmes.privacy import register


class ApiToken(TenantModel):
    class Scope(models.TextChoices):
        READ = "read", _("Read")
        WRITE = "write", _("Read and write")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("person"))
    name = models.CharField(_("name"), max_length=100)
    scope = models.CharField(_("scope"), max_length=10, choices=Scope, default=Scope.READ)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters of the secret, so that its person can tell their tokens apart.
    prefix = models.CharField(_("starts with"), max_length=8, editable=False)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        indexes = [models.Index(fields=["organisation", "user"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def usable(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now


# -- What this model holds about people (programmes/privacy/register.py) ----------------------
# A token is its person's alone: erasure deletes it. Its last use changes on every call and is
# not history; its hash is never written to the trail.
register.declare(
    ApiToken, subject=["user"],
    personal={"user": register.ACCOUNT, "name": register.ACCOUNT,
              "last_used_at": register.ACCOUNT, "expires_at": register.ACCOUNT,
              "revoked_at": register.ACCOUNT},
    not_personal=["scope", "token_hash", "prefix"],
    erase=register.Erase.DELETE, history_exclude=["token_hash", "last_used_at"])
