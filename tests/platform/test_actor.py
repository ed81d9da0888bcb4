"""Who acts, and the one helper that answers "may this actor do this to this object": built and
asked without any HTTP request, as a task, a command or a test does."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from matching.hooks import reporting
from matching.models import Pairing
from matching.pairings.access import pairings_visible_to
from matching.pairings.services import TRANSITIONS, Mover, pairing_locked, pairing_transition
from matching.proposals.services import pairing_propose
from participants.selectors import actor_for
from programmes import access
from programmes.actor import Role
from programmes.models import Call, Project, ThematicArea
from programmes.selectors import call_list, project_for_member
from programmes.services import call_close, project_create, project_rules_update, thematic_area_add
from reporting.hooks import PairingReporting
from tests.helpers import World, add_member, as_actor

S = Pairing.Status


def test_an_actor_is_built_without_a_request_in_the_first_role_held(world: World):
    person = world.people["coordinator"]
    add_member(world.org, Role.MENTOR, user=person)
    actor = actor_for(user=person, organisation=world.org)
    assert actor.role == Role.COORDINATOR  # the first by precedence
    assert actor.holds(Role.MENTOR) and not actor.holds(Role.ADMIN)
    assert actor.acting_as(Role.MENTOR).role == Role.MENTOR
    assert actor.acting_as(Role.ADMIN) is actor  # a role not held changes nothing
    assert actor_for(user=person, organisation=world.other_org) is None
    assert actor_for(user=person, organisation_slug="cepol").organisation == world.org


def test_a_focal_point_actor_serves_its_country(world: World):
    actor = actor_for(user=world.people["focal_point"], organisation=world.org)
    assert actor.countries == {world.morocco.pk}
    assert access.may(actor=actor, action="nominate", obj=world.call)
    assert access.focal_point_membership_for(actor=actor, call=world.call).country == world.morocco


@pytest.mark.parametrize(("role", "manage", "follow"), [
    ("admin", True, True), ("coordinator", True, True), ("observer", False, True),
    ("focal_point", False, False), ("mentor", False, False),
])
def test_may_answers_for_projects_as_the_pages_do(world: World, role, manage, follow):
    actor = actor_for(user=world.people[role], organisation=world.org)
    assert access.may(actor=actor, action="manage", obj=world.project) is manage
    assert access.may(actor=actor, action="follow", obj=world.project) is follow
    # The coordinator serves EUROMED Police only.
    assert access.may(actor=actor, action="manage", obj=world.other_project) is (role == "admin")


def test_another_organisations_object_is_never_allowed(world: World):
    """Whatever a rule would say, an object of another organisation is refused: the admin of
    CEPOL manages every CEPOL project, and none of INTERPOL's."""
    actor = actor_for(user=world.people["admin"], organisation=world.org)
    assert access.may(actor=actor, action="manage", obj=world.project)
    assert not access.may(actor=actor, action="manage", obj=world.foreign_project)
    with pytest.raises(PermissionDenied):
        access.require(actor=actor, action="view", obj=world.foreign_project)


def test_an_unknown_action_is_a_programming_error(world: World):
    actor = actor_for(user=world.people["admin"], organisation=world.org)
    with pytest.raises(LookupError):
        access.may(actor=actor, action="fly", obj=world.project)


def test_selectors_take_the_actor(world: World):
    observer = actor_for(user=world.people["observer"], organisation=world.org)
    assert project_for_member(actor=observer, slug="euromed-police", for_change=False) == (
        world.project)
    with pytest.raises(PermissionDenied):
        project_for_member(actor=observer, slug="euromed-police", for_change=True)
    mentee = actor_for(user=world.people["mentee"], organisation=world.org)
    assert list(call_list(actor=mentee)) == []  # the call is a draft


def test_the_guardian_table_is_read_once_per_actor(world: World, django_assert_num_queries):
    actor = actor_for(user=world.people["coordinator"], organisation=world.org)
    access.may(actor=actor, action="manage", obj=world.project)
    with django_assert_num_queries(0):
        for _ in range(3):
            assert access.may(actor=actor, action="manage", obj=world.project)


