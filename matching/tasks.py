from celery import shared_task
from django.utils import timezone

from matching.imports import importer
from matching.reminders import services as reminder_services
from programmes.metrics import REMINDER_SCAN_DURATION

# How many senders the scan starts at most: each drains batch after batch, so two workers share
# the rows (their locks never overlap) and one alone still finishes them.
SENDERS = 4


@shared_task(soft_time_limit=600, time_limit=660)
def reminders_scan() -> int:
    """The hourly scan (config/celery.py): plans every reminder due, then starts senders, and
    leaves its heartbeat (ScanRun), which the readiness check reads."""
    started_at = timezone.now()
    with REMINDER_SCAN_DURATION.time():
        reminder_services.reminders_plan()
        due = reminder_services.reminders_due_count()
        for _ in range(min(-(-due // reminder_services.BATCH), SENDERS)):
            reminders_send_batches.delay()
    reminder_services.scan_heartbeat(started_at=started_at, due=due)
    return due


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=600, time_limit=660)
def reminders_send_batches() -> int:
    """Sends reminders, batch after batch, until none is due. Killed midway, it loses nothing:
    its open batch rolls back and the next sender (or the next scan) claims it again."""
    total = 0
    while sent := reminder_services.reminders_send():
        total += sent
    return total


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=540, time_limit=600)
def programme_import_run(organisation_id: int, import_id: int) -> None:
    """Imports one confirmed file (queued on commit by `imports.services.import_confirm`)."""
    importer.import_run(organisation_id=organisation_id, import_id=import_id)


@shared_task(soft_time_limit=120, time_limit=180)
def imports_purge() -> int:
    """Daily (config/celery.py): deletes the uploaded files of more than 30 days ago."""
    return importer.imports_purge()
