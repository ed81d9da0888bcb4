"""Reminders: one row per obligation, period and person, sent exactly once."""

from datetime import timedelta

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from matching.pairings.models import Pairing
from participants.models import User
from programmes.models import Call, Project, TenantModel
from programmes.privacy import register, retention


class Reminder(TenantModel):
    """One reminder of one obligation to one person: the row is the deadline. Its key (the
    pairing or call, the kind, the period, the recipient) is unique, so a reminder is planned
    once however often the scan runs, and sent once: a sender claims it under a row lock and
    marks it sent in the same transaction."""

    tenant_parents = ("pairing", "call", "project")

    class Kind(models.TextChoices):
        ONLINE_MEETING = "online_meeting", _("Online meeting of the month")
        VISIT = "visit", _("Visit of the period")
        FIRST_VISIT = "first_visit", _("First in-person visit")
        FIRST_VISIT_LATE = "first_visit_late", _("First in-person visit is late")
        PLAN = "plan", _("Activity plan not yet agreed")
        INTERIM_BEFORE = "interim_before", _("Interim report soon due")
        INTERIM_DUE = "interim_due", _("Interim report due today")
        INTERIM_LATE = "interim_late", _("Interim report late")
        NARRATIVE_BEFORE = "narrative_before", _("Narrative report and feedback soon due")
        NARRATIVE_DUE = "narrative_due", _("Narrative report and feedback due today")
        NARRATIVE_LATE = "narrative_late", _("Narrative report and feedback late")
        CALL_DEADLINE = "call_deadline", _("Call deadline")
        DIGEST = "digest", _("What is late")

    class Status(models.TextChoices):
        PENDING = "pending", _("To send")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        CANCELLED = "cancelled", _("No longer needed")
        FAILED = "failed", _("Given up")

    key = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=Kind)
    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="reminders")
    call = models.ForeignKey(Call, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="+")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="+")
    period = models.PositiveIntegerField(default=0)
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="reminders")
    params = models.JSONField(default=dict, blank=True)  # what the message says (dates, names)
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "key"], name="one_reminder_per_key"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return self.key


# -- What these models hold about people (programmes/privacy/register.py) ---------------------
register.declare(
    Reminder, subject=["recipient"],
    personal={"recipient": register.NOTICE, "params": register.NOTICE,
              "last_error": register.NOTICE, "sent_at": register.NOTICE.counted()},
    not_personal=["key", "kind", "status", "next_attempt_at"])
# Sent reminders go NOTICE_MONTHS after they were sent (programmes/privacy/retention.py), but
# not while their pairing is still scanned: the row's key is what stops the scan sending a
# still-late obligation's reminder again (exactly once); they go with the pairing instead.
retention.notice(Reminder, since="sent_at", only=Q(status=Reminder.Status.SENT) & (
    Q(pairing__isnull=True) | ~Q(pairing__status=Pairing.Status.ACTIVE)))


class ScanRun(models.Model):
    """Each run of the hourly reminder scan, across organisations: its heartbeat, which the
    readiness check (config/health.py) and the admins' home page read."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(db_index=True)
    due = models.PositiveIntegerField(default=0)  # reminders due once planned

    class Meta:
        ordering = ["-finished_at"]

    def __str__(self) -> str:
        return f"scan {self.finished_at:%Y-%m-%d %H:%M}"

    @property
    def duration(self) -> timedelta:
        """How long the run took: a scan that grows slow shows on the operators' health page
        before it runs late."""
        return self.finished_at - self.started_at


# The platform's own record, nobody's data; its rows are not history.
register.declare(ScanRun, not_personal=["started_at", "finished_at", "due"], history=False)
