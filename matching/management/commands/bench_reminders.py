"""Times the reminder scan on growing numbers of active pairings: `make bench` runs it on a
scratch SQLite database of its own (never on yours: it refuses a database that has data)."""

import random
import time
from datetime import UTC, date, datetime, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from matching.models import ActivityPlan, Meeting, Pairing, PlannedVisit, Reminder
from matching.reminders.services import reminders_plan
from participants.models import User
from programmes.models import Organisation, Project

SIZES = (10_000, 100_000)
START = date(2027, 1, 15)


class Command(BaseCommand):
    help = "Times the reminder scan at 10,000 and 100,000 active pairings (scratch database)."

    def handle(self, *args: object, **options: object) -> None:
        if User.objects.exists() or Organisation.objects.exists():
            raise CommandError("This database has data: run the benchmark on a scratch one "
                               "(make bench does).")
        made = 0
        self.stdout.write("Reminder scan, on a day when most pairings owe something:")
        for size in SIZES:
            self._grow(made, size)
            made = size
            now = datetime(2027, 5, 9, 9, tzinfo=UTC)
            Reminder.unscoped.all().delete()
            started = time.perf_counter()
            offered = reminders_plan(now=now)
            first = time.perf_counter() - started
            started = time.perf_counter()
            reminders_plan(now=now + timedelta(hours=1))
            again = time.perf_counter() - started
            self.stdout.write(
                f"  {size:>7,} active pairings: first scan {first:6.2f} s "
                f"({offered:,} reminders planned), next hourly scan {again:6.2f} s"
            )

    @transaction.atomic
    def _grow(self, start: int, stop: int) -> None:
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
        plans = ActivityPlan.objects.bulk_create(
            [ActivityPlan(organisation=organisation, pairing=pairing, version=1,
                          objectives="Bench", start=START, duration_months=12,
                          status=ActivityPlan.Status.APPROVED) for pairing in pairings],
            batch_size=5000)
        PlannedVisit.objects.bulk_create(
            [PlannedVisit(organisation=organisation, plan=plan, day=START + timedelta(days=50),
                          place="Rabat", funded=True) for plan in plans], batch_size=5000)
        meetings = []
        for pairing in pairings:
            for month in range(4):  # most keep some months, some miss them
                if rng.random() < 0.8:
                    meetings.append(Meeting(
                        organisation=organisation, pairing=pairing, kind=Meeting.Kind.ONLINE,
                        day=START + timedelta(days=30 * month + 5), duration_minutes=60,
                        topics="Bench", logged_by_id=pairing.mentee_id))
        Meeting.objects.bulk_create(meetings, batch_size=5000)
        if connection.vendor == "sqlite":
            connection.cursor().execute("ANALYZE")
