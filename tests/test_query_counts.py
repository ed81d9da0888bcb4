"""List pages are paginated and their query count does not grow with their rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from guardian.shortcuts import assign_perm

from participants.models import Role
from tests.conftest import World
from tests.factories import InvitationFactory, MembershipFactory, ProjectFactory


def grow(world: World, n: int) -> None:
    """Adds n coordinators (each with two projects), n invitations and n projects."""
    for _ in range(n):
        project = ProjectFactory(organisation=world.org)
        membership = MembershipFactory(organisation=world.org, role=Role.COORDINATOR)
        assign_perm("programmes.coordinate_project", membership.user, project)
        assign_perm("programmes.coordinate_project", membership.user, world.project)
        invitation = InvitationFactory(organisation=world.org, role=Role.COORDINATOR)
        invitation.projects.add(project, world.project)


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", [
    "/cepol/members/", "/cepol/invitations/", "/cepol/projects/", "/cepol/",
    "/cepol/members/?role=coordinator&q=person",
])
def test_list_query_count_does_not_grow(world: World, client_as, url: str):
    client = client_as(world.people["admin"])
    grow(world, 5)
    small = queries(client, url)
    grow(world, 40)
    large = queries(client, url)
    assert small == large, f"{url}: {small} queries with few rows, {large} with many"


def test_coordinator_home_query_count_does_not_grow(world: World, client_as):
    client = client_as(world.people["coordinator"])
    small = queries(client, "/cepol/")
    for _ in range(30):
        project = ProjectFactory(organisation=world.org)
        assign_perm("programmes.coordinate_project", world.people["coordinator"], project)
        MembershipFactory(organisation=world.org, role=Role.FOCAL_POINT, country=world.morocco)
    assert queries(client, "/cepol/") == small


def test_lists_are_paginated(world: World, client_as):
    grow(world, 30)
    page = client_as(world.people["admin"]).get("/cepol/members/")
    assert page.context["page"].paginator.per_page == 25
    assert len(page.context["rows"]) == 25
    assert "Page 1 of 2" in page.text
