"""The platform's Prometheus metrics, served at /metrics (config/views.py): each request's
duration by view, the Celery queue's length, and those the lower apps record
(programmes/metrics.py: reminders planned, sent and given up, the scan's and the PDF
renderer's durations).

One process (tests, runserver) keeps its values in the client library's default registry.
Gunicorn's several workers, Celery's worker and beat each keep their own: with METRICS_DIR set,
each container's processes write them to files in its own subfolder
(config/metrics_folder.py), and the endpoint adds up every subfolder (README "Metrics")."""

import glob
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from kombu import Connection
from prometheus_client import REGISTRY, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from config.metrics_folder import metrics_dir

logger = logging.getLogger(__name__)

# Labels are the view's name, never the path: their number stays that of the URL patterns.
REQUEST_DURATION = Histogram(
    "http_request_duration_seconds", "How long each request took, by view.",
    ["view", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
QUEUE = "celery"  # Celery's default queue: the platform routes every task there


class RequestMetricsMiddleware:
    """Times each request, from the first middleware to the last, into REQUEST_DURATION."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        REQUEST_DURATION.labels(
            view=match.view_name if match is not None else "unmatched",
            method=request.method if request.method in METHODS else "other",
            status=f"{response.status_code // 100}xx",
        ).observe(time.perf_counter() - started)
        return response


def queue_length() -> int:
    """The messages waiting in Celery's queue: the Redis list's length (with its priority
    lists), or the embedded filesystem broker's message files."""
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        folder = Path(str(options["data_folder_in"]))
        if not folder.is_dir():
            return 0
        return sum(1 for name in os.listdir(folder) if name.partition(".")[2] == f"{QUEUE}.msg")
    with Connection(settings.CELERY_BROKER_URL, transport_options=options,
                    connect_timeout=2) as connection:
        channel = connection.default_channel
        client = channel.client  # type: ignore[attr-defined]  # kombu's Redis channel
        # kombu keeps one list per priority step: the queue's own name, then "celery\x06\x16N".
        names = {channel._q_for_pri(QUEUE, step)  # type: ignore[attr-defined]
                 for step in channel.priority_steps}  # type: ignore[attr-defined]
        return sum(int(client.llen(name)) for name in names)


class QueueCollector(Collector):
    """Reads the queue's length when Prometheus asks (no process keeps it). A broker that does
    not answer leaves the metric out rather than failing the whole scrape."""

    def collect(self) -> Iterator[Metric]:
        try:
            length = queue_length()
        except Exception:  # the broker is down: readiness (/readyz) says so
            logger.warning("metrics: the Celery queue's length could not be read", exc_info=True)
            return
        gauge = GaugeMetricFamily("celery_queue_length",
                                  "Messages waiting in Celery's queue.", labels=["queue"])
        gauge.add_metric([QUEUE], length)
        yield gauge


class ContainersCollector(Collector):
    """Every process's values in every container: the files of each subfolder of METRICS_DIR,
    added up as the library adds up one folder's (MultiProcessCollector.collect)."""

    def __init__(self, shared: Path) -> None:
        self.shared = shared

    def collect(self) -> Iterable[Metric]:
        for _ in range(3):
            files = glob.glob(os.path.join(self.shared, "*", "*.db"))
            try:
                return MultiProcessCollector.merge(files, accumulate=True)
            except FileNotFoundError:  # a container emptied its subfolder as it started again
                continue
        return []


QUEUE_COLLECTOR = QueueCollector()
if metrics_dir() is None:
    REGISTRY.register(QUEUE_COLLECTOR)


def exposition() -> bytes:
    """The metrics in Prometheus's text format: this process's, or every container's."""
    shared = metrics_dir()
    if shared is None:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    registry.register(ContainersCollector(shared))
    registry.register(QUEUE_COLLECTOR)
    return generate_latest(registry)
