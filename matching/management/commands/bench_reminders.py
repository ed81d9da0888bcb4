"""Times the reminder scan and the sending of reminders at 100, 10,000 and 100,000 active
pairings, each figure next to its goal: `make bench` runs it on a scratch database of its own
(PostgreSQL when DATABASE_URL points to one, else SQLite; it refuses a database that has data).

The scan's baseline is a plain read of its input tables (pairings, plans, visits, meetings,
reports and reminders, every row), measured in the same run: recomputing every pairing's
compliance cannot be cheaper than reading what it is computed from."""

import random
import time
from datetime import UTC, date, datetime, timedelta

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, reset_queries, transaction
from django.test.utils import CaptureQueriesContext, override_settings

from matching.meetings.services import compliance_keep
from matching.models import (
    ActivityPlan,
    Meeting,
    Pairing,
    PairingCompliance,
    PlannedVisit,
    Reminder,
)
from matching.reminders.services import reminders_plan, reminders_send
from participants.models import User
from programmes.models import Organisation, Project

SIZES = (100, 10_000, 100_000)
START = date(2027, 1, 15)
SCAN_AT = datetime(2027, 5, 9, 9, tzinfo=UTC)
SCAN_GOAL_SECONDS, SCAN_GOAL_RATIO, SEND_GOAL_QUERIES = 10.0, 3.0, 2.0
SEND_SIZES = (20, 200)  # reminders sent in the two batches whose query counts are compared
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


