"""The Prometheus metrics that the lower apps record (matching's reminders and scan,
reporting's PDF renderer). They live on the lowest floor so that every app may import them;
config/metrics.py adds the request timings and the queue length, and serves them all at
/metrics.

Most are recorded in Celery's worker and beat, not in the web processes that serve /metrics: with
METRICS_DIR set (README "Metrics"), the client library writes each process's values to its
container's subfolder there and /metrics adds up every container's."""

from prometheus_client import Counter, Histogram

REMINDERS_PLANNED = Counter(
    "reminders_planned", "Reminders planned by the scan (rows written).")
REMINDERS_SENT = Counter(
    "reminders_sent", "Reminders sent (mail and notification).")
REMINDERS_FAILED = Counter(
    "reminders_failed", "Reminders given up after their last failed attempt.")
REMINDER_SCAN_DURATION = Histogram(
    "reminder_scan_duration_seconds", "How long the hourly reminder scan took.",
    buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600))
PDF_RENDER_SECONDS = Histogram(
    "pdf_render_seconds", "How long the PDF renderer's process took, failures included.",
    buckets=(0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120))
