"""Whether this process can serve: what `/readyz` answers (503 with the failing checks' names and
reasons) and `manage.py health` prints. Each check says what an operator needs to act on and
nothing more: the page is public, so an error's own text (hosts, users) goes to the log only
(and to the operators' health page in the admin, behind its door).

- database: a query answers;
- cache: the shared cache (Redis where REDIS_URL is set) stores and returns a value;
- broker: Celery's broker accepts a connection;
- disk: the data folder (uploaded and generated files) has room left;
- reminder scan: the hourly scan ran lately (its heartbeat, matching.models.ScanRun).
"""

import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from kombu import Connection

from matching.models import ScanRun

logger = logging.getLogger(__name__)


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "answers"


def _cache() -> str:
    value = str(time.time())
    cache.set("health:probe", value, 30)
    if cache.get("health:probe") != value:
        raise RuntimeError("the cache did not return what it stored")
    return "stores and returns"


def _broker() -> str:
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=3,
                    transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS) as broker:
        broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=3)
    return "accepts connections"


def _disk() -> str:
    usage = shutil.disk_usage(settings.DATA_DIR)
    free_mb = usage.free // (1024 * 1024)
    if free_mb < settings.HEALTH_MIN_FREE_MB:
        raise RuntimeError(f"{free_mb} MB free in the data folder, below "
                           f"{settings.HEALTH_MIN_FREE_MB} MB")
    return f"{free_mb} MB free"


def _scan() -> str:
    last = ScanRun.objects.order_by("-finished_at").values_list("finished_at", flat=True).first()
    if last is None:
        raise RuntimeError("the reminder scan has never run")
    age = timezone.now() - last
    if age > timedelta(minutes=settings.HEALTH_SCAN_MAX_AGE_MINUTES):
        raise RuntimeError(f"the reminder scan last ran {int(age.total_seconds() // 60)} "
                           f"minutes ago (at most {settings.HEALTH_SCAN_MAX_AGE_MINUTES})")
    return f"ran {int(age.total_seconds() // 60)} minutes ago"


CHECKS: dict[str, Callable[[], str]] = {
    "database": _database, "cache": _cache, "broker": _broker, "disk": _disk,
    "reminder scan": _scan,
}
# Reasons an operator may read on the public page; any other error says only "unavailable".
SAFE_REASONS = (RuntimeError,)


def readiness(*, errors_in_full: bool = False) -> list[Check]:
    """Each check's answer. `errors_in_full` is for a page only the platform's operators read
    (config.views.platform_health): there an error's own text says what to fix."""
    checks = []
    for name, probe in CHECKS.items():
        try:
            checks.append(Check(name, True, probe()))
        except SAFE_REASONS as error:
            checks.append(Check(name, False, str(error)))
        except Exception as error:
            logger.exception("Readiness check %r failed", name)
            detail = f"{type(error).__name__}: {error}" if errors_in_full else "unavailable"
            checks.append(Check(name, False, detail))
    return checks
