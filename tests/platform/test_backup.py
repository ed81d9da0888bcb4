"""Backups that restore (config/backup.py, `manage.py backup` and `manage.py restore`).

The drill runs as an operator would: a programme with activity (pairings, meetings, a report, a
CV) is backed up by `manage.py backup` in a process of its own; then a person is erased; then the
earlier backup is restored by `manage.py restore` into a fresh database and data folder, once
without the ledger of erasures (everything must come back exactly: every table's rows, every
file, the pages) and once with it (the erased person must be gone again, and nothing else may
change). The tables are compared by this module's own checksums, not the backup's. On
PostgreSQL (CI) it restores pg_dump's custom format into new PostgreSQL databases; on SQLite, a
copy into new files."""

import hashlib
import json
import os
import re
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from matching.models import Pairing
from participants.models import Notification, User
from programmes.privacy.models import AuditEntry
from programmes.privacy.services import (
    erasures_reapply,
    ledger_lines,
    person_digest,
    person_erase,
)
from tests.factories import (
    ApplicationFactory,
    MeetingFactory,
    MembershipFactory,
    NotificationFactory,
    UserFactory,
)
from tests.helpers import ROOT, active_pairing, database_url, running, submitted

ERASED_EMAIL = "mentee@cepol.test"
ERASED_NAME = "Mentee Person"


# -- What the tests compare, read without the product's code ----------------------------------

@contextmanager
def opened(url: str) -> Iterator[tuple[object, str]]:
    if url.startswith("sqlite:///"):
        with closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as database:
            yield database, "sqlite"
    else:
        with psycopg.connect(url) as database:
            yield database, "postgresql"


def table_names(url: str) -> list[str]:
    with opened(url) as (database, vendor):
        sql = ("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
               if vendor == "sqlite" else
               "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return sorted(name for (name,) in database.execute(sql).fetchall())


def tables_of(url: str) -> dict[str, tuple[int, str]]:
    """Every table's row count and a SHA-256 of its rows, whatever their order."""
    tables = {}
    with opened(url) as (database, _vendor):
        for name in table_names(url):
            rows = sorted(repr(row) for row in database.execute(f'SELECT * FROM "{name}"'))  # noqa: S608 (the catalogue's own names)
            tables[name] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return tables


def texts_of(url: str) -> str:
    """Every row of every table as text, to look for a person in."""
    with opened(url) as (database, _vendor):
        return "\n".join(repr(row) for name in table_names(url)
                         for row in database.execute(f'SELECT * FROM "{name}"'))  # noqa: S608 (the catalogue's own names)


def files_of(folder: Path) -> dict[str, str]:
    return {path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


# -- Processes of their own, as an operator runs them -----------------------------------------

def environment(*, data_dir: Path, url: str, ledger: Path) -> dict[str, str]:
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATA_DIR": str(data_dir), "DATABASE_URL": url, "ERASURE_LEDGER": str(ledger)}


def manage(*arguments: str, **where) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *arguments], cwd=ROOT,  # noqa: S603 (our own interpreter and arguments)
                          env=environment(**where), capture_output=True, text=True, timeout=300)


RENDER = """
import hashlib, json, re, sys
import django
django.setup()
from django.contrib.auth import get_user_model
from django.test import Client
answers = {}
for email, url in json.loads(sys.argv[1]):
    client = Client()
    client.force_login(get_user_model().objects.get(email=email))
    response = client.get(url)
    html = response.content.decode()
    # What differs from one answer to the next by design: the CSP nonce and the CSRF token.
    html = re.sub(r'nonce="[^"]*"', "", html)
    html = re.sub(r'csrfmiddlewaretoken" value="[^"]*"', "", html)
    html = re.sub(r'"X-CSRFToken": "[^"]*"', "", html)
    answers[f"{email} {url}"] = [response.status_code, hashlib.sha256(html.encode()).hexdigest()]
print(json.dumps(answers))
"""


def rendered(pages: list[tuple[str, str]], **where) -> dict[str, list]:
    """Each page as a signed-in person gets it, from the database and data folder `where`
    names. Signing in writes a session: render after comparing the tables."""
    process = subprocess.run([sys.executable, "-c", RENDER, json.dumps(pages)], cwd=ROOT,  # noqa: S603 (our own interpreter and arguments)
                             env=environment(**where), capture_output=True, text=True,
                             timeout=300)
    assert process.returncode == 0, process.stderr
    return json.loads(process.stdout.strip().splitlines()[-1])


