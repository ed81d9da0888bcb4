"""Times the pages a coordinator of a national scheme reads, at 100 and 10,000 active pairings,
side by side with yardsticks measured in the same run: Django's admin changelist of the same
pairings (25 rows, the same columns, list_select_related; a site of the benchmark's own,
config/bench_admin.py) and the raw SQL fetch of the same rows. Then the CSV and XLSX exports
against a hand-written fetch of every row and column the pairings export writes, and
requests per second under a bounded load
(gunicorn, production settings) of the pairing list against the sign-in page.

Each figure is printed next to its goal (issue 13) as a ratio. Runs on a scratch database only
(`manage.py bench_database create`; make bench does): it refuses a database that has data."""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from config import bench_admin, bench_load
from config.bench import BenchData, DatabaseHasData, bench_data_build, bench_data_grow
from matching.models import ActivityPlan, ExchangeRate, Meeting, Pairing, PlannedVisit
from participants.models import Application, User
from programmes.models import Country, Project, ThematicArea
from reporting import exports
from reporting.models import Export

SIZES = (100, 10_000)
PAGE_ROUNDS = 9
EXPORT_ROUNDS = 3
LOAD_SECONDS = 5.0
LOAD_ROUNDS = 2


@dataclass
class Timed:
    seconds: float
    queries: int | None = None

    @property
    def ms(self) -> str:
        return f"{self.seconds * 1000:8.1f} ms"


