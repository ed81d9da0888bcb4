"""What an organisation's admin sees of the reminders: when the scan last ran (the platform's
heartbeat) and how many of the organisation's reminders were given up lately. And what the
platform's operators see of every organisation at once (config's health page in the admin)."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Q
from django.utils import timezone

from matching.models import Reminder, ScanRun
from programmes.models import Organisation

FAILED_SHOWN_DAYS = 30
SCAN_RUNS_SHOWN = 24  # a day of the hourly scan


@dataclass
class ReminderHealth:
    last_scan: datetime | None
    late: bool  # the scan has not run for longer than readiness allows
    failed: int  # the organisation's reminders given up in the last FAILED_SHOWN_DAYS days
    days: int = FAILED_SHOWN_DAYS


def _last_scan() -> datetime | None:
    return ScanRun.objects.order_by("-finished_at").values_list("finished_at", flat=True).first()


def _late(last: datetime | None, now: datetime) -> bool:
    return last is None or now - last > timedelta(minutes=settings.HEALTH_SCAN_MAX_AGE_MINUTES)


def reminder_health(*, organisation: Organisation) -> ReminderHealth:
    now = timezone.now()
    last = _last_scan()
    failed = Reminder.objects.for_org(organisation).filter(
        status=Reminder.Status.FAILED,
        updated_at__gte=now - timedelta(days=FAILED_SHOWN_DAYS)).count()
    return ReminderHealth(last_scan=last, late=_late(last, now), failed=failed)


@dataclass
class OrganisationReminders:
    organisation: Organisation
    failed: int  # given up in the last FAILED_SHOWN_DAYS days, as its admin's home page counts
    waiting: int  # still to send, or being sent (retries included)
    last_sent: datetime | None


@dataclass
class PlatformReminderHealth:
    last_scan: datetime | None
    late: bool
    runs: list[ScanRun]  # the latest first
    organisations: list[OrganisationReminders]
    days: int = FAILED_SHOWN_DAYS


def platform_reminder_health() -> PlatformReminderHealth:
    """Every organisation's reminders, for the platform's operators: one grouped read of the
    reminders whatever the number of organisations, so that one organisation whose e-mails
    bounce stands out among the others."""
    now = timezone.now()
    last = _last_scan()
    runs = list(ScanRun.objects.order_by("-finished_at")[:SCAN_RUNS_SHOWN])
    grouped = Reminder.unscoped.order_by().values("organisation").annotate(
        failed=Count("pk", filter=Q(status=Reminder.Status.FAILED,
                                    updated_at__gte=now - timedelta(days=FAILED_SHOWN_DAYS))),
        waiting=Count("pk", filter=Q(status__in=[Reminder.Status.PENDING,
                                                 Reminder.Status.SENDING])),
        last_sent=Max("sent_at"))
    counts: dict[int, dict[str, Any]] = {row["organisation"]: dict(row) for row in grouped}
    organisations = []
    for organisation in Organisation.objects.order_by("name"):
        row = counts.get(organisation.pk, {"failed": 0, "waiting": 0, "last_sent": None})
        organisations.append(OrganisationReminders(
            organisation=organisation, failed=row["failed"], waiting=row["waiting"],
            last_sent=row["last_sent"]))
    return PlatformReminderHealth(last_scan=last, late=_late(last, now), runs=runs,
                                  organisations=organisations)