@contextmanager
def fresh_database(tmp_path: Path) -> Iterator[str]:
    """A new, empty database on the server the tests use (a new file on SQLite)."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / f'restored-{uuid.uuid4().hex}.sqlite3'}"
        return
    name = f"restore_drill_{uuid.uuid4().hex[:12]}"
    server = database_url().rsplit("/", 1)[0]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- The drill ------------------------------------------------------------------------------------

@pytest.fixture
def programme(world, settings, tmp_path):
    """Two active pairs in the world's project with meetings; the first one's mentee with a CV
    and an interim report submitted. Files go to a data folder of the test's own."""
    source = tmp_path / "source"
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(source / "test-private")}}}
    settings.ERASURE_LEDGER = tmp_path / "erasures.jsonl"
    first = running(world)
    ApplicationFactory(call=world.call, applicant=world.people["mentee"],
                       full_name=ERASED_NAME, email=ERASED_EMAIL)
    submitted(world, first)
    mentee = MembershipFactory(organisation=world.org, role="mentee", user=UserFactory(
        email="amal.second@cepol.test", full_name="Amal Second")).user
    mentor = MembershipFactory(organisation=world.org, role="mentor", user=UserFactory(
        email="jean.second@cepol.test", full_name="Jean Second")).user
    second = active_pairing(world, mentee=mentee, mentor=mentor)
    ApplicationFactory(call=world.call, applicant=mentee, full_name="Amal Second",
                       email="amal.second@cepol.test")
    for pairing in (first, second):
        MeetingFactory(pairing=pairing, topics=f"Asset tracing with {pairing.mentee.full_name}")
    return {"source": source, "ledger": settings.ERASURE_LEDGER, "first": first,
            "second": second, "url": database_url()}


def pages_of(pairing: Pairing, slug: str, *, submitted: bool) -> list[tuple[str, str]]:
    """The pair's home pages, their pairing's page and its interim report (as submitted, or
    its draft)."""
    report = (reverse("report_detail", args=[slug, pairing.pk, "interim", 1]) if submitted
              else reverse("report_edit", args=[slug, pairing.pk, "interim"]))
    return [(pairing.mentor.email, reverse("home", args=[slug])),
            (pairing.mentee.email, reverse("home", args=[slug])),
            (pairing.mentor.email, reverse("pairing_detail", args=[slug, pairing.pk])),
            (pairing.mentee.email, report)]


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_everything_and_an_erasure_made_since_is_made_again(
        world, programme, tmp_path):
    source, ledger, url = programme["source"], programme["ledger"], programme["url"]
    slug = world.org.slug
    first_pages = pages_of(programme["first"], slug, submitted=True)
    second_pages = pages_of(programme["second"], slug, submitted=False)
    pages_before = rendered(first_pages + second_pages, data_dir=source, url=url, ledger=ledger)
    assert [status for status, _digest in pages_before.values()] == [200] * 8, pages_before
    tables_before, files_before = tables_of(url), files_of(source / "test-private")
    assert len(files_before) == 2  # the two CVs

    backups = tmp_path / "backups"
    backups.mkdir()
    made = manage("backup", str(backups), "--archive", data_dir=source, url=url, ledger=ledger)
    assert made.returncode == 0, made.stderr
    (archive,) = backups.glob("backup-*.tar.gz")
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert {"manifest.json", "files"} <= set(names)
    assert not any("erasures" in name for name in names)  # the ledger is never in a backup
    assert AuditEntry.objects.filter(event=AuditEntry.Event.BACKUP_TAKEN).count() == 1

    # The mentee of the first pair is erased after the backup.
    erased = User.objects.get(email=ERASED_EMAIL)
    person_erase(organisation=world.org, user=erased)
    source_text = texts_of(url)
    assert ERASED_EMAIL not in source_text and ERASED_NAME not in source_text
    (line,), unreadable = ledger_lines()
    assert unreadable == 0 and line.organisation_id == world.org.pk
    assert ERASED_EMAIL not in ledger.read_text() and ERASED_NAME not in ledger.read_text()

    # Restored without the ledger: everything as it was when the backup was taken.
    with fresh_database(tmp_path) as restored_url:
        target = tmp_path / "restored-exactly"
        done = manage("restore", str(archive), data_dir=target, url=restored_url,
                      ledger=tmp_path / "no-erasures.jsonl")
        assert done.returncode == 0, done.stderr
        assert "every table's rows and every file match the backup" in done.stdout
        assert tables_of(restored_url) == tables_before
        assert files_of(target / "test-private") == files_before
        assert rendered(first_pages + second_pages, data_dir=target, url=restored_url,
                        ledger=ledger) == pages_before

    # Restored with the ledger: the erased person is gone again, and only they.
    with fresh_database(tmp_path) as restored_url:
        target = tmp_path / "restored"
        done = manage("restore", str(archive), data_dir=target, url=restored_url, ledger=ledger)
        assert done.returncode == 0, done.stderr
        assert "erasures in the ledger: 1; erased again: 1" in done.stdout
        text = texts_of(restored_url)
        assert ERASED_EMAIL not in text and ERASED_NAME not in text
        assert "Amal Second" in text
        tables_after = tables_of(restored_url)
        changed = {name for name in tables_before if tables_after.get(name) != tables_before[name]}
        # The erasure changes the tables that held her and the trail; others stay as backed up.
        assert {"participants_application", "participants_user",
                "programmes_auditentry"} <= changed
        assert "programmes_project" not in changed and "programmes_call" not in changed
        restored_files = files_of(target / "test-private")
        assert len(restored_files) == 1 and set(restored_files.items()) < set(files_before.items())
        assert rendered(second_pages, data_dir=target, url=restored_url, ledger=ledger) == {
            f"{email} {page}": pages_before[f"{email} {page}"] for email, page in second_pages}

        # Restoring again, or re-applying the ledger again, erases no one twice.
        again = manage("restore", str(archive), data_dir=target, url=restored_url, ledger=ledger)
        assert again.returncode != 0 and "the database is not empty" in again.stderr


