"""Liveness and readiness: /livez answers whatever happens; /readyz answers 200 when the
database, the cache, the broker, the data folder and the reminder scan's heartbeat are well,
and 503 naming what fails otherwise: a Redis of the test's own, stopped; a PostgreSQL of the
test's own, stopped; a scan that never ran or stopped running."""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from matching.models import ScanRun
from matching.tasks import reminders_scan
from tests.factories import ReminderFactory
from tests.helpers import ROOT, free_port, postgres_bin, start_postgres, start_redis


def checks(response) -> dict[str, dict]:
    return response.json()["checks"]


def test_liveness_answers_without_reading_anything(db, client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("livez"))
    assert (response.status_code, response.content) == (200, b"ok\n")


def test_ready_once_the_scan_has_run_and_not_before(db, client):
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert checks(response)["reminder scan"] == {
        "ok": False, "detail": "the reminder scan has never run"}
    assert all(check["ok"] for name, check in checks(response).items() if name != "reminder scan")
    reminders_scan()  # the hourly task leaves its heartbeat
    response = client.get(reverse("readyz"))
    assert response.status_code == 200 and response.json()["status"] == "ready"


def test_a_scan_that_stopped_running_makes_it_unready(db, client):
    ScanRun.objects.create(started_at=timezone.now() - timedelta(hours=3),
                           finished_at=timezone.now() - timedelta(hours=3))
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert "last ran 180 minutes ago (at most 130)" in checks(response)["reminder scan"]["detail"]


def test_a_full_data_folder_makes_it_unready(db, client):
    reminders_scan()
    with override_settings(HEALTH_MIN_FREE_MB=10**12):
        response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert "MB free in the data folder" in checks(response)["disk"]["detail"]


def test_redis_stopped_makes_it_unready_and_says_why(db, client, tmp_path):
    reminders_scan()
    port = free_port()
    redis = start_redis(port, tmp_path)
    url = f"redis://127.0.0.1:{port}/0"
    caches = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": url}}
    try:
        with override_settings(CACHES=caches, CELERY_BROKER_URL=url,
                               CELERY_BROKER_TRANSPORT_OPTIONS={}):
            assert client.get(reverse("readyz")).status_code == 200
            redis.terminate()
            redis.wait(timeout=10)
            response = client.get(reverse("readyz"))
    finally:
        if redis.poll() is None:
            redis.kill()
    assert response.status_code == 503
    failed = {name: check["detail"] for name, check in checks(response).items()
              if not check["ok"]}
    # The reason an operator acts on, never the error's own text (the page is public).
    assert failed == {"cache": "unavailable", "broker": "unavailable"}


def test_postgresql_stopped_makes_it_unready_and_says_why(tmp_path):
    """`manage.py health` (the checks of /readyz) against a PostgreSQL of the test's own: ready
    once migrated and scanned, then the server is stopped and the next check says the database
    is unavailable."""
    if postgres_bin("initdb") is None or postgres_bin("pg_ctl") is None:
        pytest.skip("needs PostgreSQL's server programs (initdb, pg_ctl)")
    server = start_postgres(free_port())
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
           "DATABASE_URL": server.url, "DATA_DIR": str(tmp_path)}

    def manage(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
            text=True, timeout=300, check=False)

    try:
        migrated = manage("migrate", "--noinput", "-v", "0")
        assert migrated.returncode == 0, migrated.stderr
        scanned = manage("shell", "-c",
                         "from matching.tasks import reminders_scan; reminders_scan()")
        assert scanned.returncode == 0, scanned.stderr
        ready = manage("health")
        assert ready.returncode == 0, ready.stdout + ready.stderr
        assert "ok   database: answers" in ready.stdout
        server.stop()
        done = manage("health")
    finally:
        server.remove()
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAIL database: unavailable" in done.stdout
    assert "not ready: database" in done.stderr


@pytest.mark.django_db
def test_the_scan_keeps_a_month_of_heartbeats(client):
    old = ScanRun.objects.create(started_at=timezone.now() - timedelta(days=40),
                                 finished_at=timezone.now() - timedelta(days=40))
    reminders_scan()
    assert not ScanRun.objects.filter(pk=old.pk).exists()
    assert ScanRun.objects.count() == 1


def test_an_admin_sees_when_the_scan_last_ran_and_the_reminders_given_up(world, client_as):
    page = client_as(world.people["admin"]).get(reverse("home", args=[world.org.slug]))
    text = page.content.decode()
    assert "The reminder scan has never run." in text
    assert "It should run every hour" in text
    ReminderFactory(pairing__project=world.project, status="failed")
    # Not this organisation's.
    ReminderFactory(pairing__project=world.foreign_project, status="failed")
    reminders_scan()
    text = client_as(world.people["admin"]).get(
        reverse("home", args=[world.org.slug])).content.decode()
    assert "The reminder scan last ran on" in text and "every hour" not in text
    section = text[text.index("reminders-h"):text.index("privacy-h")]
    assert "1 reminder given up in the last 30 days" in section, section
