"""Reminders on the real topology: PostgreSQL, a Redis of the test's own, two Celery workers, one
beat and a local SMTP sink. Ten thousand reminders fall due; one worker is killed (SIGKILL)
mid-run and Redis is restarted during it; afterwards every reminder reached the sink, each as
one message, and is marked sent once.

The only copies a crash can make are of a message the sink had accepted just before its sender
died, before the sender's commit: such a copy carries the same Message-ID, and the sink (like a
mail store) recognises it. The test prints how many there were."""

import email
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django.utils import timezone

from matching.models import Reminder
from participants.models import Notification, Role
from tests.factories import MembershipFactory, OrganisationFactory, ProjectFactory, UserFactory
from tests.helpers import ROOT, database_url, free_port, start_redis

TOTAL = 10_000
RECIPIENTS = 100  # coordinators, each with a reminder for 100 weeks




class Sink:
    """An SMTP server that keeps the Message-ID of every message it accepts."""

    def __init__(self) -> None:
        self.ids: Counter[str] = Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        message_id = email.message_from_bytes(envelope.content)["Message-ID"]
        with self.lock:
            self.ids[message_id] += 1
        return "250 OK"

    def counts(self) -> tuple[int, int]:
        with self.lock:
            return len(self.ids), sum(self.ids.values())




def celery(args: list[str], env: dict, log: Path) -> subprocess.Popen:
    # Its own process group, so that a kill takes the pool's children with the worker. The
    # child writes its log straight to the file; this process keeps no handle open.
    with log.open("w") as output:
        return subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "celery", "-A", "config", *args], cwd=ROOT, env=env,
            stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )


@pytest.mark.django_db(transaction=True)
def test_ten_thousand_reminders_each_sent_once_through_a_kill_and_a_redis_restart(
        tmp_path: Path):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks with SKIP LOCKED): set DATABASE_URL")
    organisation = OrganisationFactory(slug="cepol", short_name="CEPOL")
    project = ProjectFactory(organisation=organisation)
    now = timezone.now()
    people = [MembershipFactory(organisation=organisation, role=Role.COORDINATOR,
                                user=UserFactory(email=f"coordinator{n}@example.org")).user
              for n in range(RECIPIENTS)]
    Reminder.objects.bulk_create([
        Reminder(organisation=organisation, key=f"j{project.pk}:digest:{week}:u{person.pk}",
                 kind=Reminder.Kind.DIGEST, project=project, period=week, recipient=person,
                 params={"count": "1"}, next_attempt_at=now - timedelta(minutes=1))
        for person in people for week in range(TOTAL // RECIPIENTS)
    ], batch_size=2000)

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's chatter
    sink = Sink()
    smtp = Controller(sink, hostname="127.0.0.1", port=free_port())
    smtp.start()
    redis_port = free_port()
    redis = start_redis(redis_port, tmp_path)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_BACKEND": "smtp", "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp.port),
        "REMINDER_SCAN_SECONDS": "2",
        # The killed worker's leased batch is taken over this soon.
        "REMINDER_LEASE_SECONDS": "10",
    }
    worker_args = ["worker", "--concurrency=2", "--without-gossip", "--without-mingle",
                   "--loglevel=warning"]
    started = time.monotonic()
    workers = [celery([*worker_args, "-n", f"w{n}@%h"], env, tmp_path / f"worker{n}.log")
               for n in (1, 2)]
    beat = celery(["beat", "--loglevel=warning", "-s", str(tmp_path / "beat-schedule")], env,
                  tmp_path / "beat.log")
    killed = restarted = False
    timeline = []
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            unique, _raw = sink.counts()
            if not killed and unique >= 2_000:
                os.killpg(workers[0].pid, signal.SIGKILL)
                killed = True
                timeline.append(f"worker 1 killed at {unique} delivered")
            if killed and not restarted and unique >= 5_000:
                redis.terminate()
                redis.wait(timeout=10)
                time.sleep(1)
                redis = start_redis(redis_port, tmp_path)
                restarted = True
                timeline.append(f"Redis restarted at {sink.counts()[0]} delivered")
            if unique >= TOTAL and not Reminder.unscoped.exclude(status="sent").exists():
                break
            assert workers[1].poll() is None, (tmp_path / "worker2.log").read_text()
            time.sleep(0.2)
        time.sleep(5)  # anything still on its way arrives now, or never
    finally:
        for process in [*workers, beat]:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in [*workers, beat]:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        redis.terminate()
        redis.wait(timeout=10)
        smtp.stop()

    unique, raw = sink.counts()
    sent = Reminder.unscoped.filter(status="sent").count()
    notifications = Notification.unscoped.count()
    print(f"\n{TOTAL} reminders due, all delivered in {time.monotonic() - started:.0f} s; "
          f"{'; '.join(timeline)}; messages accepted by the sink: "
          f"{raw}; distinct Message-IDs: {unique}; copies of a message in flight at the kill: "
          f"{raw - unique}; marked sent: {sent}; notifications: {notifications}")
    assert killed and restarted, timeline
    assert unique == TOTAL
    assert sent == TOTAL and notifications == TOTAL
    # At most the one message each of the killed worker's two processes was sending.
    assert raw - unique <= 2
    assert Reminder.unscoped.exclude(status="sent").count() == 0
