"""Activity plans: drafted by the pair, checked against the rules, signed by both, approved or
returned by the coordinator; every revision keeps the earlier version."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from matching.models import ActivityPlan, Pairing, PlannedVisit
from matching.pairings.services import pairing_move, pairing_respond
from matching.plans.rules import Visit
from matching.plans.services import plan_review, plan_save, plan_seal, plan_sign
from matching.proposals.services import pairing_propose
from tests.helpers import GOOD, World, as_actor


@pytest.fixture
def pairing(world: World) -> Pairing:
    pairing = pairing_propose(actor=as_actor(world.people["coordinator"]), project=world.project,
                              mentee=world.people["mentee"], mentor=world.people["mentor"])
    for who in ("mentee", "mentor"):
        pairing = pairing_respond(actor=as_actor(world.people[who]), pairing=pairing, accept=True)
    return pairing


def sign(user, plan: ActivityPlan) -> ActivityPlan:
    """Signs the plan as it now stands in the database (what the page would show)."""
    plan = ActivityPlan.unscoped.get(pk=plan.pk)
    return plan_sign(actor=as_actor(user), pairing=plan.pairing, seen=plan_seal(plan))


def signed(world: World, plan: ActivityPlan) -> ActivityPlan:
    for who in ("mentee", "mentor"):
        plan = sign(world.people[who], plan)
    return plan


def test_draft_sign_approve_and_the_pairing_has_its_plan(world: World, pairing: Pairing):
    plan = plan_save(actor=as_actor(world.people["mentor"]), pairing=pairing, **GOOD)
    assert (plan.version, plan.status) == (1, "draft")
    assert list(plan.visits.values_list("place", "funded")) == [("Rabat", True), ("Lyon", True)]
    plan = sign(world.people["mentee"], plan)
    assert plan.status == "draft"
    plan = sign(world.people["mentor"], plan)
    assert plan.status == "signed"
    plan = plan_review(actor=as_actor(world.people["coordinator"]), pairing=plan.pairing,
                       approve=True)
    assert plan.status == "approved"
    pairing.refresh_from_db()
    assert pairing.status == "plan_agreed"
    assert (pairing.events.last().to_status, pairing.events.last().by) == (
        "plan_agreed", world.people["coordinator"])


def test_a_plan_that_breaks_the_rules_is_refused_with_the_rule_named(world, pairing):
    bad = {**GOOD, "duration_months": 18,
           "visits": [Visit(date(2027, 5, 1), "Rabat", True)]}
    with pytest.raises(ValidationError) as refused:
        plan_save(actor=as_actor(world.people["mentee"]), pairing=pairing, **bad)
    assert refused.value.message_dict == {
        "duration_months": ["Duration: the project allows 3 to 12 months."]}
    late_first_visit = {**GOOD, "visits": [Visit(date(2027, 5, 1), "Rabat", True)]}
    with pytest.raises(ValidationError) as refused:
        plan_save(actor=as_actor(world.people["mentee"]), pairing=pairing, **late_first_visit)
    assert "First in-person visit" in refused.value.message_dict["visits"][0]
    assert not ActivityPlan.unscoped.exists() and not PlannedVisit.unscoped.exists()


def test_returned_plan_is_kept_and_the_revision_is_the_next_version(world, pairing):
    plan = signed(world, plan_save(actor=as_actor(world.people["mentor"]), pairing=pairing, **GOOD))
    with pytest.raises(ValidationError, match="Say what to change"):
        plan_review(actor=as_actor(world.people["coordinator"]), pairing=plan.pairing,
                    approve=False)
    plan = plan_review(actor=as_actor(world.people["coordinator"]), pairing=plan.pairing,
                       approve=False,
                       comments="Add a visit in the second half.")
    assert (plan.status, plan.coordinator_comments) == ("returned",
                                                        "Add a visit in the second half.")
    revised = plan_save(actor=as_actor(world.people["mentee"]), pairing=pairing, **{
        **GOOD, "visits": [*GOOD["visits"], Visit(date(2027, 10, 1), "Rabat", True)]})
    assert revised.version == 2 and revised.pk != plan.pk
    assert list(pairing.plans.values_list("version", "status")) == [
        (2, "draft"), (1, "returned")]
    assert plan.visits.count() == 2 and revised.visits.count() == 3


def test_editing_a_draft_keeps_one_version_and_clears_the_signatures(world, pairing):
    plan = plan_save(actor=as_actor(world.people["mentor"]), pairing=pairing, **GOOD)
    sign(world.people["mentee"], plan)
    again = plan_save(actor=as_actor(world.people["mentor"]), pairing=pairing,
                      **{**GOOD, "objectives": "Sharper objectives."})
    assert again.pk == plan.pk and again.version == 1
    assert again.mentee_signed_at is None and again.objectives == "Sharper objectives."


def test_approving_a_new_version_replaces_the_approved_one(world, pairing):
    signed(world, plan_save(actor=as_actor(world.people["mentor"]), pairing=pairing, **GOOD))
    first = plan_review(actor=as_actor(world.people["coordinator"]), approve=True, pairing=pairing)
    second = signed(world, plan_save(actor=as_actor(world.people["mentor"]), pairing=pairing,
                                     **{**GOOD, "objectives": "Revised after three months."}))
    plan_review(actor=as_actor(world.people["coordinator"]), pairing=second.pairing, approve=True)
    first.refresh_from_db()
    assert first.status == "superseded"
    assert pairing.plans.get(status="approved").version == 2


def test_only_the_pair_drafts_and_signs_and_only_the_coordinator_reviews(world, pairing):
    for who in ("coordinator", "focal_point", "observer"):
        with pytest.raises(PermissionDenied):
            plan_save(actor=as_actor(world.people[who]), pairing=pairing, **GOOD)
    plan = plan_save(actor=as_actor(world.people["mentee"]), pairing=pairing, **GOOD)
    with pytest.raises(PermissionDenied):
        sign(world.people["coordinator"], plan)
    plan = signed(world, plan)
    for user in (world.people["mentor"], world.people["mentee"], world.outsider):
        with pytest.raises(PermissionDenied):
            plan_review(actor=as_actor(user), pairing=plan.pairing, approve=True)


def test_no_plan_before_both_accept(world: World):
    pairing = pairing_propose(actor=as_actor(world.people["coordinator"]), project=world.project,
                              mentee=world.people["mentee"], mentor=world.people["mentor"])
    with pytest.raises(ValidationError, match="once both have accepted"):
        plan_save(actor=as_actor(world.people["mentee"]), pairing=pairing, **GOOD)


def test_an_unsigned_plan_is_not_reviewed(world: World, pairing: Pairing):
    plan = plan_save(actor=as_actor(world.people["mentee"]), pairing=pairing, **GOOD)
    with pytest.raises(ValidationError, match="signed by both"):
        plan_review(actor=as_actor(world.people["coordinator"]), pairing=plan.pairing, approve=True)


def test_a_signature_lands_only_on_the_text_that_was_read(world: World, pairing: Pairing):
    plan = plan_save(actor=as_actor(world.people["mentee"]), pairing=pairing, **GOOD)
    seen = plan_seal(plan)
    plan_save(actor=as_actor(world.people["mentor"]), pairing=pairing,
              **{**GOOD, "objectives": "Changed while the mentee was reading."})
    with pytest.raises(ValidationError, match="The plan changed since you read it"):
        plan_sign(actor=as_actor(world.people["mentee"]), pairing=pairing, seen=seen)
    assert ActivityPlan.unscoped.get().mentee_signed_at is None


def test_an_ended_pairing_has_its_plan_neither_signed_nor_reviewed(world, pairing):
    plan = plan_save(actor=as_actor(world.people["mentee"]), pairing=pairing, **GOOD)
    sign(world.people["mentee"], plan)
    pairing_move(actor=as_actor(world.people["coordinator"]), pairing=pairing,
                 to_status="ended_early", reason="The mentor retired.")
    with pytest.raises(ValidationError, match="has ended"):
        sign(world.people["mentor"], plan)
    with pytest.raises(ValidationError, match="has ended"):
        plan_review(actor=as_actor(world.people["coordinator"]), pairing=pairing, approve=True)


def test_only_an_approval_agrees_a_plan(world: World, pairing: Pairing):
    with pytest.raises(ValidationError, match="cannot go from"):
        pairing_move(actor=as_actor(world.people["coordinator"]), pairing=pairing,
                     to_status="plan_agreed")
    with pytest.raises(ValidationError, match="cannot go from"):
        pairing_move(actor=as_actor(world.people["coordinator"]), pairing=pairing,
                     to_status="active")
    pairing.refresh_from_db()
    assert pairing.status == "accepted"


def test_revising_a_plan_under_review_withdraws_it(world: World, pairing: Pairing):
    signed(world, plan_save(actor=as_actor(world.people["mentee"]), pairing=pairing, **GOOD))
    plan_save(actor=as_actor(world.people["mentor"]), pairing=pairing,
              **{**GOOD, "objectives": "One more objective."})
    assert list(pairing.plans.values_list("version", "status")) == [
        (2, "draft"), (1, "superseded")]
