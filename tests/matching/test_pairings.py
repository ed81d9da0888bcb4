"""The life of a pairing: each move only from the right status, by the right person, recorded."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from matching.models import Pairing, PairingEvent
from matching.pairings.services import pairing_move, pairing_respond
from matching.plans.services import plan_review, plan_save, plan_seal, plan_sign
from matching.proposals.services import pairing_propose
from tests.helpers import GOOD as PLAN
from tests.helpers import World, add_member, as_actor

S = Pairing.Status


@pytest.fixture
def proposed(world: World) -> Pairing:
    return pairing_propose(actor=as_actor(world.people["coordinator"]), project=world.project,
                           mentee=world.people["mentee"], mentor=world.people["mentor"],
                           score=87, explanation=["Same thematic area: Criminal finances (+40)"])


def history(pairing: Pairing) -> list[tuple[str, str, int]]:
    return list(PairingEvent.unscoped.filter(pairing=pairing)
                .values_list("from_status", "to_status", "by"))


def test_the_whole_life_of_a_pairing(world: World, proposed: Pairing):
    coordinator, mentee, mentor = (world.people[r] for r in ("coordinator", "mentee", "mentor"))
    pairing = pairing_respond(actor=as_actor(mentee), pairing=proposed, accept=True)
    assert pairing.status == S.PROPOSED  # waiting for the mentor
    pairing = pairing_respond(actor=as_actor(mentor), pairing=pairing, accept=True)
    assert pairing.status == S.ACCEPTED
    plan = plan_save(actor=as_actor(mentee), pairing=pairing, **PLAN)
    for who in (mentee, mentor):
        plan = plan_sign(actor=as_actor(who), pairing=pairing, seen=plan_seal(plan))
    plan_review(actor=as_actor(coordinator), pairing=pairing, approve=True)
    with time_machine.travel(PLAN["start"], tick=False):
        pairing = pairing_move(actor=as_actor(coordinator), pairing=pairing, to_status=S.ACTIVE)
    assert pairing.status == S.ACTIVE
    assert history(pairing) == [
        ("", "proposed", coordinator.pk), ("proposed", "accepted", mentor.pk),
        ("accepted", "plan_agreed", coordinator.pk), ("plan_agreed", "active", coordinator.pk)]


def test_a_pairing_starts_on_its_plans_start_date_not_before(world: World, proposed: Pairing):
    coordinator = as_actor(world.people["coordinator"])
    for who in ("mentee", "mentor"):
        pairing_respond(actor=as_actor(world.people[who]), pairing=proposed, accept=True)
    plan = plan_save(actor=as_actor(world.people["mentee"]), pairing=proposed, **PLAN)
    for who in ("mentee", "mentor"):
        plan = plan_sign(actor=as_actor(world.people[who]), pairing=proposed,
                         seen=plan_seal(plan))
    plan_review(actor=coordinator, pairing=proposed, approve=True)
    the_day_before = PLAN["start"] - timedelta(days=1)
    with time_machine.travel(the_day_before, tick=False), \
            pytest.raises(ValidationError, match="can start on that day, not before"):
        pairing_move(actor=coordinator, pairing=proposed, to_status=S.ACTIVE)
    assert history(proposed)[-1][1] == "plan_agreed"
    with time_machine.travel(PLAN["start"], tick=False):
        assert pairing_move(actor=coordinator, pairing=proposed,
                            to_status=S.ACTIVE).status == S.ACTIVE


def test_only_the_pair_answers_a_proposal(world: World, proposed: Pairing):
    for who in ("coordinator", "focal_point", "observer"):
        with pytest.raises(PermissionDenied):
            pairing_respond(actor=as_actor(world.people[who]), pairing=proposed, accept=True)
    with pytest.raises(PermissionDenied):
        pairing_respond(actor=as_actor(world.outsider), pairing=proposed, accept=True)


def test_a_decline_needs_a_reason_and_returns_both_to_the_pool(world: World, proposed: Pairing):
    with pytest.raises(ValidationError, match="Say why you decline"):
        pairing_respond(actor=as_actor(world.people["mentee"]), pairing=proposed, accept=False)
    pairing = pairing_respond(actor=as_actor(world.people["mentee"]), pairing=proposed,
                              accept=False, reason="Different working hours")
    assert (pairing.status, pairing.end_reason) == (S.DECLINED, "Different working hours")
    # Both are free again: a new pairing for the same mentee can be proposed.
    other_mentor = add_member(world.org, "mentor").user
    again = pairing_propose(actor=as_actor(world.people["coordinator"]), project=world.project,
                            mentee=world.people["mentee"], mentor=other_mentor)
    assert again.status == S.PROPOSED
    with pytest.raises(ValidationError, match="no longer waiting"):
        pairing_respond(actor=as_actor(world.people["mentor"]), pairing=pairing, accept=True)


@pytest.mark.parametrize(("start", "to_status"), [
    (S.PROPOSED, S.PLAN_AGREED), (S.PROPOSED, S.ACTIVE), (S.ACCEPTED, S.ACTIVE),
    (S.ACCEPTED, S.PLAN_AGREED),
    (S.ACCEPTED, S.COMPLETED), (S.PLAN_AGREED, S.COMPLETED), (S.COMPLETED, S.ACTIVE),
    (S.ACTIVE, S.COMPLETED),  # only the narrative report and feedback complete a pairing
    (S.DECLINED, S.ACCEPTED), (S.ENDED_EARLY, S.ACTIVE), (S.ACTIVE, S.PROPOSED),
])
def test_moves_only_from_the_right_status(world: World, proposed: Pairing, start, to_status):
    Pairing.unscoped.filter(pk=proposed.pk).update(status=start)
    with pytest.raises(ValidationError, match="cannot go from"):
        pairing_move(actor=as_actor(world.people["coordinator"]), pairing=proposed,
                     to_status=to_status)
    proposed.refresh_from_db()
    assert proposed.status == start
    assert len(history(proposed)) == 1


def test_moves_only_by_the_projects_coordinator_or_an_admin(world: World, proposed: Pairing):
    Pairing.unscoped.filter(pk=proposed.pk).update(status=S.ACCEPTED)
    end = {"to_status": S.ENDED_EARLY, "reason": "The mentee was posted abroad."}
    for who in ("mentor", "mentee", "focal_point", "observer"):
        with pytest.raises(PermissionDenied):
            pairing_move(actor=as_actor(world.people[who]), pairing=proposed, **end)
    with pytest.raises(PermissionDenied):
        pairing_move(actor=as_actor(world.outsider), pairing=proposed, **end)
    pairing = pairing_move(actor=as_actor(world.people["admin"]), pairing=proposed, **end)
    assert pairing.status == S.ENDED_EARLY


def test_a_coordinator_of_another_project_cannot_propose(world: World):
    from tests.factories import ProjectFactory

    other = ProjectFactory(organisation=world.org)
    with pytest.raises(PermissionDenied):
        pairing_propose(actor=as_actor(world.people["coordinator"]), project=other,
                        mentee=world.people["mentee"], mentor=world.people["mentor"])


def test_ending_early_needs_a_reason(world: World, proposed: Pairing):
    Pairing.unscoped.filter(pk=proposed.pk).update(status=S.ACTIVE)
    with pytest.raises(ValidationError, match="Say why the pairing ends early"):
        pairing_move(actor=as_actor(world.people["coordinator"]), pairing=proposed,
                     to_status=S.ENDED_EARLY)
    pairing = pairing_move(actor=as_actor(world.people["coordinator"]), pairing=proposed,
                           to_status=S.ENDED_EARLY, reason="Mentor moved to another post")
    assert (pairing.status, pairing.end_reason) == (S.ENDED_EARLY,
                                                    "Mentor moved to another post")
    assert history(pairing)[-1][:2] == ("active", "ended_early")


def test_an_override_needs_a_note_and_is_recorded(world: World):
    broken = ["Mentor and mentee come from the same country"]
    with pytest.raises(ValidationError, match="say why you make it anyway"):
        pairing_propose(actor=as_actor(world.people["coordinator"]), project=world.project,
                        mentee=world.people["mentee"], mentor=world.people["mentor"],
                        broken_rules=broken)
    assert not Pairing.unscoped.exists()
    pairing = pairing_propose(actor=as_actor(world.people["coordinator"]), project=world.project,
                              mentee=world.people["mentee"], mentor=world.people["mentor"],
                              broken_rules=broken, override_note="Only Arabic speaker")
    assert pairing.overridden
    assert pairing.broken_rules == broken
    assert pairing.override_note == "Only Arabic speaker"
    assert PairingEvent.unscoped.get(pairing=pairing).reason == pairing.override_note


def test_one_live_pairing_per_mentee_and_never_with_oneself(world: World, proposed: Pairing):
    with pytest.raises(ValidationError, match="already in a pairing"):
        pairing_propose(actor=as_actor(world.people["coordinator"]), project=world.project,
                        mentee=world.people["mentee"], mentor=add_member(world.org, "mentor").user)
    both = add_member(world.org, "mentee", user=world.people["mentor"]).user
    with pytest.raises(ValidationError):
        pairing_propose(actor=as_actor(world.people["coordinator"]), project=world.project,
                        mentee=both, mentor=both)


def test_only_members_of_the_organisation_in_those_roles_are_paired(world: World):
    coordinator = world.people["coordinator"]
    for mentee, mentor, field in (
        (world.outsider, world.people["mentor"], "mentee"),
        (world.people["mentee"], world.outsider, "mentor"),
        (world.people["observer"], world.people["mentor"], "mentee"),
    ):
        with pytest.raises(ValidationError) as refused:
            pairing_propose(actor=as_actor(coordinator), project=world.project, mentee=mentee,
                            mentor=mentor)
        assert list(refused.value.message_dict) == [field]
    assert not Pairing.unscoped.exists()