@pytest.fixture
def proposed(world: World) -> Pairing:
    return pairing_propose(actor=as_actor(world.people["coordinator"]), project=world.project,
                           mentee=world.people["mentee"], mentor=world.people["mentor"],
                           score=87, explanation=[])


def test_pairings_visible_to_an_actor(world: World, proposed: Pairing):
    for role, sees in [("coordinator", True), ("mentee", True), ("observer", True),
                       ("focal_point", False)]:
        actor = actor_for(user=world.people[role], organisation=world.org)
        assert (proposed in pairings_visible_to(actor=actor)) is sees, role
        assert access.may(actor=actor, action="view", obj=proposed) is sees, role
    mentee = actor_for(user=world.people["mentee"], organisation=world.org)
    assert access.may(actor=mentee, action="take_part", obj=proposed)
    assert not access.may(actor=mentee, action="manage", obj=proposed)


def test_the_state_machine_refuses_a_move_it_does_not_list(world: World, proposed: Pairing):
    """Every change of status goes through one table, whichever app asks for it."""
    by = world.people["coordinator"]
    pairing = pairing_locked(proposed)
    with pytest.raises(ValidationError):  # completing is for the reports, not from a proposal
        pairing_transition(pairing=pairing, by=by, to_status=S.COMPLETED, mover=Mover.REPORTS)
    with pytest.raises(ValidationError):  # accepting is the pair's, not the coordinator's
        pairing_transition(pairing=pairing, by=by, to_status=S.ACCEPTED, mover=Mover.COORDINATOR)
    pairing_transition(pairing=pairing, by=by, to_status=S.ENDED_EARLY, mover=Mover.COORDINATOR)
    assert Pairing.objects.for_org(world.org).get().status == S.ENDED_EARLY
    # Every status is reachable, and the two endings lead nowhere.
    assert {to for _from, to in TRANSITIONS} | {S.PROPOSED} == set(S.values)
    assert not {start for start, _to in TRANSITIONS} & {S.COMPLETED, S.DECLINED, S.ENDED_EARLY}


def test_reporting_plugs_into_matching():
    assert isinstance(reporting(), PairingReporting)


def test_programme_services_ask_the_access_helper(world: World):
    """A service refuses, as its page does, an actor who may not: an observer, the admin of
    another organisation, and a coordinator outside their own project."""
    observer = actor_for(user=world.people["observer"], organisation=world.org)
    outsider = actor_for(user=world.outsider, organisation=world.other_org)
    coordinator = actor_for(user=world.people["coordinator"], organisation=world.org)
    areas, status = ThematicArea.unscoped.count(), world.call.status
    for actor in (observer, outsider):
        with pytest.raises(PermissionDenied):
            call_close(actor=actor, call=world.call)
        with pytest.raises(PermissionDenied):
            thematic_area_add(actor=actor, project=world.project, name="Cybercrime")
        with pytest.raises(PermissionDenied):
            project_rules_update(actor=actor, project=world.project)
    with pytest.raises(PermissionDenied):  # EUROMED Police's coordinator, not TOPCOP's
        thematic_area_add(actor=coordinator, project=world.other_project, name="Cybercrime")
    with pytest.raises(PermissionDenied):  # only admins make projects
        project_create(actor=coordinator, project=Project(name="New", slug="new"),
                       partner_countries=[])
    assert ThematicArea.unscoped.count() == areas
    assert Call.unscoped.get(pk=world.call.pk).status == status
    assert not Project.unscoped.filter(slug="new").exists()
    area = thematic_area_add(actor=coordinator, project=world.project, name="Cybercrime")
    assert area.organisation == world.org


def test_a_new_project_is_made_in_the_actors_organisation(world: World):
    admin = actor_for(user=world.people["admin"], organisation=world.org)
    made = project_create(actor=admin, project=Project(name="New", slug="new"),
                          partner_countries=[world.morocco])
    assert made.organisation == world.org
    assert list(made.partner_countries.all()) == [world.morocco]
