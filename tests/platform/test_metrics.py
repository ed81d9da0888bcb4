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


def test_several_processes_add_up_in_multiprocess_mode(tmp_path):
    """Gunicorn's workers (and a worker sharing the folder): each process writes its own
    values to PROMETHEUS_MULTIPROC_DIR and the endpoint's exposition adds them up."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
           "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    bump = ("import django; django.setup(); "
            "from programmes.metrics import REMINDERS_SENT; REMINDERS_SENT.inc(2)")
    for _ in range(2):
        subprocess.run([sys.executable, "-c", bump], env=env, cwd=ROOT, check=True)  # noqa: S603
    read = ("import django; django.setup(); "
            "from config.metrics import exposition; print(exposition().decode())")
    out = subprocess.run([sys.executable, "-c", read], env=env, cwd=ROOT, check=True,  # noqa: S603
                         capture_output=True, text=True).stdout
    samples = {sample.name: sample.value for family in text_string_to_metric_families(out)
               for sample in family.samples if not sample.labels or "queue" in sample.labels}
    assert samples["reminders_sent_total"] == 4
    assert "celery_queue_length" in samples
