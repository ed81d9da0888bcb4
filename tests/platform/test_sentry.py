"""Hearing about errors (config/observability.py): with SENTRY_DSN set, an error in a request and
a task past its soft time limit reach a Sentry-compatible endpoint, and nothing from the personal
data register goes with them (without the scrubber, the e-mail, the name, the query string and
the headers would); with LOG_FORMAT=json the console log is one JSON object a line.

The endpoint is this test's own HTTP server, which records the envelopes the real SDK sends. The
app runs in a subprocess, so that sentry_sdk.init happens where the settings do it, and nothing of
it stays in the test process."""

import gzip
import json
import logging
import os
import subprocess
import sys
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from config.observability import SCRUBBED, JsonFormatter, scrub

REPO = Path(__file__).resolve().parents[2]
NAME = "Canary Person 8812"
EMAIL = "canary8812@police.example"
QUERY_VALUE = "querycanary5531"
HEADER_VALUE = "headercanary7720"
BODY_VALUE = "bodycanary4409"

# Run in the subprocess: a person of the register signs in, and a page that reads their name and
# e-mail fails. The request is real HTTP to the WSGI application (which the Django integration
# wraps, as under gunicorn) and passes through the whole middleware stack and Django's own
# handling of an error, where the integration reports it.
APP = f"""
import logging, sys, threading, types, urllib.error, urllib.request
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.core.wsgi import get_wsgi_application
from django.test import Client
from django.test.utils import override_settings
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from wsgiref.simple_server import WSGIRequestHandler, make_server
import sentry_sdk
from tests.factories import UserFactory

@csrf_exempt
def crash(request):
    person = request.user
    logging.getLogger("participants").warning("writing to %s", person.email)
    raise ValueError(f"cannot write to {{person.full_name}} <{{person.email}}>")

class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass

urls = types.ModuleType("canary_urls")
urls.urlpatterns = [path("canary/crash/", crash), path("", include("config.urls"))]
sys.modules["canary_urls"] = urls
user = UserFactory(full_name={NAME!r}, email={EMAIL!r})
client = Client()
client.force_login(user)
session = client.cookies["sessionid"].value
print("SESSION", session)
with override_settings(ROOT_URLCONF="canary_urls"):
    server = make_server("127.0.0.1", 0, get_wsgi_application(), handler_class=Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    request = urllib.request.Request(
        f"http://127.0.0.1:{{server.server_port}}/canary/crash/?who={QUERY_VALUE}&email={EMAIL}",
        data=b"name={NAME.replace(' ', '+')}&note={BODY_VALUE}", method="POST", headers={{
            "Cookie": f"sessionid={{session}}", "X-Canary": {HEADER_VALUE!r},
            "User-Agent": {EMAIL!r}, "Content-Type": "application/x-www-form-urlencoded"}})
    try:
        urllib.request.urlopen(request, timeout=30)
    except urllib.error.HTTPError as error:
        print("STATUS", error.code)
    server.shutdown()

# A slow task: past its soft time limit a task raises SoftTimeLimitExceeded (here raised by the
# task itself, as tasks run in this process), and the Celery integration reports it.
from celery.exceptions import SoftTimeLimitExceeded
from config.celery import app

@app.task(name="canary.slow", soft_time_limit=1)
def slow(email):
    raise SoftTimeLimitExceeded(f"still writing to {{email}}")

try:
    slow.delay({EMAIL!r})
except SoftTimeLimitExceeded:
    print("SLOW")
sentry_sdk.flush(timeout=10)
"""


