"""List pages are paginated and their query count does not grow with their rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from guardian.shortcuts import assign_perm

from matching.models import Pairing
from matching.proposals.engine import match
from matching.proposals.selectors import matching_pool
from matching.proposals.services import matching_confirm
from participants.models import Role
from programmes.models import Call
from tests.factories import (
    CallFactory,
    InvitationFactory,
    MembershipFactory,
    ProjectFactory,
    shortlisted,
)
from tests.helpers import World, as_actor


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
    queries(client, "/cepol/")  # warms the per-process caches (content types) first
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


def grow_pool(world: World, mentees: int, mentors: int) -> None:
    """Shortlisted mentees (of the world's call) and mentors (of a mentor call), all French
    speakers in the same area, so the engine pairs as many as places allow."""
    mentor_call = (Call.unscoped.filter(project=world.project, role_sought="mentor").first()
                   or CallFactory(organisation=world.org, project=world.project,
                                  role_sought="mentor"))
    mentor_call.invited_countries.add(world.france)
    for _ in range(mentees):
        shortlisted(world.call, years=2)
    for _ in range(mentors):
        shortlisted(mentor_call, country=world.france, years=15, capacity=2)


def test_matching_page_query_count_does_not_grow_with_the_pool(world: World, client_as):
    client = client_as(world.people["coordinator"])
    grow_pool(world, 3, 2)
    small = queries(client, "/cepol/projects/euromed-police/matching/")
    grow_pool(world, 20, 10)
    assert queries(client, "/cepol/projects/euromed-police/matching/") == small


def grow_pairings(world: World, n: int) -> None:
    grow_pool(world, n, n)
    pool = matching_pool(project=world.project)
    result = match(pool.mentees, pool.mentors, pool.rules)
    matching_confirm(actor=as_actor(world.people["coordinator"]), project=world.project, call=None,
                     chosen={pair.mentee_id: pair.mentor_id for pair in result.pairs}, notes={})


@pytest.mark.parametrize("who", ["coordinator", "admin", "observer"])
def test_pairing_list_query_count_does_not_grow(world: World, client_as, who: str):
    client = client_as(world.people[who])
    filtered = f"/cepol/pairings/?project={world.project.pk}&status=proposed"
    grow_pairings(world, 3)
    small = queries(client, "/cepol/pairings/"), queries(client, filtered)
    grow_pairings(world, 30)
    assert Pairing.unscoped.count() == 33
    assert (queries(client, "/cepol/pairings/"), queries(client, filtered)) == small
    assert len(client.get("/cepol/pairings/").context["rows"]) == 25


def test_compliance_table_query_count_does_not_grow(world: World, client_as):
    from tests.helpers import active_pairing

    def grow(n: int) -> None:
        for _ in range(n):
            active_pairing(world, mentee=MembershipFactory(organisation=world.org,
                                                           role="mentee").user,
                           mentor=MembershipFactory(organisation=world.org, role="mentor").user)

    client = client_as(world.people["coordinator"])
    url = "/cepol/projects/euromed-police/compliance/"
    grow(2)
    small = queries(client, url), queries(client, url + "?status=active")
    grow(28)
    assert (queries(client, url), queries(client, url + "?status=active")) == small
    assert len(client.get(url).context["page"].object_list) == 25
