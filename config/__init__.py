# Before the Celery app and anything else of ours: prometheus-client must find its folder when it
# is first imported (config/metrics_folder.py).
from .metrics_folder import use_metrics_folder

use_metrics_folder()

from .celery import app as celery_app  # noqa: E402

__all__ = ["celery_app"]