@pytest.mark.django_db(transaction=True)
def test_a_damaged_backup_is_refused_before_anything_is_restored(world, programme, tmp_path):
    source, ledger, url = programme["source"], programme["ledger"], programme["url"]
    folder = tmp_path / "backup"
    made = manage("backup", str(folder), data_dir=source, url=url, ledger=ledger)
    assert made.returncode == 0, made.stderr
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["missing_files"] == [] and len(manifest["files"]) == 2
    cv = folder / "files" / next(iter(manifest["files"]))
    cv.write_bytes(cv.read_bytes() + b"tampered")
    with fresh_database(tmp_path) as restored_url:
        done = manage("restore", str(folder), data_dir=tmp_path / "restored", url=restored_url,
                      ledger=ledger)
        assert done.returncode != 0
        assert "the backup is damaged; nothing was restored" in done.stderr
        assert re.search(r"files/.+: missing or not what was written", done.stderr)
        assert table_names(restored_url) == []

        # Undamaged, but from a later release: refused too.
        cv.write_bytes(cv.read_bytes().removesuffix(b"tampered"))
        manifest["migrations"].append(["matching", "9999_from_a_later_release"])
        (folder / "manifest.json").write_text(json.dumps(manifest))
        done = manage("restore", str(folder), data_dir=tmp_path / "restored", url=restored_url,
                      ledger=ledger)
        assert done.returncode != 0 and "comes from a later release" in done.stderr
        assert "matching.9999_from_a_later_release" in done.stderr
        assert table_names(restored_url) == []


@pytest.mark.django_db(transaction=True)
def test_a_person_who_joined_again_after_their_erasure_is_kept(world, programme, tmp_path):
    """A backup taken after the person came back holds only what they did since: restoring it
    must not erase them again."""
    source, ledger, url = programme["source"], programme["ledger"], programme["url"]
    person_erase(organisation=world.org, user=User.objects.get(email=ERASED_EMAIL))
    back = UserFactory(email=ERASED_EMAIL, full_name=ERASED_NAME)
    MembershipFactory(organisation=world.org, role="mentee", user=back)
    folder = tmp_path / "backup"
    assert manage("backup", str(folder), data_dir=source, url=url, ledger=ledger).returncode == 0
    with fresh_database(tmp_path) as restored_url:
        done = manage("restore", str(folder), data_dir=tmp_path / "restored", url=restored_url,
                      ledger=ledger)
        assert done.returncode == 0, done.stderr
        assert "joined again after their erasure and kept: 1" in done.stdout
        assert ERASED_EMAIL in texts_of(restored_url)


