"""A real Celery worker, on the broker the settings name (Redis in CI, the embedded filesystem
broker otherwise), sends an invitation e-mail queued by the web process."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from config.celery import app as celery_app
from participants.models import Invitation
from tests.factories import (
    ExportFactory,
    InvitationFactory,
    OrganisationFactory,
    ProjectFactory,
    UserFactory,
)
from tests.helpers import ROOT, database_url


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_invitation(tmp_path: Path, monkeypatch):
    # This test goes through the broker: nothing runs in the test's own process.
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    organisation = OrganisationFactory(slug="cepol", short_name="CEPOL")
    invitation = InvitationFactory(
        organisation=organisation, email="worker@example.org", invited_by=UserFactory()
    )
    old_hash = invitation.token_hash
    mail_dir = tmp_path / "mail"
    queue = f"test-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_BACKEND": "file",
        "EMAIL_FILE_PATH": str(mail_dir),
    }
    worker = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue,
         "--pool=solo", "--without-gossip", "--without-mingle", "--loglevel=warning"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        celery_app.send_task(
            "participants.tasks.invitation_send", args=[organisation.pk, invitation.pk],
            queue=queue,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(mail_dir.glob("*.log")):
            assert worker.poll() is None, worker.stdout.read()
            time.sleep(0.25)
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0]
    sent = [path.read_text() for path in mail_dir.glob("*.log")]
    assert len(sent) == 1, output
    assert "To: worker@example.org" in sent[0]
    assert "/invitations/" in sent[0]
    invitation.refresh_from_db()
    assert invitation.token_hash != old_hash  # the link in the mail is the one that works
    assert Invitation.unscoped.get(pk=invitation.pk).is_usable


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_exports_and_survives_a_render_over_its_memory(monkeypatch):
    """The highlights PDF, built by a worker with a memory limit far too small, fails with a
    clear message; the same worker then builds the next export."""
    from reporting.models import Export

    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    organisation = OrganisationFactory(slug="cepol", short_name="CEPOL")
    project = ProjectFactory(organisation=organisation, name="EUROMED Police",
                             slug="euromed-police")
    person = UserFactory()
    exports = [ExportFactory(project=project, requested_by=person, kind=kind, format=format,
                             params={"language": "en"})
               for kind, format in (("highlights", "pdf"), ("pairings", "csv"))]
    queue = f"test-{uuid.uuid4().hex}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
           "DATABASE_URL": database_url(), "CELERY_TASK_ALWAYS_EAGER": "false",
           "PDF_MEMORY_MB": "40"}
    worker = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue,
         "--pool=solo", "--without-gossip", "--without-mingle", "--loglevel=warning"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        for made in exports:
            celery_app.send_task("reporting.tasks.export_build",
                                 args=[made.organisation_id, made.pk], queue=queue)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and Export.unscoped.filter(
                status__in=["queued", "running"]).exists():
            assert worker.poll() is None, worker.stdout.read()
            time.sleep(0.25)
        assert worker.poll() is None  # the worker is still up
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0]
    highlights, pairings = (Export.unscoped.get(pk=made.pk) for made in exports)
    assert highlights.status == "failed", output
    assert "needs more memory than a render may use" in highlights.error, output
    assert pairings.status == "done" and bytes(pairings.content).startswith(b"\xef\xbb\xbfPairing")