class Command(BaseCommand):
    help = ("Times the pairing list, compliance table, dashboard, exports and the list under "
            "load at 100 and 10,000 pairings, against the admin and raw SQL (scratch database).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
        parser.add_argument("--no-load", action="store_true", help="skip the load on gunicorn")
        parser.add_argument("--load-seconds", type=float, default=LOAD_SECONDS)

    def handle(self, *args: object, **options: Any) -> None:
        try:
            bench = bench_data_build(pairings=0)
        except DatabaseHasData as error:
            raise CommandError(str(error)) from error
        bench_admin.PairingAdmin.project = bench.project
        self.stdout.write(f"Pages, exports and load on {connection.vendor} "
                          f"(median of interleaved runs; ratio to the yardstick, goal after /):")
        for size in options["sizes"]:
            started = time.perf_counter()
            bench_data_grow(bench, size)
            self.stdout.write(f"\n{size:,} active pairings (built in "
                              f"{time.perf_counter() - started:.1f} s)")
            # As a deployment runs: no debug cursor, the bench admin beside the app's URLs.
            with override_settings(DEBUG=False, ROOT_URLCONF="config.bench_admin",
                                   ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
                self._pages(bench)
                self._exports(bench)
            if not options["no_load"]:
                self._load(bench, options["load_seconds"])

    # -- pages ---------------------------------------------------------------------------------

    def _pages(self, bench: BenchData) -> None:
        coordinator, admin = Client(), Client()
        coordinator.force_login(bench.coordinator)
        admin.force_login(bench.admin)
        slug, project = bench.organisation.slug, bench.project.slug
        pages: dict[str, Callable[[], object]] = {
            "pairing list": _page(coordinator, f"/{slug}/pairings/"),
            "compliance table": _page(coordinator, f"/{slug}/projects/{project}/compliance/"),
            "project dashboard": _page(coordinator, f"/{slug}/projects/{project}/dashboard/"),
            # What the dashboard asks for once shown (htmx): its visit budget and outcomes.
            "dashboard budget, outcomes": _sections(
                coordinator, f"/{slug}/projects/{project}/dashboard/", ["budget", "outcomes"]),
            "admin changelist": _page(admin, bench_admin.URL),
            "raw SQL, 25 rows": lambda: _raw_rows(bench.project, limit=25),
        }
        times = _interleaved(pages, PAGE_ROUNDS)
        admin_time = times["admin changelist"].seconds
        raw_time = times["raw SQL, 25 rows"].seconds
        goals = {"pairing list": 1.0, "compliance table": 2.0, "project dashboard": 2.0,
                 "dashboard budget, outcomes": 2.0}
        for name, timed in times.items():
            line = f"  {name:<26} {timed.ms}"
            if timed.queries is not None:
                line += f", {timed.queries:>2} queries"
            else:
                line += " " * 12
            if name in goals:
                ratio = timed.seconds / admin_time
                line += (f"   {ratio:5.2f}x admin / <={goals[name]:g}x "
                         f"{'met' if ratio <= goals[name] else 'MISSED'}"
                         f"   ({timed.seconds / raw_time:5.1f}x raw SQL)")
            elif name == "admin changelist":
                line += f"   ({timed.seconds / raw_time:5.1f}x raw SQL)"
            self.stdout.write(line)

    # -- exports -------------------------------------------------------------------------------

    def _exports(self, bench: BenchData) -> None:
        made = {format: Export.objects.create(
            organisation=bench.organisation, project=bench.project,
            requested_by=bench.coordinator, kind=Export.Kind.PAIRINGS, format=format,
            params={"language": "en"}) for format in (Export.Format.CSV, Export.Format.XLSX)}
        jobs: dict[str, Callable[[], object]] = {
            f"{format.upper()} export": partial(_built, export) for format, export in made.items()}
        # The dashboard's donor indicators (one of each kind over a year) read every pairing,
        # as an export does: against the same yardstick.
        coordinator = Client()
        coordinator.force_login(bench.coordinator)
        jobs["donor indicators"] = _sections(
            coordinator, f"/{bench.organisation.slug}/projects/{bench.project.slug}/dashboard/",
            ["indicators"])
        jobs["raw SQL, all rows"] = lambda: _raw_export_rows(bench.project)
        times = _interleaved(jobs, EXPORT_ROUNDS)
        raw_time = times["raw SQL, all rows"].seconds
        goals = {"CSV export": 5.0, "XLSX export": 15.0, "donor indicators": 3.0}
        for name, timed in times.items():
            line = f"  {name:<26} {timed.ms}"
            if name in goals:
                ratio = timed.seconds / raw_time
                line += (f"{'':12}   {ratio:5.2f}x raw SQL / <={goals[name]:g}x "
                         f"{'met' if ratio <= goals[name] else 'MISSED'}")
            self.stdout.write(line)
        Export.objects.for_org(bench.organisation).filter(
            pk__in=[export.pk for export in made.values()]).delete()

    # -- load ----------------------------------------------------------------------------------

    def _load(self, bench: BenchData, seconds: float) -> None:
        client = Client()
        client.force_login(bench.coordinator)
        name = settings.SESSION_COOKIE_NAME
        cookie = f"{name}={client.cookies[name].value}"
        database = connection.settings_dict
        if connection.vendor == "sqlite":
            database_url = f"sqlite:///{database['NAME']}"
        else:
            database_url = (f"postgres://{database['USER']}:{database['PASSWORD']}@"
                            f"{database['HOST']}:{database['PORT']}/{database['NAME']}")
        connection.close()  # SQLite: let the workers read without our transaction around
        list_path = f"/{bench.organisation.slug}/pairings/"
        totals = {"pairing list": bench_load.Load(0, 0, 0.0),
                  "sign-in page": bench_load.Load(0, 0, 0.0)}
        with bench_load.server(database_url=database_url,
                               redis_url=settings.REDIS_URL,
                               secret_key=settings.SECRET_KEY) as port:
            if bench_load.get(port, list_path, cookie) != 200:
                raise CommandError("The pairing list did not answer 200 under gunicorn.")
            for path, with_cookie in ((list_path, cookie), ("/accounts/login/", "")):
                bench_load.hammer(port, path, seconds=1, cookie=with_cookie)  # warm up
            for _ in range(LOAD_ROUNDS):
                for name, path, with_cookie in (("pairing list", list_path, cookie),
                                                ("sign-in page", "/accounts/login/", "")):
                    load = bench_load.hammer(port, path, seconds=seconds, cookie=with_cookie)
                    total = totals[name]
                    totals[name] = bench_load.Load(total.requests + load.requests,
                                                   total.errors + load.errors,
                                                   total.seconds + load.seconds)
        listed, sign_in = totals["pairing list"], totals["sign-in page"]
        ratio = listed.per_second / sign_in.per_second
        self.stdout.write(
            f"  under load ({bench_load.WORKERS} gunicorn workers, {bench_load.THREADS} "
            f"clients, {LOAD_ROUNDS}x{seconds:g} s each): pairing list "
            f"{listed.per_second:6.1f} req/s, sign-in page {sign_in.per_second:6.1f} req/s"
            f"   {ratio:5.2f}x sign-in / >=0.25x {'met' if ratio >= 0.25 else 'MISSED'}"
            + (f"   ({listed.errors + sign_in.errors} errors)"
               if listed.errors + sign_in.errors else ""))


def _page(client: Client, url: str) -> Callable[[], object]:
    def get() -> object:
        response = client.get(url)
        if response.status_code != 200:
            raise CommandError(f"{url} answered {response.status_code}")
        return response
    return get


def _sections(client: Client, url: str, sections: list[str]) -> Callable[[], object]:
    """The parts of a page it asks for once shown (htmx), one after the other."""
    def get() -> object:
        for section in sections:
            response = client.get(url, {"section": section}, headers={"HX-Request": "true"})
            if response.status_code != 200:
                raise CommandError(f"{url}?section={section} answered {response.status_code}")
        return None
    return get


def _interleaved(jobs: dict[str, Callable[[], object]], rounds: int) -> dict[str, Timed]:
    """Each job once per round, in turn, after one untimed run (warm caches); the median of
    each, and the queries of one run."""
    queries = {}
    for name, job in jobs.items():
        with CaptureQueriesContext(connection) as captured:
            job()
        queries[name] = len(captured) if not name.startswith("raw SQL") else None
    samples: dict[str, list[float]] = {name: [] for name in jobs}
    for _ in range(rounds):
        for name, job in jobs.items():
            started = time.perf_counter()
            job()
            samples[name].append(time.perf_counter() - started)
    return {name: Timed(statistics.median(times), queries[name] if "export" not in name
                        else None) for name, times in samples.items()}


def _built(export: Export) -> None:
    """Builds the export as its worker does; whatever `build` returns (bytes or a stream), it
    is read to the end."""
    result: Any = exports.build(export, lambda per_cent: None)
    content = result[0] if isinstance(result, tuple) else result
    if hasattr(content, "read"):
        while content.read(1 << 20):
            pass
    elif not isinstance(content, bytes | str):
        for _ in content:
            pass


def _tables() -> dict[type, str]:
    return {model: model._meta.db_table for model in (
        Pairing, User, Application, Country, ThematicArea, Project, ActivityPlan, Meeting,
        PlannedVisit, ExchangeRate)}


# The countries of both applications and the mentee's thematic area, for the queries below.
APPLICATION_JOINS = """
        LEFT JOIN {Application} ma ON ma.id = p.mentee_application_id
        LEFT JOIN {Country} mentee_country ON mentee_country.code = ma.country_id
        LEFT JOIN {ThematicArea} area ON area.id = ma.thematic_area_id
        LEFT JOIN {Application} mo ON mo.id = p.mentor_application_id
        LEFT JOIN {Country} mentor_country ON mentor_country.code = mo.country_id""".format(
    **{model.__name__: model._meta.db_table for model in (Application, Country, ThematicArea)})


def _raw_rows(project: Project, *, limit: int | None) -> list[tuple]:
    """The pairing list's columns, in one hand-written query: what the database alone
    costs."""
    table = _tables()
    order = "p.created_at DESC, p.id DESC LIMIT 25" if limit else "p.id"
    sql = f"""
        SELECT p.id, p.status, p.overridden, mentee.full_name, mentor.full_name, pr.name,
               mentee_country.name, mentor_country.name, area.name
        FROM {table[Pairing]} p
        JOIN {table[User]} mentee ON mentee.id = p.mentee_id
        JOIN {table[User]} mentor ON mentor.id = p.mentor_id
        JOIN {table[Project]} pr ON pr.id = p.project_id
        {APPLICATION_JOINS}
        WHERE p.organisation_id = %s AND p.project_id = %s
        ORDER BY {order}"""  # noqa: S608 (table names from the models, values as parameters)
    with connection.cursor() as cursor:
        cursor.execute(sql, [project.organisation_id, project.pk])
        return cursor.fetchall()


def _raw_export_rows(project: Project) -> list[tuple]:
    """Every row and column of the pairings export, in one hand-written query: the names and
    countries, the start (the latest approved plan's, else the day the pairing was proposed,
    in the current time zone) and the meetings held, counted in one grouped pass. What the
    export's data costs the database alone, with no file written."""
    table = _tables()
    if connection.vendor == "postgresql":
        proposed = "(p.created_at AT TIME ZONE %s)::date"
    else:  # SQLite: the function Django registers for the same conversion
        proposed = "django_datetime_cast_date(p.created_at, %s, 'UTC')"
    sql = f"""
        SELECT p.id, p.status, mentor.full_name, mentor_country.name, mentee.full_name,
               mentee_country.name, area.name,
               COALESCE((SELECT plan.start FROM {table[ActivityPlan]} plan
                         WHERE plan.organisation_id = p.organisation_id
                           AND plan.pairing_id = p.id AND plan.status = 'approved'
                         ORDER BY plan.version DESC LIMIT 1), {proposed}),
               COALESCE(held.n, 0)
        FROM {table[Pairing]} p
        JOIN {table[User]} mentee ON mentee.id = p.mentee_id
        JOIN {table[User]} mentor ON mentor.id = p.mentor_id
        {APPLICATION_JOINS}
        LEFT JOIN (SELECT pairing_id, COUNT(*) AS n FROM {table[Meeting]}
                   WHERE organisation_id = %s GROUP BY pairing_id) held ON held.pairing_id = p.id
        WHERE p.organisation_id = %s AND p.project_id = %s
        ORDER BY p.id"""  # noqa: S608 (table names from the models, values as parameters)
    with connection.cursor() as cursor:
        cursor.execute(sql, [timezone.get_current_timezone_name(), project.organisation_id,
                             project.organisation_id, project.pk])
        rows = cursor.fetchall()
    money = _raw_money(project)
    return [(*row, *money.get(row[0], (Decimal("0.00"), None, Decimal("0.00"),
                                       project.budget_currency, None))) for row in rows]


def _cents(value: object) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _raw_money(project: Project) -> dict[int, tuple]:
    """The export's visit budget columns of each pairing, in three hand-written queries (the
    latest rates, the latest plans' funded estimates, the claims) and the budget's own rules:
    planned, claimed per currency, approved in the budget's currency, what no rate converts."""
    table = _tables()
    org, pk = project.organisation_id, project.pk
    with connection.cursor() as cursor:
        cursor.execute(f"""
            SELECT currency, rate FROM {table[ExchangeRate]}
            WHERE organisation_id = %s AND project_id = %s
            ORDER BY currency, created_at DESC, id DESC""", [org, pk])  # noqa: S608
        rates: dict[str, Decimal] = {}
        for currency, rate in cursor.fetchall():
            rates.setdefault(currency, Decimal(str(rate)))
        rates[project.budget_currency] = Decimal(1)
        cursor.execute(f"""
            SELECT plan.pairing_id, v.estimated_cost FROM {table[PlannedVisit]} v
            JOIN {table[ActivityPlan]} plan ON plan.id = v.plan_id
            JOIN {table[Pairing]} p ON p.id = plan.pairing_id
            WHERE v.organisation_id = %s AND p.project_id = %s AND v.funded
              AND v.estimated_cost IS NOT NULL
              AND plan.version = (SELECT MAX(later.version) FROM {table[ActivityPlan]} later
                                  WHERE later.organisation_id = plan.organisation_id
                                    AND later.pairing_id = plan.pairing_id)""",  # noqa: S608
                       [org, pk])
        planned: dict[int, Decimal] = {}
        for pairing_id, cost in cursor.fetchall():
            planned[pairing_id] = planned.get(pairing_id, Decimal("0.00")) + _cents(cost)
        cursor.execute(f"""
            SELECT m.pairing_id, m.cost_currency, m.claim_status, m.cost_amount,
                   m.approved_amount
            FROM {table[Meeting]} m JOIN {table[Pairing]} p ON p.id = m.pairing_id
            WHERE m.organisation_id = %s AND p.project_id = %s AND m.funded
              AND m.cost_amount IS NOT NULL
            ORDER BY m.day, m.id""", [org, pk])  # noqa: S608
        claims = cursor.fetchall()
    claimed: dict[int, dict[str, Decimal]] = {}
    approved: dict[int, Decimal] = {}
    unconverted: dict[int, dict[str, Decimal]] = {}
    for pairing_id, currency, status, amount, approved_amount in claims:
        currency = currency or project.budget_currency
        own = claimed.setdefault(pairing_id, {})
        own[currency] = own.get(currency, Decimal("0.00")) + _cents(amount)
        if status == "refused":
            continue
        counted = _cents(approved_amount if status in ("approved", "adjusted")
                         and approved_amount is not None else amount)
        if currency not in rates:
            lost = unconverted.setdefault(pairing_id, {})
            lost[currency] = lost.get(currency, Decimal("0.00")) + counted
        elif status in ("approved", "adjusted"):
            approved[pairing_id] = approved.get(pairing_id, Decimal("0.00")) + (
                counted * rates[currency]).quantize(Decimal("0.01"), ROUND_HALF_UP)

    def by_currency(amounts: dict[str, Decimal] | None) -> str | None:
        return "; ".join(f"{amount} {currency}" for currency, amount in sorted(
            (amounts or {}).items())) or None

    return {pairing_id: (planned.get(pairing_id, Decimal("0.00")),
                         by_currency(claimed.get(pairing_id)),
                         approved.get(pairing_id, Decimal("0.00")), project.budget_currency,
                         by_currency(unconverted.get(pairing_id)))
            for pairing_id in {*planned, *claimed}}
