"""Backups that restore: what `manage.py backup` writes and `manage.py restore` reads back.

A backup is a folder, or a .tar or .tar.gz archive of one, holding:
- `database.dump`: the PostgreSQL database in pg_dump's custom format (`database.sqlite3`, a
  copy made with SQLite's backup API, on the embedded SQLite);
- `files/`: the private files (CVs, logos, documents, built PDFs and exports) as the storage
  holds them;
- `manifest.json`: when it was taken, the migrations it is at, every table's row count and
  checksum, the database file's and every file's size and SHA-256, and the files rows name that
  were not there.

It is consistent: on PostgreSQL one read-only REPEATABLE READ transaction exports its snapshot,
pg_dump dumps that snapshot (`--snapshot`), and the tables' checksums and the files rows name are
read in it. The files are copied after, so a file a row names is missing only if it was deleted
meanwhile (an erasure): the manifest lists those.

A restore checks every checksum before it touches anything, refuses a database or a files folder
that is not empty, loads the database and the files, checks that every table holds what the
manifest says, migrates (a backup of an earlier release), and erases again everyone the ledger
of erasures names (programmes/privacy/services.py: `erasures_reapply`): the ledger is not in any
backup, so an erasure made after the backup was taken is not undone by restoring it."""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.core.management import call_command
from django.db import connection, models
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from programmes.privacy.models import AuditEntry
from programmes.privacy.services import ErasureAgain, audit_record, erasures_reapply

FORMAT = 1
MANIFEST = "manifest.json"
FILES = "files"
POSTGRES_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz")
CHUNK = 1024 * 1024

Rows = Callable[[str], Sequence[tuple[Any, ...]]]


class BackupError(Exception):
    """A backup that cannot be written or restored; the message says why and what to do."""


@dataclass
class TableCount:
    rows: int
    checksum: str


@dataclass
class Restored:
    tables: int
    rows: int
    files: int
    erasures: list[ErasureAgain] = field(default_factory=list)
    unreadable_ledger_lines: int = 0


# -- Shared: the database's kind, the files' folder, checksums ------------------------------------

def _engine() -> str:
    vendor = connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise BackupError(f"backups support PostgreSQL and SQLite, not {vendor}")
    return vendor


