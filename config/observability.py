"""Hearing about errors: what goes to Sentry, and the log lines a log collector reads.

Nothing from the personal data register may leave the platform. The SDK already keeps cookies,
the user and the client's address out (send_default_pii=False), local variables out of stack
frames (include_local_variables=False) and request bodies out (max_request_body_size="never");
`scrub` below goes further and keeps, of each event, only what locates a fault in the code:

- the request: its method and its URL's path (no query string, headers, cookies or body);
- no user, no `extra` (the Celery integration puts a task's arguments there), no server-side
  `contexts` beyond the runtime's, trace and Celery's own;
- exceptions: the type and the stack (file, function, line, the code's own text); the message is
  replaced by "[scrubbed]", since a message may quote what was typed (an e-mail in a
  ValidationError, a name in an IntegrityError's row);
- log messages sent as events: the template without its arguments, and the formatted text dropped;
- breadcrumbs: their category, level, type and time; no message and no data (SQL breadcrumbs and
  log breadcrumbs quote values).

A slow task: a Celery task past its soft time limit raises SoftTimeLimitExceeded, which the Celery
integration reports like any other error (the exception type names it, the stack says where).
"""

import json
import logging
import traceback
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

SCRUBBED = "[scrubbed]"
KEPT_CONTEXTS = {"runtime", "trace", "os", "celery"}
KEPT_BREADCRUMB_KEYS = {"category", "level", "type", "timestamp"}


def scrub(event: dict[str, Any], hint: object = None) -> dict[str, Any]:
    """Sentry's before_send (and before_send_transaction): the event without personal values."""
    request = event.get("request")
    if isinstance(request, dict):
        url = request.get("url")
        event["request"] = {
            "method": request.get("method"),
            "url": urlsplit(url)._replace(query="", fragment="").geturl() if isinstance(url, str)
            else None,
        }
    for key in ("user", "extra", "modules"):
        event.pop(key, None)
    contexts = event.get("contexts")
    if isinstance(contexts, dict):
        event["contexts"] = {k: v for k, v in contexts.items() if k in KEPT_CONTEXTS}
    for exception in (event.get("exception") or {}).get("values") or []:
        if exception.get("value"):
            exception["value"] = SCRUBBED
        for frame in (exception.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    for thread in (event.get("threads") or {}).get("values") or []:
        for frame in (thread.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    logentry = event.get("logentry")
    if isinstance(logentry, dict):
        event["logentry"] = {"message": logentry.get("message")}
    if "message" in event and not isinstance(event.get("logentry"), dict):
        event["message"] = SCRUBBED
    breadcrumbs = event.get("breadcrumbs")
    values = breadcrumbs.get("values") if isinstance(breadcrumbs, dict) else breadcrumbs
    if isinstance(values, list):
        event["breadcrumbs"] = {"values": [
            {k: v for k, v in crumb.items() if k in KEPT_BREADCRUMB_KEYS} for crumb in values
        ]}
    for span in event.get("spans") or []:
        # A span's description is a URL or SQL (with placeholders); its data may quote values.
        span.pop("data", None)
        if span.get("op", "").startswith("http"):
            span["description"] = SCRUBBED
    return event


def init_sentry(*, dsn: str, environment: str, release: str, traces_sample_rate: float) -> None:
    """Send errors (and, at traces_sample_rate, timings) of requests and Celery tasks to Sentry."""
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        environment=environment,
        release=release or None,
        traces_sample_rate=traces_sample_rate,
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        before_send=scrub,  # type: ignore[arg-type]
        before_send_transaction=scrub,  # type: ignore[arg-type]
    )


class JsonFormatter(logging.Formatter):
    """One JSON object a line (LOG_FORMAT=json): time, level, logger, message and, for an
    exception, its type and traceback text."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and record.exc_info[0] is not None:
            line["exception_type"] = record.exc_info[0].__name__
            line["exception"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        elif record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, ensure_ascii=False, default=str)