class Command(BaseCommand):
    help = "Times the reminder scan and sending at 100, 10,000 and 100,000 active pairings."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sizes", default=",".join(map(str, SIZES)),
                            help="numbers of active pairings, comma-separated")

    def handle(self, *args: object, **options: object) -> None:
        sizes = [int(size) for size in str(options["sizes"]).split(",")]
        if User.objects.exists() or Organisation.objects.exists():
            raise CommandError("This database has data: run the benchmark on a scratch one "
                               "(make bench does).")
        self.stdout.write(
            f"Reminder scan on {connection.vendor}, plans starting on every day of the month "
            f"(goal at 100,000: at most {SCAN_GOAL_SECONDS:.0f} s and at most "
            f"{SCAN_GOAL_RATIO:.0f}x the plain read of its input tables):")
        made = 0
        for size in sizes:
            organisation = self._grow(made, size)
            made = size
            # Yesterday, as the services and the scans left it: every pairing's compliance kept,
            # the reminders then due planned.
            PairingCompliance.unscoped.all().delete()
            Reminder.unscoped.all().delete()
            started = time.perf_counter()
            compliance_keep(organisation=organisation,
                            pairing_ids=Pairing.objects.for_org(organisation)
                            .values_list("pk", flat=True), today=SCAN_AT.date() - timedelta(1))
            everyone = time.perf_counter() - started
            reminders_plan(now=SCAN_AT - timedelta(days=1))
            connection.cursor().execute("ANALYZE")
            baseline = self._plain_read()
            started = time.perf_counter()
            offered = reminders_plan(now=SCAN_AT)
            first = time.perf_counter() - started
            moved = PairingCompliance.unscoped.filter(checked_on=SCAN_AT.date()).count()
            started = time.perf_counter()
            reminders_plan(now=SCAN_AT + timedelta(hours=1))
            again = time.perf_counter() - started
            verdict = ""
            if size == 100_000:
                met = first <= SCAN_GOAL_SECONDS and first <= SCAN_GOAL_RATIO * baseline
                verdict = "  goal met" if met else "  GOAL MISSED"
            self.stdout.write(
                f"  {size:>7,} pairings: first scan of the day {first:6.2f} s ({moved:,} "
                f"pairings' day had come, {offered:,} reminders planned), plain read "
                f"{baseline:5.2f} s, ratio {first / baseline:4.1f}x (goal <= "
                f"{SCAN_GOAL_RATIO:.0f}x); next hourly scan {again:5.2f} s{verdict}")
            self.stdout.write(
                f"  {'':>7}           every pairing's compliance recomputed (the day a whole "
                f"cohort's month turns at once): {everyone:6.2f} s, {everyone / baseline:4.1f}x "
                f"the plain read")
        self._sending()

    def _plain_read(self) -> float:
        # Reports are the layer above's: the registry names their model without importing it.
        report = apps.get_model("reporting", "Report")
        tables = [model._meta.db_table for model in (Pairing, ActivityPlan, PlannedVisit,
                                                      Meeting, report, Reminder)]
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
                cursor.fetchall()
        return time.perf_counter() - started

    def _sending(self) -> None:
        """Queries of sending two batches of the reminders the scan planned: the difference
        over the difference in reminders is what each reminder costs, whatever the batch's
        constant part (the claim, the audit entries)."""
        counts = []
        memory = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
        with override_settings(MAILERS=memory):
            for size in SEND_SIZES:
                reset_queries()  # a DEBUG run logs at most 9,000: the count must start empty
                with CaptureQueriesContext(connection) as captured:
                    sent = reminders_send(now=SCAN_AT, limit=size)
                # BEGIN and COMMIT are not queries (PostgreSQL's driver logs them too).
                counts.append((sent, sum(not query["sql"].startswith(TRANSACTION_CONTROL)
                                         for query in captured)))
        (small, small_queries), (large, large_queries) = counts
        per_reminder = (large_queries - small_queries) / (large - small)
        verdict = "goal met" if per_reminder <= SEND_GOAL_QUERIES else "GOAL MISSED"
        self.stdout.write(
            f"Sending: {small} reminders in {small_queries} queries, {large} in {large_queries}: "
            f"{per_reminder:.1f} queries a reminder (goal <= {SEND_GOAL_QUERIES:.0f}) {verdict}")

    @transaction.atomic
    def _grow(self, start: int, stop: int) -> Organisation:
        rng = random.Random(start)  # noqa: S311 (reproducible data, not secrets)
        organisation, _ = Organisation.objects.get_or_create(
            slug="bench", defaults={"name": "Bench", "short_name": "Bench"})
        project, _ = Project.objects.get_or_create(organisation=organisation, slug="bench",
                                                   defaults={"name": "Bench"})
        users = User.objects.bulk_create(
            # "!" is Django's mark of an unusable password: nobody signs in as these.
            [User(email=f"person{n}@bench.example", full_name=f"Person {n}",
                  password="!")  # noqa: S106
             for n in range(2 * start, 2 * stop)], batch_size=5000)
        pairings = Pairing.objects.bulk_create(
            [Pairing(organisation=organisation, project=project, status=Pairing.Status.ACTIVE,
                     mentee=users[2 * i], mentor=users[2 * i + 1])
             for i in range(stop - start)], batch_size=5000)
        # Pairings start on every day of a month, as a cohort paired over weeks does: each day,
        # the pairings whose month or period turns that day are the ones the scan recomputes.
        plans = ActivityPlan.objects.bulk_create(
            [ActivityPlan(organisation=organisation, pairing=pairing, version=1,
                          objectives="Bench", start=START + timedelta(days=n % 28),
                          duration_months=12, status=ActivityPlan.Status.APPROVED)
             for n, pairing in enumerate(pairings, start=start)], batch_size=5000)
        PlannedVisit.objects.bulk_create(
            [PlannedVisit(organisation=organisation, plan=plan,
                          day=plan.start + timedelta(days=50), place="Rabat", funded=True)
             for plan in plans], batch_size=5000)
        meetings = []
        for plan in plans:
            for month in range(4):  # most keep some months, some miss them
                if rng.random() < 0.8:
                    meetings.append(Meeting(
                        organisation=organisation, pairing_id=plan.pairing_id,
                        kind=Meeting.Kind.ONLINE,
                        day=plan.start + timedelta(days=30 * month + 5), duration_minutes=60,
                        topics="Bench", logged_by_id=plan.pairing.mentee_id))
        Meeting.objects.bulk_create(meetings, batch_size=5000)
        return organisation
