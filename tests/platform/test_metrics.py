"""The Prometheus endpoint (/metrics, config/metrics.py): off without a token or an address
list, refused without the token (or with a wrong one, or from another address), and it counts
what happens: a request by its view, reminders planned, sent and given up, the scan's and the
PDF renderer's durations, the Celery queue's length on the filesystem broker and on Redis.

The client library's registry is the process's: each test reads a value before and after."""

import os
import smtplib
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path
from unittest import mock

import pytest
from django.test import override_settings
from django.urls import reverse
from kombu import Connection
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from config.metrics import queue_length
from matching.models import Reminder
from matching.reminders.services import MAX_ATTEMPTS, reminders_plan, reminders_send
from matching.tasks import reminders_scan
from reporting.pdf import run_renderer
from tests.helpers import ROOT, World, active_pairing, at_nine, free_port, start_redis

TOKEN = "a-long-random-metrics-token"
BEARER = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def scraped(response) -> dict[tuple[str, tuple], float]:
    """The samples of a scrape, read back with the client library's own parser."""
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.content.decode())
            for sample in family.samples}


def test_off_without_a_token_or_an_address_list(client):
    assert client.get("/metrics", **BEARER).status_code == 404


@override_settings(METRICS_TOKEN=TOKEN)
@pytest.mark.parametrize("header", [None, "Bearer wrong-token", f"Basic {TOKEN}", "Bearer ",
                                    TOKEN])
def test_refused_without_its_token(client, header):
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    response = client.get("/metrics", **extra)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"http_request_duration_seconds" not in response.content


@override_settings(METRICS_TOKEN=TOKEN)
def test_the_token_opens_it(client):
    response = client.get("/metrics", **BEARER)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    assert response["Cache-Control"] == "no-store"
    names = {family.name for family in text_string_to_metric_families(response.content.decode())}
    assert {"http_request_duration_seconds", "reminders_planned", "reminders_sent",
            "reminders_failed", "reminder_scan_duration_seconds", "pdf_render_seconds",
            "celery_queue_length"} <= names


@override_settings(METRICS_ALLOWED_IPS=["10.0.0.7"])
def test_an_allowed_address_needs_no_token_and_a_forwarded_header_does_not_count(client):
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.7").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.8").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.8",
                      HTTP_X_FORWARDED_FOR="10.0.0.7").status_code == 403


@override_settings(METRICS_TOKEN=TOKEN, METRICS_ALLOWED_IPS=["10.0.0.7"])
def test_either_the_token_or_the_address(client):
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.7").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.8", **BEARER).status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.8").status_code == 401


@override_settings(METRICS_TOKEN=TOKEN)
def test_a_request_is_counted_by_its_view_not_its_path(db, client):
    labels = {"view": "livez", "method": "GET", "status": "2xx"}
    before = value("http_request_duration_seconds_count", **labels)
    assert client.get(reverse("livez")).status_code == 200
    assert value("http_request_duration_seconds_count", **labels) == before + 1
    # What Prometheus reads says so too.
    samples = scraped(client.get("/metrics", **BEARER))
    assert samples[("http_request_duration_seconds_count", tuple(sorted(labels.items())))] \
        == before + 1
    # A path that matches no pattern is one label, whatever the path.
    unmatched = {"view": "unmatched", "method": "GET", "status": "4xx"}
    before = value("http_request_duration_seconds_count", **unmatched)
    client.get("/no/such/page/at/all/")
    client.get("/favicon-of-nothing.txt")
    assert value("http_request_duration_seconds_count", **unmatched) == before + 2
    assert not any("no/such" in str(key) for key in scraped(client.get("/metrics", **BEARER)))


def test_a_reminder_planned_and_sent_is_counted(world: World):
    active_pairing(world)
    planned, sent = value("reminders_planned_total"), value("reminders_sent_total")
    now = at_nine(date(2027, 5, 9))
    # Month 4 has no online meeting and the first visit is late: 2 reminders each to the pair,
    # and the coordinator's weekly digest.
    assert reminders_plan(now=now) == 5
    assert value("reminders_planned_total") == planned + 5
    assert reminders_send(now=now) == 5
    assert value("reminders_sent_total") == sent + 5
    # The next scan plans nothing new and sends nothing twice.
    reminders_plan(now=now)
    reminders_send(now=now)
    assert (value("reminders_planned_total"), value("reminders_sent_total")) == (
        planned + 5, sent + 5)


def test_a_reminder_given_up_is_counted_once(world: World):
    active_pairing(world)
    now = at_nine(date(2027, 5, 9))
    reminders_plan(now=now)
    failed, sent = value("reminders_failed_total"), value("reminders_sent_total")
    # The mail server refuses every attempt (it is the only part not ours).
    with mock.patch("django.core.mail.EmailMultiAlternatives.send",
                    side_effect=smtplib.SMTPServerDisconnected("connection lost")):
        for _ in range(MAX_ATTEMPTS):
            Reminder.unscoped.filter(status="pending").update(next_attempt_at=now)
            reminders_send(now=now)
            assert value("reminders_failed_total") in (failed, failed + 5)
    assert Reminder.unscoped.filter(status="failed").count() == 5
    assert value("reminders_failed_total") == failed + 5
    assert value("reminders_sent_total") == sent


