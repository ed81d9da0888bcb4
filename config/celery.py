"""The Celery app. Every periodic schedule is declared here, in one place; exactly one beat runs."""

import os
from datetime import timedelta
from pathlib import Path

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "expire-invitations": {
        "task": "participants.tasks.invitations_expire",
        "schedule": crontab(minute=7),
    },
    "purge-exports": {
        "task": "reporting.tasks.exports_purge",
        "schedule": crontab(hour=3, minute=17),
    },
    "purge-imports": {
        "task": "matching.tasks.imports_purge",
        "schedule": crontab(hour=3, minute=29),
    },
    # Personal data kept no longer than each organisation's periods (programmes/privacy).
    "apply-retention": {
        "task": "programmes.tasks.retention_run",
        "schedule": crontab(hour=2, minute=43),
    },
    # Hourly by default; REMINDER_SCAN_SECONDS shortens it (the topology test uses seconds).
    "scan-reminders": {
        "task": "matching.tasks.reminders_scan",
        "schedule": timedelta(seconds=float(os.environ.get("REMINDER_SCAN_SECONDS", "3600"))),
    },
}


@app.on_after_configure.connect
def make_broker_folders(sender: Celery, **kwargs: object) -> None:
    # The embedded (filesystem) broker needs its folders before the first message.
    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        folder = sender.conf.broker_transport_options.get(key)
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
