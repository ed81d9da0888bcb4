"""Shared fixtures: always two organisations, and a person in each role of the first, so that
every test can ask what an outsider gets."""

import pytest
from django.utils import translation
from guardian.shortcuts import assign_perm

from participants.models import Role, User
from programmes.models import Country
from tests.factories import (
    CallFactory,
    OrganisationFactory,
    ProjectFactory,
    ThematicAreaFactory,
    UserFactory,
)
from tests.helpers import PERSONAS, World, add_member


@pytest.fixture(autouse=True)
def english_outside_requests():
    """A request in French leaves French active in the thread after it (LocaleMiddleware does
    not switch back): each test starts in the default language, whatever ran before."""
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture
def world(db) -> World:
    morocco = Country.objects.create(code="MA", name="Morocco")
    france = Country.objects.create(code="FR", name="France", is_eu_member=True)
    Country.objects.create(code="JO", name="Jordan")
    org = OrganisationFactory(slug="cepol", short_name="CEPOL", name="CEPOL agency")
    other_org = OrganisationFactory(slug="interpol", short_name="INTERPOL", name="INTERPOL")
    project = ProjectFactory(organisation=org, name="EUROMED Police", slug="euromed-police")
    project.partner_countries.add(morocco)
    ThematicAreaFactory(project=project, name="Criminal finances")
    other_project = ProjectFactory(organisation=org, name="TOPCOP", slug="topcop")
    foreign_project = ProjectFactory(organisation=other_org, name="Momentum", slug="momentum")
    w = World(org, other_org, project, other_project, foreign_project, morocco, france)
    for role in PERSONAS:
        extra = {"country": morocco} if role == Role.FOCAL_POINT else {}
        user = UserFactory(email=f"{role}@cepol.test", full_name=f"{role.title()} Person")
        membership = add_member(org, role, user=user, **extra)
        w.people[role] = user
        w.memberships[role] = membership
    assign_perm("programmes.coordinate_project", w.people["coordinator"], project)
    assign_perm("programmes.nominate_for_project", w.people["focal_point"], project)
    outsider = add_member(other_org, Role.ADMIN, user=UserFactory(email="admin@interpol.test"))
    w.outsider = outsider.user
    w.call = CallFactory(organisation=org, project=project, title="EUROMED mentees 2027")
    w.call.invited_countries.add(morocco)
    w.call.thematic_areas.add(project.thematic_areas.get())
    return w


@pytest.fixture
def client_as(client):
    """A test client signed in as the given user (or anonymous for None)."""

    def sign_in(user: User | None):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return sign_in