class Envelopes(BaseHTTPRequestHandler):
    received: list[bytes]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        elif encoding == "br":
            import brotli  # type: ignore[import-not-found]
            body = brotli.decompress(body)
        if self.path.startswith("/api/1/"):
            self.received.append(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def sentry() -> Iterator[tuple[str, list[bytes]]]:
    received: list[bytes] = []
    handler = type("Handler", (Envelopes,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://public@127.0.0.1:{server.server_address[1]}/1", received
    finally:
        server.shutdown()
        server.server_close()


def events(envelopes: list[bytes]) -> list[dict[str, object]]:
    """The items of type "event" in the envelopes (a header line, then item header and payload)."""
    found = []
    for envelope in envelopes:
        lines = envelope.split(b"\n")
        for header, payload in zip(lines[1::2], lines[2::2], strict=False):
            if json.loads(header).get("type") == "event":
                found.append(json.loads(payload))
    return found


def test_an_error_and_a_slow_task_reach_sentry_without_personal_values(
    sentry: tuple[str, list[bytes]], tmp_path: Path,
) -> None:
    dsn, received = sentry
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SENTRY_", "DATABASE_URL"))}
    result = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, "-c", APP], cwd=REPO, capture_output=True, text=True, timeout=180,
        check=False, env={
            **env, "DJANGO_SETTINGS_MODULE": "config.settings.test", "SENTRY_DSN": dsn,
            "SENTRY_ENVIRONMENT": "test", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "DATA_DIR": str(tmp_path), "CELERY_TASK_ALWAYS_EAGER": "true",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "STATUS 500" in result.stdout, result.stdout + result.stderr
    assert "SLOW" in result.stdout, result.stdout + result.stderr
    session = result.stdout.split("SESSION ", 1)[1].split()[0]

    errors = events(received)
    assert len(errors) == 2, received
    error, slow = errors
    assert error["environment"] == "test"
    [exception] = error["exception"]["values"]  # type: ignore[index]
    assert exception["type"] == "ValueError"
    assert exception["value"] == SCRUBBED
    assert any(frame["function"] == "crash" for frame in exception["stacktrace"]["frames"])
    request = error["request"]
    assert request["method"] == "POST"  # type: ignore[index]
    assert request["url"].endswith("/canary/crash/")  # type: ignore[index]

    [timeout] = slow["exception"]["values"]  # type: ignore[index]
    assert timeout["type"] == "SoftTimeLimitExceeded"
    assert timeout["value"] == SCRUBBED
    assert slow["fingerprint"] == ["celery", "SoftTimeLimitExceeded", "canary.slow"]

    raw = b"".join(received)
    for value in (NAME, EMAIL, "canary8812", "Canary Person", session, QUERY_VALUE,
                  HEADER_VALUE, BODY_VALUE):
        assert value.encode() not in raw, value


def test_scrub_keeps_the_fault_and_drops_the_person() -> None:
    event = {
        "request": {"method": "GET", "url": "https://x.example/a/?q=1", "query_string": "q=1",
                    "cookies": {"sessionid": "s"}, "headers": {"X": EMAIL}, "data": {"n": NAME}},
        "user": {"id": 1, "email": EMAIL},
        "extra": {"celery-job": {"args": [EMAIL]}},
        "contexts": {"trace": {"trace_id": "t"}, "person": {"name": NAME}},
        "exception": {"values": [{"type": "ValidationError", "value": EMAIL, "stacktrace": {
            "frames": [{"function": "f", "lineno": 3, "vars": {"email": EMAIL}}]}}]},
        "logentry": {"message": "writing to %s", "params": [EMAIL], "formatted": EMAIL},
        "breadcrumbs": {"values": [{"category": "query", "message": EMAIL, "data": {"p": NAME},
                                    "level": "info", "timestamp": "now"}]},
        "spans": [{"op": "http.client", "description": f"GET /?e={EMAIL}", "data": {"u": EMAIL}}],
    }
    scrubbed = scrub(event)
    assert EMAIL not in json.dumps(scrubbed) and NAME not in json.dumps(scrubbed)
    assert scrubbed["request"] == {"method": "GET", "url": "https://x.example/a/"}
    assert scrubbed["exception"]["values"][0]["type"] == "ValidationError"
    assert scrubbed["exception"]["values"][0]["stacktrace"]["frames"] == [
        {"function": "f", "lineno": 3}]
    assert scrubbed["logentry"] == {"message": "writing to %s"}
    assert scrubbed["contexts"] == {"trace": {"trace_id": "t"}}


def test_json_log_lines_carry_the_exception() -> None:
    formatter = JsonFormatter()
    logger = logging.getLogger("tests.json")
    try:
        raise RuntimeError("the disk is full")
    except RuntimeError:
        record = logger.makeRecord("tests.json", logging.ERROR, __file__, 1, "failed %s",
                                   ("a task",), sys.exc_info())
    line = formatter.format(record)
    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["level"] == "ERROR"
    assert parsed["logger"] == "tests.json"
    assert parsed["message"] == "failed a task"
    assert parsed["exception_type"] == "RuntimeError"
    assert "the disk is full" in parsed["exception"]
    assert parsed["time"].endswith("+00:00")


def test_log_format_json_makes_the_console_write_json_lines() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENTRY_")}
    script = (
        "import logging, django; django.setup(); log = logging.getLogger('config.check')\n"
        "log.warning('first %s', 1)\n"
        "try:\n    1 / 0\nexcept ZeroDivisionError:\n    log.exception('second')\n"
    )
    result = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60,
        check=False, env={**env, "DJANGO_SETTINGS_MODULE": "config.settings.test",
                          "LOG_FORMAT": "json"},
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert [(line["level"], line["message"]) for line in lines] == [
        ("WARNING", "first 1"), ("ERROR", "second")]
    assert lines[1]["exception_type"] == "ZeroDivisionError"