def files_root() -> Path:
    """The private files' folder: backups read and restore the file system storage only."""
    storage = storages["default"]
    if not isinstance(storage, FileSystemStorage):
        raise BackupError("backups read files from a file system storage only "
                          f"(STORAGES['default'] is {type(storage).__name__})")
    return Path(storage.location)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _postgres_tables(rows: Rows) -> dict[str, TableCount]:
    """Each table's row count and a checksum of its rows' text, in no particular row order."""
    tables = {}
    names = [name for (name,) in rows(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")]
    for name in names:
        sql = ("SELECT count(*), md5(coalesce(string_agg(digest, '' ORDER BY digest), '')) "  # noqa: S608 (the database's own table names)
               f"FROM (SELECT md5(row_text::text) AS digest FROM {_quote(name)} AS row_text) AS t")
        ((count, checksum),) = rows(sql)
        tables[name] = TableCount(rows=count, checksum=checksum)
    return tables


def _sqlite_tables(database: sqlite3.Connection) -> dict[str, TableCount]:
    tables = {}
    names = [name for (name,) in database.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name")]
    for name in names:
        digests = sorted(hashlib.md5(repr(row).encode(), usedforsecurity=False).hexdigest()
                         for row in database.execute(f"SELECT * FROM {_quote(name)}"))  # noqa: S608 (the database's own table names)
        checksum = hashlib.md5("".join(digests).encode(), usedforsecurity=False).hexdigest()
        tables[name] = TableCount(rows=len(digests), checksum=checksum)
    return tables


def _file_references(rows: Rows) -> set[str]:
    """Every file name a row holds, in every model's file fields."""
    names: set[str] = set()
    for model in apps.get_models():
        for model_field in model._meta.concrete_fields:
            if isinstance(model_field, models.FileField) and model_field.column:
                column = _quote(model_field.column)
                names.update(name for (name,) in rows(
                    f"SELECT {column} FROM {_quote(model._meta.db_table)} "  # noqa: S608 (the models' own names)
                    f"WHERE {column} IS NOT NULL AND {column} <> ''"))
    return names


def _migrations(rows: Rows) -> list[list[str]]:
    return [[app, name] for app, name in rows(
        "SELECT app, name FROM django_migrations ORDER BY app, name")]


def _postgres_command(program: str) -> tuple[list[str], dict[str, str]]:
    """pg_dump's or pg_restore's connection options and environment, from DATABASES."""
    database = connection.settings_dict
    arguments = [program]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if database.get(key):
            arguments += [option, str(database[key])]
    environment = dict(os.environ)
    if database.get("PASSWORD"):
        environment["PGPASSWORD"] = str(database["PASSWORD"])
    if database.get("OPTIONS", {}).get("sslmode"):
        environment["PGSSLMODE"] = str(database["OPTIONS"]["sslmode"])
    return arguments, environment


def _run(arguments: list[str], environment: dict[str, str]) -> None:
    try:
        subprocess.run(arguments, env=environment, check=True, capture_output=True,  # noqa: S603 (PostgreSQL's programs, our arguments)
                       text=True)
    except FileNotFoundError as error:
        raise BackupError(f"{arguments[0]} is not installed (PostgreSQL's client programs, "
                          "the postgresql-client package)") from error
    except subprocess.CalledProcessError as error:
        raise BackupError(f"{arguments[0]} failed: {error.stderr.strip()}") from error


# -- Backup ----------------------------------------------------------------------------------------

def _postgres_dump(folder: Path) -> tuple[dict[str, TableCount], set[str], list[list[str]]]:
    if connection.in_atomic_block:
        raise BackupError("a backup runs in a transaction of its own")
    arguments, environment = _postgres_command("pg_dump")
    with connection.cursor() as cursor:
        def rows(sql: str) -> Sequence[tuple[Any, ...]]:
            cursor.execute(sql)
            return cursor.fetchall()

        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        try:
            ((snapshot,),) = rows("SELECT pg_export_snapshot()")
            _run([*arguments, "--format=custom", f"--snapshot={snapshot}",
                  f"--file={folder / POSTGRES_DUMP}", str(connection.settings_dict["NAME"])],
                 environment)
            return _postgres_tables(rows), _file_references(rows), _migrations(rows)
        finally:
            cursor.execute("ROLLBACK")


def _sqlite_copy(folder: Path) -> tuple[dict[str, TableCount], set[str], list[list[str]]]:
    connection.ensure_connection()
    copy = sqlite3.connect(folder / SQLITE_COPY)
    try:
        connection.connection.backup(copy)

        def rows(sql: str) -> Sequence[tuple[Any, ...]]:
            return copy.execute(sql).fetchall()

        return _sqlite_tables(copy), _file_references(rows), _migrations(rows)
    finally:
        copy.close()


def _files_copy(source: Path, target: Path) -> dict[str, dict[str, Any]]:
    """Copy every file under `source` to `target`; each one's size and SHA-256, by its name
    relative to the folder (as rows name them)."""
    copied = {}
    for folder, _dirs, names in os.walk(source):
        for name in names:
            path = Path(folder) / name
            if path.is_symlink() or not path.is_file():
                continue
            relative = path.relative_to(source).as_posix()
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target / relative)
            copied[relative] = {"size": (target / relative).stat().st_size,
                                "sha256": _sha256(target / relative)}
    return dict(sorted(copied.items()))


def backup_name(when: Any, *, archive: bool) -> str:
    return f"backup-{when:%Y%m%d-%H%M%S}" + (".tar.gz" if archive else "")


def backup_write(destination: Path, *, archive: bool = False, keep: int | None = None) -> Path:
    """Write a backup. `destination` is a folder to make, an archive to write (ending in .tar or
    .tar.gz), or an existing folder that receives a backup named by its time (`archive`: as a
    .tar.gz), keeping the `keep` newest of those there."""
    engine = _engine()
    taken_at = timezone.now()
    into_folder = destination.is_dir()
    if into_folder:
        destination = destination / backup_name(taken_at, archive=archive)
    if destination.exists():
        raise BackupError(f"{destination} exists already: a backup never overwrites one")
    is_archive = destination.name.endswith(ARCHIVE_SUFFIXES)
    destination.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{destination.name}.", suffix=".partial",
                                 dir=destination.parent))
    try:
        if engine == "postgresql":
            tables, references, migrations = _postgres_dump(work)
            database_file = work / POSTGRES_DUMP
        else:
            tables, references, migrations = _sqlite_copy(work)
            database_file = work / SQLITE_COPY
        files = _files_copy(files_root(), work / FILES)
        manifest = {
            "format": FORMAT,
            "taken_at": taken_at.isoformat(),
            "engine": engine,
            "migrations": migrations,
            "database": {"file": database_file.name, "size": database_file.stat().st_size,
                         "sha256": _sha256(database_file)},
            "tables": {name: {"rows": count.rows, "checksum": count.checksum}
                       for name, count in tables.items()},
            "files": files,
            "missing_files": sorted(references - set(files)),
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        if is_archive:
            partial = work.with_name(work.name + ".tar")
            with tarfile.open(partial, "w:gz" if destination.name.endswith(("gz", "tgz"))
                              else "w") as tar:
                for path in sorted(work.rglob("*")):
                    tar.add(path, arcname=path.relative_to(work).as_posix(), recursive=False)
            partial.rename(destination)
        else:
            work.rename(destination)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    audit_record(event=AuditEntry.Event.BACKUP_TAKEN, organisation=None, detail={
        "tables": len(tables), "files": len(files), "name": destination.name})
    if into_folder and keep:
        backups_prune(destination.parent, keep=keep)
    return destination


def backups_prune(folder: Path, *, keep: int) -> list[Path]:
    """Delete all but the `keep` newest backups named by their time in `folder`."""
    backups = sorted((path for path in folder.glob("backup-*")
                      if not path.name.endswith(".partial")), key=lambda path: path.name)
    removed = backups[:-keep] if keep else []
    for path in removed:
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    return removed


# -- Restore ---------------------------------------------------------------------------------------

@contextmanager
def _opened(source: Path) -> Iterator[Path]:
    """The backup's folder: itself, or its archive unpacked into the data folder for the
    time of the restore."""
    if source.is_dir():
        yield source
        return
    if not source.is_file():
        raise BackupError(f"{source}: no such backup")
    with tempfile.TemporaryDirectory(prefix="restore-", dir=settings.DATA_DIR) as unpacked:
        try:
            with tarfile.open(source) as tar:
                tar.extractall(unpacked, filter="data")
        except (tarfile.TarError, EOFError, OSError) as error:
            raise BackupError(f"{source} is not a readable backup archive: {error}") from error
        yield Path(unpacked)


def _manifest(folder: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(f"{folder}: no readable {MANIFEST}: {error}") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(f"a backup of format {manifest.get('format')}; this release reads "
                          f"format {FORMAT}")
    return manifest


def backup_verify(folder: Path, manifest: dict[str, Any]) -> list[str]:
    """What in the backup does not match its manifest (a damaged or altered backup)."""
    problems = []
    database = manifest["database"]
    path = folder / database["file"]
    if not path.is_file() or _sha256(path) != database["sha256"]:
        problems.append(f"{database['file']}: missing or not what was written")
    for name, written in manifest["files"].items():
        path = folder / FILES / name
        if not path.is_file() or _sha256(path) != written["sha256"]:
            problems.append(f"{FILES}/{name}: missing or not what was written")
    return problems


def _unknown_migrations(manifest: dict[str, Any]) -> list[str]:
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    return [f"{app}.{name}" for app, name in manifest["migrations"] if (app, name) not in known]


def _database_tables() -> list[str]:
    with connection.cursor() as cursor:
        return connection.introspection.table_names(cursor)


def _loaded_tables() -> dict[str, TableCount]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            def rows(sql: str) -> Sequence[tuple[Any, ...]]:
                cursor.execute(sql)
                return cursor.fetchall()
            return _postgres_tables(rows)
    connection.close()
    database = sqlite3.connect(connection.settings_dict["NAME"])
    try:
        return _sqlite_tables(database)
    finally:
        database.close()


def _load(folder: Path, manifest: dict[str, Any]) -> None:
    path = folder / manifest["database"]["file"]
    if manifest["engine"] == "postgresql":
        arguments, environment = _postgres_command("pg_restore")
        _run([*arguments, "--no-owner", "--no-privileges", "--exit-on-error",
              "--single-transaction", f"--dbname={connection.settings_dict['NAME']}", str(path)],
             environment)
        return
    connection.close()
    source, target = sqlite3.connect(path), sqlite3.connect(connection.settings_dict["NAME"])
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


def backup_restore(source: Path, *, say: Callable[[str], None] = lambda line: None) -> Restored:
    """Restore a backup into this configuration's empty database and empty files folder (see
    the module's docstring); `say` hears each step."""
    engine = _engine()
    root = files_root()
    with _opened(source) as folder:
        manifest = _manifest(folder)
        if manifest["engine"] != engine:
            raise BackupError(f"a backup of a {manifest['engine']} database cannot be restored "
                              f"into {engine}")
        problems = backup_verify(folder, manifest)
        if problems:
            raise BackupError("the backup is damaged; nothing was restored:\n  "
                              + "\n  ".join(problems))
        unknown = _unknown_migrations(manifest)
        if unknown:
            raise BackupError("the backup comes from a later release (migrations this one "
                              f"does not have: {', '.join(unknown[:5])}); nothing was restored")
        tables = _database_tables()
        if tables:
            raise BackupError(f"the database is not empty ({len(tables)} tables): restore into "
                              "a new, empty database; nothing was restored")
        if root.exists() and any(path.is_file() for path in root.rglob("*")):
            raise BackupError(f"the files folder {root} is not empty: restore into an empty "
                              "one; nothing was restored")
        say(f"backup of {manifest['taken_at']}: checksums verified")
        _load(folder, manifest)
        copied = _files_copy(folder / FILES, root)
        if {name: written["sha256"] for name, written in copied.items()} != {
                name: written["sha256"] for name, written in manifest["files"].items()}:
            raise BackupError(f"the files copied into {root} differ from the backup's")
    loaded = _loaded_tables()
    expected = {name: TableCount(**count) for name, count in manifest["tables"].items()}
    different = sorted(name for name in expected.keys() | loaded.keys()
                       if expected.get(name) != loaded.get(name))
    if different:
        raise BackupError("the restored tables differ from the backup's: "
                          + ", ".join(different))
    restored = Restored(tables=len(loaded), rows=sum(count.rows for count in loaded.values()),
                        files=len(copied))
    say(f"restored {restored.tables} tables ({restored.rows} rows) and {restored.files} files; "
        "every table's rows and every file match the backup")
    call_command("migrate", interactive=False, verbosity=0)
    restored.erasures, restored.unreadable_ledger_lines = erasures_reapply()
    return restored
