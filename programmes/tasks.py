"""The daily retention job (config/celery.py schedules it)."""

from celery import shared_task

from programmes.privacy.retention import retention_apply


@shared_task(soft_time_limit=1500, time_limit=1800)
def retention_run() -> dict[str, dict[str, int]]:
    """Daily: each organisation's retention periods applied (programmes/privacy/retention.py).
    Run again the same day, it finds nothing left to do."""
    return retention_apply()