@pytest.mark.django_db(transaction=True)
def test_a_backup_refuses_to_overwrite_and_the_keep_option_keeps_the_newest(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "private")}}}
    existing = tmp_path / "there"
    existing.mkdir()
    (existing / "backup-20260101-000000").mkdir()
    (existing / "backup-20260102-000000.tar.gz").write_bytes(b"")
    (existing / "notes.txt").write_text("not a backup")
    call_command("backup", str(existing), "--keep", "2")
    kept = sorted(path.name for path in existing.iterdir())
    assert kept[0] == "backup-20260102-000000.tar.gz" and kept[1].startswith("backup-2026")
    assert kept[2] == "notes.txt" and len(kept) == 3
    call_command("backup", str(tmp_path / "named.tar"))
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup", str(tmp_path / "named.tar"))
    with tarfile.open(tmp_path / "named.tar") as tar:
        assert "manifest.json" in tar.getnames()
    with pytest.raises(CommandError, match="--keep must be 1 or more"):
        call_command("backup", str(existing), "--keep", "0")


# -- The ledger of erasures -------------------------------------------------------------------

def test_an_erasure_the_ledger_cannot_record_does_not_happen(world, settings, tmp_path):
    """An erasure the ledger did not know would come back with the next restore."""
    settings.ERASURE_LEDGER = tmp_path  # a folder: the line cannot be written
    mentee = world.people["mentee"]
    with pytest.raises(IsADirectoryError):
        person_erase(organisation=world.org, user=mentee)
    assert User.objects.filter(email=ERASED_EMAIL, memberships__organisation=world.org).exists()


def test_notices_to_others_that_name_the_erased_person_go_with_them(world, settings, tmp_path):
    settings.ERASURE_LEDGER = tmp_path / "erasures.jsonl"
    mentee, coordinator = world.people["mentee"], world.people["coordinator"]
    naming = NotificationFactory(organisation=world.org, user=coordinator,
                                 text=f"{ERASED_NAME} submitted the interim report.")
    by_address = NotificationFactory(organisation=world.org, user=coordinator,
                                     subject=f"A message from {ERASED_EMAIL.upper()}")
    other = NotificationFactory(organisation=world.org, user=coordinator,
                                text="Amal Second submitted the interim report.")
    person_erase(organisation=world.org, user=mentee)
    left = set(Notification.objects.for_org(world.org).values_list("pk", flat=True))
    assert other.pk in left and naming.pk not in left and by_address.pk not in left
    trail = AuditEntry.objects.filter(object_pk__in=[str(naming.pk), str(by_address.pk)])
    assert trail.exists() and all(ERASED_NAME not in json.dumps(entry.changes)
                                  and ERASED_EMAIL not in json.dumps(entry.changes).lower()
                                  for entry in trail)


def test_the_ledger_is_matched_under_a_rotated_secret_key(world, settings, tmp_path):
    """After SECRET_KEY is rotated (the old one in SECRET_KEY_FALLBACKS), a restore still finds
    who the ledger names; an unreadable line is counted, not fatal."""
    settings.ERASURE_LEDGER = tmp_path / "erasures.jsonl"
    old_key = settings.SECRET_KEY
    settings.ERASURE_LEDGER.write_text(json.dumps({
        "organisation": world.org.pk, "digest": person_digest(ERASED_EMAIL, key=old_key),
        "erased_at": "2099-01-01T00:00:00+00:00"}) + "\n" + '{"organisation": 1, "dig\n')
    settings.SECRET_KEY = "a-new-secret-key-after-rotation-0123456789-abcdefghijklmnop"
    settings.SECRET_KEY_FALLBACKS = [old_key]
    outcomes, unreadable = erasures_reapply()
    assert [again.outcome for again in outcomes] == ["erased"] and unreadable == 1
    assert not User.objects.filter(email=ERASED_EMAIL).exists()
    assert AuditEntry.objects.get(event=AuditEntry.Event.ERASED).additional_data["again"] is True
    # Re-applied again: already gone.
    assert [again.outcome for again in erasures_reapply()[0]] == ["gone"]
