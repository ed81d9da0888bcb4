"""Times the import of a file of 10,000 pairings under way: its check (the preview, in the web
request) and the import itself (in the worker, one transaction), each figure next to its goal.
`make bench` runs it on a scratch database of its own (PostgreSQL when DATABASE_URL points to
one, else SQLite; it refuses a database that has data)."""

import csv
import io
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from guardian.shortcuts import assign_perm

from matching.imports.check import COLUMNS
from matching.imports.importer import import_run
from matching.imports.services import import_upload
from matching.models import Pairing, ProgrammeImport
from participants.models import Membership, Role, User
from participants.selectors import actor_for
from programmes.access import COORDINATE
from programmes.models import Country, Organisation, Project, ThematicArea

SIZE = 10_000
# Goals as ratios to yardsticks timed in the same run: the preview against reading the same
# file with the csv library alone; the import against writing its people alone (two accounts a
# pairing, in one bulk insert), the least any import of these pairings must do.
PREVIEW_GOAL_RATIO, IMPORT_GOAL_RATIO = 100.0, 60.0


class _RolledBack(Exception):
    pass


def people_written(size: int) -> float:
    """Seconds to bulk-insert the accounts of `size` pairings, then undone."""
    started = time.perf_counter()
    try:
        with transaction.atomic():
            User.objects.bulk_create(
                [User(email=f"yardstick{n}@police.example", full_name=f"Yardstick {n}")
                 for n in range(2 * size)], batch_size=1000)
            elapsed = time.perf_counter() - started
            raise _RolledBack
    except _RolledBack:
        return elapsed


def file_read(content: bytes) -> float:
    """Seconds to read the file's rows with the csv library alone."""
    started = time.perf_counter()
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    if not rows:
        raise CommandError("The bench's file is empty.")
    return time.perf_counter() - started


def cohort(size: int) -> bytes:
    """A CSV of `size` pairings started on the first of the month, six months ago."""
    start = timezone.localdate().replace(day=1)
    start = start.replace(year=start.year - (start.month <= 6),
                          month=(start.month - 7) % 12 + 1)
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow([str(label) for _key, label, _required in COLUMNS])
    writer.writerows([f"mentee{n}@police.ma", f"Mentee {n}", "MA", f"mentor{n}@police.fr",
                      f"Mentor {n}", "FR", "Financial crime", "fr, en", start.isoformat(),
                      "12", "1"] for n in range(size))
    return text.getvalue().encode("utf-8-sig")


class Command(BaseCommand):
    help = "Times the preview and the import of a file of 10,000 pairings under way."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", type=int, default=SIZE, help="pairings in the file")

    def handle(self, *args: object, **options: object) -> None:
        size = int(str(options["size"]))
        if User.objects.exists() or Organisation.objects.exists():
            raise CommandError("This database has data: run the benchmark on a scratch one "
                               "(make bench does).")
        organisation = Organisation.objects.create(name="Bench Police College",
                                                   short_name="Bench", slug="bench")
        project = Project.objects.create(organisation=organisation, name="National scheme",
                                         slug="national")
        ThematicArea.objects.create(organisation=organisation, project=project,
                                    name="Financial crime")
        for code, name in (("MA", "Morocco"), ("FR", "France")):
            Country.objects.get_or_create(code=code, defaults={"name": name})
        coordinator = User.objects.create_user("coordinator@bench.test", None,
                                               full_name="Bench Coordinator")
        Membership.objects.create(organisation=organisation, user=coordinator,
                                  role=Role.COORDINATOR)
        assign_perm(COORDINATE, coordinator, project)
        actor = actor_for(user=coordinator, organisation=organisation)
        if actor is None:
            raise CommandError("The bench's coordinator is no member of its organisation.")
        content = cohort(size)
        read, people = file_read(content), people_written(size)
        self.stdout.write(f"Import of {size:,} pairings under way on {connection.vendor} "
                          f"(yardsticks: the csv library reads the file in {read:.3f} s; the "
                          f"{2 * size:,} accounts alone are written in {people:.2f} s):")
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            made = import_upload(actor=actor, project=project, filename="cohort.csv",
                                 content=content)
        preview = time.perf_counter() - started
        if made.preview["new"] != size:
            raise CommandError(f"The preview refused rows: {made.preview['errors'][:3]}")
        # Confirmed as import_confirm leaves it, without a message to a broker: the import
        # runs here, as the worker runs it.
        ProgrammeImport.objects.for_org(organisation).filter(pk=made.pk).update(
            status=ProgrammeImport.Status.QUEUED, invite=False)
        started = time.perf_counter()
        import_run(organisation_id=organisation.pk, import_id=made.pk)
        imported = time.perf_counter() - started
        done = ProgrammeImport.objects.for_org(organisation).get(pk=made.pk)
        if done.status != ProgrammeImport.Status.DONE or \
                Pairing.objects.for_org(organisation).count() != size:
            raise CommandError(f"The import failed: {done.error}")
        preview_ratio, import_ratio = preview / read, imported / people
        self.stdout.write(
            f"  preview (read and check every row) {preview:6.2f} s, {len(queries)} queries, "
            f"{preview_ratio:5.0f}x the file read / <={PREVIEW_GOAL_RATIO:g}x "
            f"{'met' if preview_ratio <= PREVIEW_GOAL_RATIO else 'MISSED'}")
        self.stdout.write(
            f"  import (people, applications, pairings, plans, meetings, compliance, history) "
            f"{imported:6.2f} s, {import_ratio:5.0f}x the accounts alone / "
            f"<={IMPORT_GOAL_RATIO:g}x {'met' if import_ratio <= IMPORT_GOAL_RATIO else 'MISSED'}")
