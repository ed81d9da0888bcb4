"""The lists of a call's applications, of nominations and of calls: their query count does not
grow with their rows (10 rows against 500)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from participants.models import (
    Application,
    Nomination,
)
from programmes.models import Call
from tests.helpers import (
    World,
    area,
)

# --- Query counts -----------------------------------------------------------------------------

def queries(client, url: str) -> int:
    # A first request fills the content-type cache that guardian reads through; only what
    # every request costs is compared.
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def add_applications(world: World, count: int, start: int) -> None:
    now = timezone.now()
    finances = area(world)
    Application.objects.bulk_create([
        Application(organisation=world.org, call=world.call, country=world.morocco,
                    thematic_area=finances, full_name=f"Bulk {start + i}",
                    email=f"bulk{start + i}@police.ma", agency="DGSN", rank="Inspector",
                    status="submitted", submitted_at=now, years_of_service=5)
        for i in range(count)
    ])


def add_nominations(world: World, count: int, start: int) -> None:
    fp, finances = world.people["focal_point"], area(world)
    nominations = Nomination.objects.bulk_create([
        Nomination(organisation=world.org, call=world.call, country=world.morocco,
                   nominated_by=fp, full_name=f"Nominee {start + i}",
                   email=f"nominee{start + i}@police.ma", agency="DGSN", rank="Inspector",
                   thematic_area=finances, languages=["fr"])
        for i in range(count)
    ])
    Application.objects.bulk_create([
        Application(organisation=world.org, call=world.call, nomination=nomination,
                    country=world.morocco, thematic_area=finances,
                    full_name=nomination.full_name, email=nomination.email, agency="DGSN",
                    rank="Inspector", status="declined", decision_reason="Too many")
        for nomination in Nomination.unscoped.filter(pk__in=[n.pk for n in nominations])
    ])


def add_calls(world: World, count: int) -> None:
    """Open calls inviting Morocco: every persona below sees them."""
    deadline = timezone.now() + timedelta(days=30)
    calls = Call.objects.bulk_create([
        Call(organisation=world.org, project=world.project, title=f"Bulk call {i}",
             role_sought="mentee", deadline=deadline, status="open")
        for i in range(count)
    ])
    invited = Call.invited_countries.through
    invited.objects.bulk_create([invited(call_id=call.pk, country_id="MA") for call in calls])


def test_review_list_query_count_does_not_grow(world: World, client_as):
    client = client_as(world.people["coordinator"])
    url = reverse("application_list", args=["cepol", world.call.pk])
    add_applications(world, 10, 0)
    small = queries(client, url)
    add_applications(world, 490, 10)
    large = queries(client, url)
    assert small == large, f"{small} queries with 10 applications, {large} with 500"
    filtered = url + "?country=MA&status=submitted&sort=-name&q=bulk"
    assert queries(client, filtered) == queries(client, filtered + "&page=2")


def test_nomination_list_query_count_does_not_grow(world: World, client_as):
    client = client_as(world.people["focal_point"])
    url = reverse("nomination_list", args=["cepol"])
    add_nominations(world, 10, 0)
    small = queries(client, url)
    add_nominations(world, 490, 10)
    large = queries(client, url)
    assert small == large, f"{small} queries with 10 nominations, {large} with 500"
    page = client.get(url)
    assert "Declined" in page.text and "Too many" in page.text


@pytest.mark.parametrize("role", ["coordinator", "admin", "focal_point"])
def test_call_list_query_count_does_not_grow(world: World, client_as, role: str):
    client = client_as(world.people[role])
    url = reverse("call_list", args=["cepol"])
    add_calls(world, 10)
    small = queries(client, url)
    add_calls(world, 490)
    large = queries(client, url)
    assert small == large, f"{small} queries with 10 calls, {large} with 500"
    page = client.get(url)
    assert page.context["page"].paginator.count == 501
    assert "Bulk call" in page.text
