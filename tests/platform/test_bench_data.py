"""The page benchmarks' data (config/bench.py) is what it says, runs on a scratch database
only, and the pages it times read a constant number of queries at two sizes."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver
from django.utils import timezone

from config.bench import DatabaseHasData, bench_data_build, bench_data_grow
from config.management.commands.bench_pages import _raw_export_rows
from matching.models import ActivityPlan, Meeting, Pairing, PairingCompliance, PlannedVisit
from participants.models import Application, Membership, User
from participants.selectors import actor_for
from programmes import access
from reporting import exports
from reporting.models import Export, Report
from tests.factories import MeetingFactory, PlannedVisitFactory
from tests.helpers import World


def test_the_builder_makes_active_pairings_with_plans_meetings_and_kept_compliance(db):
    bench = bench_data_build(pairings=4)
    organisation = bench.organisation
    pairings = Pairing.objects.for_org(organisation)
    assert pairings.filter(status=Pairing.Status.ACTIVE, project=bench.project).count() == 4
    assert bench.size == 4 and set(pairings.values_list("pk", flat=True)) == set(
        bench.pairing_ids)
    assert ActivityPlan.objects.for_org(organisation).filter(
        status=ActivityPlan.Status.APPROVED).count() == 4
    assert PlannedVisit.objects.for_org(organisation).count() == 8
    assert PairingCompliance.objects.for_org(organisation).count() == 4
    assert Meeting.objects.for_org(organisation).exists()
    assert Application.objects.for_org(organisation).count() == 8
    assert not pairings.filter(mentee_application=None).exists()
    # Mentors and mentees are members who cannot sign in; the coordinator and admin can.
    people = User.objects.filter(email__startswith="person")
    assert people.count() == 8
    assert not any(person.has_usable_password() for person in people)
    assert Membership.objects.for_org(organisation).filter(user__in=people).count() == 8
    assert bench.coordinator.check_password(bench.password)
    assert bench.admin.is_superuser and bench.admin.check_password(bench.password)
    actor = actor_for(user=bench.coordinator, organisation=organisation)
    assert actor is not None and actor.holds("coordinator")
    assert list(access.projects_coordinated(actor=actor)) == [bench.project]

    bench_data_grow(bench, 10)
    assert pairings.count() == 10 and bench.size == 10
    assert PairingCompliance.objects.for_org(organisation).count() == 10
    assert Report.objects.for_org(organisation).count() <= 10


def test_the_builder_refuses_a_database_that_has_data(world: World):
    with pytest.raises(DatabaseHasData):
        bench_data_build(pairings=1)
    with pytest.raises(CommandError, match="has data"):
        call_command("bench_pages", "--sizes", "1", "--no-load")
    assert not Pairing.unscoped.exists()


def test_the_scratch_database_is_never_the_configured_one(db):
    name = connection.settings_dict["NAME"]
    stem = name if connection.vendor == "postgresql" else str(name).rsplit("/", 1)[-1].removesuffix(
        ".sqlite3")
    with pytest.raises(CommandError):
        call_command("bench_database", "create", "--name", stem)


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_benchmarked_pages_read_as_many_queries_at_two_sizes(db, client):
    bench = bench_data_build(pairings=3)
    client.force_login(bench.coordinator)
    slug, project = bench.organisation.slug, bench.project.slug
    urls = [f"/{slug}/pairings/", f"/{slug}/pairings/?status=active&q=Person",
            f"/{slug}/projects/{project}/compliance/", f"/{slug}/projects/{project}/dashboard/"]
    for url in urls:
        queries(client, url)  # warms the per-process caches (content types) first
    small = [queries(client, url) for url in urls]
    bench_data_grow(bench, 40)
    assert [queries(client, url) for url in urls] == small
    page = client.get(urls[0])
    assert len(page.context["page"].object_list) == 25
    assert "40 pairings" in page.text


def test_the_benchmarks_admin_is_not_served_by_the_app():
    assert not any("bench-admin" in str(pattern.pattern)
                   for pattern in get_resolver().url_patterns)


def test_the_exports_yardstick_reads_every_row_and_column_the_pairings_export_writes(db):
    bench = bench_data_build(pairings=6)
    pairing = Pairing.objects.for_org(bench.organisation).get(pk=bench.pairing_ids[0])
    ActivityPlan.objects.for_org(bench.organisation).filter(pairing=pairing).update(
        status=ActivityPlan.Status.SUPERSEDED)  # its start is then the day it was proposed
    Meeting.objects.for_org(bench.organisation).filter(pairing=pairing).delete()
    # The visit budget's columns: an estimate, claims approved, adjusted, refused, and one in
    # a currency without a rate.
    other = Pairing.objects.for_org(bench.organisation).get(pk=bench.pairing_ids[1])
    PlannedVisitFactory(plan=other.plans.get(), estimated_cost=Decimal("1200.50"))
    for amount, currency, status, approved in (("100.10", "EUR", "approved", "100.10"),
                                               ("300", "EUR", "adjusted", "250"),
                                               ("80", "EUR", "refused", None),
                                               ("900", "MAD", "approved", "900")):
        MeetingFactory(pairing=other, kind="in_person", funded=True, city="Rabat",
                       cost_amount=Decimal(amount), cost_currency=currency, claim_status=status,
                       approved_amount=Decimal(approved) if approved else None)
    export = Export.objects.create(
        organisation=bench.organisation, project=bench.project, requested_by=bench.coordinator,
        kind=Export.Kind.PAIRINGS, format=Export.Format.CSV, params={"language": "en"})
    content, _name = exports.build(export, lambda per_cent: None)
    written = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))[1:]
    statuses = {value: str(label) for value, label in Pairing.Status.choices}
    fetched = [["" if cell is None else str(statuses.get(cell, cell) if column == 1 else cell)
                for column, cell in enumerate(row)] for row in _raw_export_rows(bench.project)]
    assert fetched == written and len(written) == 6
    assert [row[7:9] for row in written if row[0] == str(pairing.pk)] == [
        [str(timezone.localdate(pairing.created_at)), "0"]]
    assert [row[9:] for row in written if row[0] == str(other.pk)] == [
        ["1200.50", "480.10 EUR; 900.00 MAD", "350.10", "EUR", "900.00 MAD"]]
