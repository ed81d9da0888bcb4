"""Data for the page benchmarks (`manage.py bench_pages`): one organisation and one project with
N active pairings, as a national scheme holds them, made fast with bulk_create, on a scratch
database only (`bench_database`). Each pairing has its two people (members of the organisation,
with shortlisted applications), an approved 12-month plan with two planned visits, the online
meetings of the months gone by (some missed, some visits held), an interim report where the
halfway mark has passed, and its kept compliance. A coordinator of the project and a superuser
(for the benchmark's own admin) can sign in: both have a password and an authenticator app.

It sits in config, the top layer, as it fills every app's tables."""

import random
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.db import connection, transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm

from matching.meetings.services import compliance_keep
from matching.models import ActivityPlan, Meeting, Pairing, PlannedVisit
from matching.schedule import add_months
from participants.models import Application, Membership, Role, User
from programmes.access import COORDINATE
from programmes.models import Call, Country, Organisation, Project, ThematicArea
from reporting.models import Indicator, Report

SLUG = "bench"
BATCH = 2000
MENTEE_COUNTRIES = (("MA", "Morocco", False), ("TN", "Tunisia", False), ("EG", "Egypt", False),
                    ("JO", "Jordan", False), ("LB", "Lebanon", False))
MENTOR_COUNTRIES = (("FR", "France", True), ("ES", "Spain", True), ("DE", "Germany", True),
                    ("IT", "Italy", True), ("PT", "Portugal", True))
AREAS = ("Financial crime", "Counter-terrorism", "Cybercrime", "Trafficking in human beings",
         "Drug trafficking")


class DatabaseHasData(Exception):
    """The benchmark writes and deletes freely: it runs on a scratch database only."""


@dataclass
class BenchData:
    organisation: Organisation
    project: Project
    coordinator: User
    admin: User
    password: str  # the coordinator's and the admin's, made up for this run
    today: date
    pairing_ids: list[int] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.pairing_ids)


def database_has_data() -> bool:
    return User.objects.exists() or Organisation.objects.exists()


def bench_data_build(*, pairings: int, today: date | None = None) -> BenchData:
    """The organisation, project, coordinator and admin, then `pairings` active pairings.
    Refuses a database that has data (DatabaseHasData)."""
    if database_has_data():
        raise DatabaseHasData("This database has data: run the benchmark on a scratch one "
                              "(manage.py bench_database create; make bench does).")
    today = today or timezone.localdate()
    password = secrets.token_urlsafe(12)
    with transaction.atomic():
        organisation = Organisation.objects.create(name="Bench Police College",
                                                   short_name="Bench", slug=SLUG)
        project = Project.objects.create(organisation=organisation, name="National scheme",
                                         slug="national")
        for code, name, eu in MENTEE_COUNTRIES + MENTOR_COUNTRIES:
            Country.objects.get_or_create(code=code, defaults={"name": name, "is_eu_member": eu})
        ThematicArea.objects.bulk_create([ThematicArea(organisation=organisation,
                                                       project=project, name=name)
                                          for name in AREAS])
        deadline = timezone.now() - timedelta(days=400)
        for role in (Call.RoleSought.MENTEE, Call.RoleSought.MENTOR):
            Call.objects.create(organisation=organisation, project=project, role_sought=role,
                                title=f"Bench {role}s", deadline=deadline,
                                status=Call.Status.CLOSED)
        coordinator = User.objects.create_user(email="coordinator@bench.example",
                                               password=password, full_name="Bench Coordinator")
        Membership.objects.create(organisation=organisation, user=coordinator,
                                  role=Role.COORDINATOR)
        assign_perm(COORDINATE, coordinator, project)
        admin = User.objects.create_superuser(email="admin@bench.example", password=password,
                                              full_name="Bench Admin")
        for user in (coordinator, admin):
            TOTP.activate(user, generate_totp_secret())
        # The donor's indicators, one of each, over the year to come: the dashboard counts
        # every one of them over every pairing.
        Indicator.objects.bulk_create([Indicator(
            organisation=organisation, project=project, metric=metric, target=10,
            period_start=today - timedelta(days=183), period_end=today + timedelta(days=182))
            for metric in Indicator.Metric.values])
    bench = BenchData(organisation=organisation, project=project, coordinator=coordinator,
                      admin=admin, password=password, today=today)
    bench_data_grow(bench, pairings)
    return bench


def bench_data_grow(bench: BenchData, size: int) -> None:
    """Adds active pairings until the project has `size`, and keeps their compliance."""
    start, stop = bench.size, size
    if stop <= start:
        return
    with transaction.atomic():
        ids = _pairings(bench, start, stop)
    compliance_keep(organisation=bench.organisation, pairing_ids=ids, today=bench.today)
    bench.pairing_ids.extend(ids)
    # Fresh statistics and visibility, as a database that grew over months would have from its
    # autovacuum (PostgreSQL reads a narrow index without the table only for rows vacuumed).
    with connection.cursor() as cursor:
        vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
        cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")


