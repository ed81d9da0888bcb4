"""What an organisation's admin sees of the reminders: when the scan last ran (the platform's
heartbeat) and how many of the organisation's reminders were given up lately."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from matching.models import Reminder, ScanRun
from programmes.models import Organisation

FAILED_SHOWN_DAYS = 30


@dataclass
class ReminderHealth:
    last_scan: datetime | None
    late: bool  # the scan has not run for longer than readiness allows
    failed: int  # the organisation's reminders given up in the last FAILED_SHOWN_DAYS days
    days: int = FAILED_SHOWN_DAYS


def reminder_health(*, organisation: Organisation) -> ReminderHealth:
    now = timezone.now()
    last = ScanRun.objects.order_by("-finished_at").values_list("finished_at", flat=True).first()
    failed = Reminder.objects.for_org(organisation).filter(
        status=Reminder.Status.FAILED,
        updated_at__gte=now - timedelta(days=FAILED_SHOWN_DAYS)).count()
    late = last is None or now - last > timedelta(minutes=settings.HEALTH_SCAN_MAX_AGE_MINUTES)
    return ReminderHealth(last_scan=last, late=late, failed=failed)