def test_the_scan_is_timed(db):
    before = value("reminder_scan_duration_seconds_count")
    reminders_scan()
    assert value("reminder_scan_duration_seconds_count") == before + 1


def test_a_pdf_render_is_timed():
    before = (value("pdf_render_seconds_count"), value("pdf_render_seconds_sum"))
    run_renderer("<p>Hello</p>")
    assert value("pdf_render_seconds_count") == before[0] + 1
    assert value("pdf_render_seconds_sum") > before[1]


def put(url: str, options: dict, count: int) -> None:
    with Connection(url, transport_options=options) as connection:
        queue = connection.SimpleQueue("celery")
        for number in range(count):
            queue.put({"n": number})
        queue.close()


def test_the_queue_length_on_the_filesystem_broker():
    with tempfile.TemporaryDirectory() as folder:
        options = {"data_folder_in": f"{folder}/queue", "data_folder_out": f"{folder}/queue",
                   "control_folder": f"{folder}/control"}
        for sub in ("queue", "control"):
            Path(folder, sub).mkdir()
        with override_settings(CELERY_BROKER_URL="filesystem://",
                               CELERY_BROKER_TRANSPORT_OPTIONS=options):
            assert queue_length() == 0
            put("filesystem://", options, 3)
            assert queue_length() == 3
            assert REGISTRY.get_sample_value("celery_queue_length", {"queue": "celery"}) == 3


def test_the_queue_length_on_redis_and_a_broker_that_does_not_answer(tmp_path):
    port = free_port()
    process = start_redis(port, tmp_path)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        with override_settings(CELERY_BROKER_URL=url, CELERY_BROKER_TRANSPORT_OPTIONS={}):
            assert queue_length() == 0
            put(url, {}, 4)
            assert queue_length() == 4
            assert REGISTRY.get_sample_value("celery_queue_length", {"queue": "celery"}) == 4
    finally:
        process.terminate()
        process.wait(timeout=10)
    # Stopped: the scrape still answers, without the queue's length.
    with override_settings(CELERY_BROKER_URL=url, CELERY_BROKER_TRANSPORT_OPTIONS={}):
        assert REGISTRY.get_sample_value("celery_queue_length", {"queue": "celery"}) is None


def run_in(container: str, metrics_dir: Path, code: str, **extra: str) -> str:
    """A process of its own in `container` (its host name, as Docker sets HOSTNAME), with the
    shared folder of every container's metrics; what it printed."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
           "METRICS_DIR": str(metrics_dir), "HOSTNAME": container, **extra}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return subprocess.run([sys.executable, "-c", f"import django; django.setup(); {code}"],  # noqa: S603
                          env=env, cwd=ROOT, check=True, capture_output=True, text=True).stdout


def test_every_container_adds_up_at_the_web_containers_metrics(tmp_path):
    """Celery's worker records the reminders and the scan in its container, gunicorn's workers
    their requests in theirs: each process writes its own files in its container's subfolder of
    METRICS_DIR, and the web container's /metrics adds up every container's."""
    send = ("from programmes.metrics import REMINDERS_SENT, REMINDER_SCAN_DURATION; "
            "REMINDERS_SENT.inc(2); REMINDER_SCAN_DURATION.observe(3)")
    run_in("worker-1", tmp_path, send)
    run_in("worker-1", tmp_path, send)  # a pool's second process, in the same container
    run_in("beat-1", tmp_path, "from programmes.metrics import REMINDERS_SENT; "
                               "REMINDERS_SENT.inc(1)")
    assert {folder.name for folder in tmp_path.iterdir()} == {"worker-1", "beat-1"}
    assert len(list((tmp_path / "worker-1").glob("counter_*.db"))) == 2
    scrape = ("from django.test import Client; "
              "print(Client().get('/livez').status_code); "
              "print(Client().get('/metrics', HTTP_AUTHORIZATION='Bearer t').content.decode())")
    out = run_in("web-1", tmp_path, scrape, METRICS_TOKEN="t")
    status, _, text = out.partition("\n")
    assert status == "200"
    samples = {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
               for family in text_string_to_metric_families(text) for sample in family.samples}
    assert samples[("reminders_sent_total", ())] == 5
    assert samples[("reminder_scan_duration_seconds_count", ())] == 2
    assert samples[("reminder_scan_duration_seconds_sum", ())] == 6
    assert samples[("reminder_scan_duration_seconds_bucket", (("le", "5.0"),))] == 2
    assert samples[("reminder_scan_duration_seconds_bucket", (("le", "2.5"),))] == 0
    livez = (("method", "GET"), ("status", "2xx"), ("view", "livez"))
    assert samples[("http_request_duration_seconds_count", livez)] == 1
    assert ("celery_queue_length", (("queue", "celery"),)) in samples


def test_the_library_folder_alone_is_refused(tmp_path):
    """One way to turn it on: METRICS_DIR. PROMETHEUS_MULTIPROC_DIR alone would make each
    process count in files that no /metrics adds up."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
           "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    env.pop("METRICS_DIR", None)
    done = subprocess.run([sys.executable, "-c", "import django; django.setup()"],
                          env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode != 0
    assert "Set METRICS_DIR, not PROMETHEUS_MULTIPROC_DIR" in done.stderr