def _pairings(bench: BenchData, start: int, stop: int) -> list[int]:
    rng = random.Random(start)  # noqa: S311 (reproducible data, not secrets)
    organisation, project, today = bench.organisation, bench.project, bench.today
    areas = list(ThematicArea.objects.for_org(organisation).filter(project=project))
    calls = {call.role_sought: call for call in Call.objects.for_org(organisation)
             .filter(project=project)}
    now = timezone.now()
    users = User.objects.bulk_create(
        # "!" is Django's mark of an unusable password: nobody signs in as these.
        [User(email=f"person{n}@bench.example", full_name=f"Person {n:06d}",
              password="!")  # noqa: S106
         for n in range(2 * start, 2 * stop)], batch_size=BATCH)
    Membership.objects.bulk_create(
        [Membership(organisation=organisation, user=user,
                    role=Role.MENTEE if i % 2 == 0 else Role.MENTOR)
         for i, user in enumerate(users)], batch_size=BATCH)
    applications = Application.objects.bulk_create(
        [Application(organisation=organisation, applicant=user, full_name=user.full_name,
                     email=user.email, agency="Police", rank="Inspector",
                     call=calls["mentee" if i % 2 == 0 else "mentor"],
                     country_id=rng.choice(MENTEE_COUNTRIES if i % 2 == 0
                                           else MENTOR_COUNTRIES)[0],
                     thematic_area=rng.choice(areas), status=Application.Status.SHORTLISTED,
                     submitted_at=now, consent_at=now, consent_version="1")
         for i, user in enumerate(users)], batch_size=BATCH)
    pairings = Pairing.objects.bulk_create(
        [Pairing(organisation=organisation, project=project, status=Pairing.Status.ACTIVE,
                 mentee=users[2 * i], mentor=users[2 * i + 1],
                 mentee_application=applications[2 * i],
                 mentor_application=applications[2 * i + 1], score=rng.randint(40, 100),
                 mentee_accepted_at=now, mentor_accepted_at=now)
         for i in range(stop - start)], batch_size=BATCH)
    # Started between one and eleven months ago: some past halfway, a few near the end.
    starts = {pairing.pk: today - timedelta(days=rng.randint(30, 330)) for pairing in pairings}
    plans = ActivityPlan.objects.bulk_create(
        [ActivityPlan(organisation=organisation, pairing=pairing, version=1,
                      objectives="Trace criminal assets across borders.",
                      start=starts[pairing.pk], duration_months=12,
                      status=ActivityPlan.Status.APPROVED, mentee_signed_at=now,
                      mentor_signed_at=now) for pairing in pairings], batch_size=BATCH)
    PlannedVisit.objects.bulk_create(
        [PlannedVisit(organisation=organisation, plan=plan, day=plan.start + timedelta(days=days),
                      place=place, funded=True)
         for plan in plans for days, place in ((54, "Rabat"), (146, "Lyon"))], batch_size=BATCH)
    meetings, reports = [], []
    for pairing in pairings:
        begun = starts[pairing.pk]
        month = 0
        while (day := add_months(begun, month) + timedelta(days=5)) < today:
            if rng.random() < 0.85:  # most keep the rhythm, some miss a month
                meetings.append(Meeting(
                    organisation=organisation, pairing=pairing, kind=Meeting.Kind.ONLINE,
                    day=day, duration_minutes=60, topics="Casework",
                    logged_by_id=pairing.mentee_id,
                    confirmed_at=now if rng.random() < 0.7 else None))
            month += 1
        visit = begun + timedelta(days=56)
        if visit < today and rng.random() < 0.7:
            meetings.append(Meeting(
                organisation=organisation, pairing=pairing, kind=Meeting.Kind.IN_PERSON,
                day=visit, duration_minutes=480, topics="Visit", city="Rabat", country_id="MA",
                funded=True, logged_by_id=pairing.mentor_id, confirmed_at=now))
        if add_months(begun, 6) < today and rng.random() < 0.6:
            reports.append(Report(
                organisation=organisation, pairing=pairing, kind=Report.Kind.INTERIM,
                status=Report.Status.SUBMITTED, what_worked="Monthly calls.",
                submitted_by_id=pairing.mentee_id, submitted_at=now))
    Meeting.objects.bulk_create(meetings, batch_size=BATCH)
    Report.objects.bulk_create(reports, batch_size=BATCH)
    return [pairing.pk for pairing in pairings]
