"""A scratch database for `make bench`, beside the one DATABASE_URL names: on the same
PostgreSQL server when it is PostgreSQL (so that the benchmarks measure PostgreSQL), else a
SQLite file in the data folder. `create` prints its URL (for DATABASE_URL); `drop` removes it.

Never the person's own data: the scratch database is never the configured one, and one that
already exists is dropped only if it holds nothing but what a benchmark leaves (the "bench"
organisation); otherwise both refuse."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connection, connections

BENCH_SLUG = "bench"  # the organisation every benchmark makes (config/bench.py and the others)


class Command(BaseCommand):
    help = "Creates (printing its DATABASE_URL) or drops a scratch database for the benchmarks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["create", "drop"])
        parser.add_argument(
            "--name", default="mentoring_bench",
            help="the scratch database's name (PostgreSQL) or file stem (SQLite, in the data "
                 "folder)")

    def handle(self, *args: object, **options: Any) -> None:
        name = options["name"]
        postgres = connection.vendor == "postgresql"
        if postgres and name == connection.settings_dict["NAME"]:
            raise CommandError(f"{name} is the configured database: the benchmarks use a "
                               f"scratch one of their own.")
        if not postgres and str(self._file(name)) == str(connection.settings_dict["NAME"]):
            raise CommandError(f"{self._file(name)} is the configured database.")
        exists = self._exists(name, postgres)
        if exists and not self._only_bench_data(name, postgres):
            raise CommandError(f"The database {name} exists and holds data that no benchmark "
                               f"made: it is left alone. Name another one (--name).")
        if exists:
            self._drop(name, postgres)
        if options["action"] == "create":
            if postgres:
                with connection._nodb_cursor() as cursor:
                    cursor.execute(f'CREATE DATABASE "{name}"')
            self.stdout.write(self._url(name, postgres))

    # -- where --------------------------------------------------------------------------------

    @staticmethod
    def _file(name: str) -> Path:
        return Path(settings.DATA_DIR) / f"{name}.sqlite3"

    def _url(self, name: str, postgres: bool) -> str:
        if not postgres:
            return f"sqlite:///{self._file(name)}"
        db = connection.settings_dict
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        return f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{name}"

    def _exists(self, name: str, postgres: bool) -> bool:
        if not postgres:
            return self._file(name).exists()
        with connection._nodb_cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            return cursor.fetchone() is not None

    def _drop(self, name: str, postgres: bool) -> None:
        if not postgres:
            self._file(name).unlink()
            return
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _only_bench_data(self, name: str, postgres: bool) -> bool:
        """Whether the existing scratch database holds nothing but a benchmark's rows: no
        organisation but the benchmarks', and no person without one."""
        scratch = type(connections[DEFAULT_DB_ALIAS])(
            {**connection.settings_dict,
             "NAME": name if postgres else str(self._file(name))}, alias="bench_scratch")
        try:
            tables = set(scratch.introspection.table_names())
            with scratch.cursor() as cursor:
                slugs = set()
                if "programmes_organisation" in tables:
                    cursor.execute("SELECT slug FROM programmes_organisation")
                    slugs = {row[0] for row in cursor.fetchall()}
                people = 0
                if "participants_user" in tables:
                    cursor.execute("SELECT COUNT(*) FROM participants_user")
                    people = cursor.fetchone()[0]
        finally:
            scratch.close()
        if slugs - {BENCH_SLUG}:
            return False
        return bool(slugs) or people == 0
