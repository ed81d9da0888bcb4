"""The audit trail and the data requests.

The trail is django-auditlog's log entry, swapped for this one (AUDITLOG_LOGENTRY_MODEL): every
create, change and deletion of a model in the register is written here by auditlog's signals,
with who, when and the values before and after; the events auditlog cannot see (sign-ins, CV and
PDF downloads, data requests, erasures) are written by `programmes.privacy.services.audit_record`.
Each entry carries its organisation, so the admin's audit page reads one organisation's trail
from one table with one query."""

from datetime import date, timedelta
from typing import Any

from auditlog.models import AbstractLogEntry, LogEntryManager
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from programmes.models import Organisation, TenantModel


class AuditEntryManager(LogEntryManager):
    """auditlog writes through `objects.log_create`; the entry takes the organisation of the
    row it is about (or the organisation itself)."""

    def log_create(self, instance: Any, force_log: bool = False, **kwargs: Any) -> Any:
        kwargs.setdefault("organisation_id", _organisation_of(instance))
        return super().log_create(instance, force_log=force_log, **kwargs)

    def log_m2m_changes(self, changed_queryset: Any, instance: Any, operation: str,
                        field_name: str, **kwargs: Any) -> Any:
        kwargs.setdefault("organisation_id", _organisation_of(instance))
        return super().log_m2m_changes(changed_queryset, instance, operation, field_name,
                                       **kwargs)

    def for_org(self, organisation: Organisation | None) -> models.QuerySet:
        if organisation is None or organisation.pk is None:
            return self.none()
        return self.filter(organisation=organisation)


def _organisation_of(instance: Any) -> int | None:
    if isinstance(instance, Organisation):
        return instance.pk
    # guardian's project permissions reach their organisation through the project.
    parent = getattr(instance, "content_object", None)
    return getattr(parent if parent is not None else instance, "organisation_id", None)


class AuditEntry(AbstractLogEntry):
    class Event(models.TextChoices):
        CREATED = "created", _("Created")
        CHANGED = "changed", _("Changed")
        DELETED = "deleted", _("Deleted")
        SIGNED_IN = "signed_in", _("Signed in")
        SIGN_IN_FAILED = "sign_in_failed", _("Failed sign-in")
        MFA_FAILED = "mfa_failed", _("Failed second factor")
        ROLE_CHANGED = "role_changed", _("Role changed")
        PROJECTS_ASSIGNED = "projects_assigned", _("Projects assigned")
        INVITATION_REVOKED = "invitation_revoked", _("Invitation revoked")
        CV_DOWNLOADED = "cv_downloaded", _("CV downloaded")
        PDF_DOWNLOADED = "pdf_downloaded", _("PDF downloaded")
        EXPORT_DOWNLOADED = "export_downloaded", _("Export downloaded")
        DOCUMENT_DOWNLOADED = "document_downloaded", _("Document downloaded")
        DATA_REQUESTED = "data_requested", _("Data request made")
        DATA_EXPORTED = "data_exported", _("Personal data exported")
        ERASED = "erased", _("Person erased")
        RETENTION = "retention", _("Retention applied")
        API_CALLED = "api_called", _("API call")
        IMPORTED = "imported", _("Programme imported")
        BACKUP_TAKEN = "backup_taken", _("Backup taken")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, null=True,
                                     blank=True, related_name="+")
    event = models.CharField(_("kind"), max_length=20, choices=Event, default=Event.CHANGED,
                             db_index=True)

    objects = AuditEntryManager()

    class Meta(AbstractLogEntry.Meta):
        swappable = "AUDITLOG_LOGENTRY_MODEL"
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [models.Index(fields=["organisation", "-timestamp"])]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding:
            by_action = {self.Action.CREATE: self.Event.CREATED,
                         self.Action.UPDATE: self.Event.CHANGED,
                         self.Action.DELETE: self.Event.DELETED}
            if self.event == self.Event.CHANGED and self.action in by_action:
                self.event = by_action[self.action]
            # The trail names an object by its kind and number, never by its text (a pairing's
            # name is its pair's names): nothing personal hides in it beyond the declared fields.
            if self.content_type_id:
                model = self.content_type.model_class()
                kind = model._meta.verbose_name if model else self.content_type.model
                self.object_repr = f"{kind} #{self.object_pk}" if self.object_pk else str(kind)
        super().save(*args, **kwargs)


class DataRequest(TenantModel):
    """A person asks the organisation to see, correct or erase what it holds about them. The
    law expects an answer within one month (GDPR art. 12(3); Regulation 2018/1725, art.
    14(3))."""

    class Kind(models.TextChoices):
        ACCESS = "access", _("See my data")
        CORRECTION = "correction", _("Correct my data")
        ERASURE = "erasure", _("Erase my data")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Answered")
        REFUSED = "refused", _("Refused")

    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                  null=True, related_name="+", verbose_name=_("requested by"))
    kind = models.CharField(_("request"), max_length=12, choices=Kind)
    message = models.TextField(_("what you ask"), max_length=3000, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status, default=Status.OPEN)
    due_on = models.DateField(_("answer due by"))
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    handled_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(_("answer"), max_length=3000, blank=True)

    class Meta:
        ordering = ["status", "due_on", "pk"]
        verbose_name = _("data request")
        verbose_name_plural = _("data requests")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @staticmethod
    def due_after(day: date) -> date:
        """One month from the request: the same day of the next month, or the month's last day
        when the next month is shorter."""
        year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
        for candidate in range(day.day, 27, -1):
            try:
                return date(year, month, candidate)
            except ValueError:
                continue
        return date(year, month, 1) + timedelta(days=27)
