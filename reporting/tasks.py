from celery import shared_task

from reporting import exports


# A big PDF renders in a child process with its own limits (PDF_TASK_TIMEOUT_SECONDS); these
# limits stop the task itself if something else hangs.
@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=270, time_limit=300)
def export_build(organisation_id: int, export_id: int) -> None:
    """Builds one export (queued on commit by `services.export_request`)."""
    exports.export_build(organisation_id=organisation_id, export_id=export_id)


@shared_task(soft_time_limit=120, time_limit=180)
def exports_purge() -> int:
    """Daily (config/celery.py): deletes the built documents of more than a week ago."""
    return exports.exports_purge()
