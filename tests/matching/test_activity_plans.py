"""Activity plans: drafted by the pair, checked against the rules, signed by both, approved or
returned by the coordinator; every revision keeps the earlier version."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from matching.models import ActivityPlan, Pairing, PlannedVisit
from matching.pairings.services import pairing_move, pairing_respond
from matching.plans.rules import Visit
from matching.plans.services import plan_review, plan_save, plan_seal, plan_sign
from matching.proposals.services import pairing_propose
from matching.schedule import add_months
from programmes import cldr
from tests.helpers import GOOD, World, as_actor, running


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
    # Every rule at once: the wrong duration does not hide the late first visit.
    assert refused.value.message_dict == {
        "duration_months": ["Duration: the project allows 3 to 12 months."],
        "visits": ["First in-person visit: plan it within the first 3 months (by Apr 14, 2027)."]}
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


# --- Through the pages: every broken rule at once, and a start date that has passed ----------

def at(world: World, name: str, pairing: Pairing) -> str:
    return reverse(name, args=[world.org.slug, pairing.pk])


def typed(start: date, *, months: int = 12, online: int = 1,
          visits: tuple[tuple[date, str, bool], ...] = ()) -> dict[str, str]:
    """The plan form as the pair fills it in."""
    data = {"objectives": "Trace criminal assets across borders.", "start": start.isoformat(),
            "duration_months": str(months), "online_meetings_per_month": str(online),
            "visits-TOTAL_FORMS": str(len(visits)), "visits-INITIAL_FORMS": "0"}
    for row, (day, place, funded) in enumerate(visits):
        data |= {f"visits-{row}-day": day.isoformat(), f"visits-{row}-place": place,
                 **({f"visits-{row}-funded": "on"} if funded else {})}
    return data


def test_a_plan_breaking_several_rules_shows_them_all_next_to_their_fields(world, pairing,
                                                                           client_as):
    # 14 months, no online meeting, and a funded visit in month 14: before, only the duration
    # was named, and the rest came one by one as each was corrected.
    data = typed(date(2027, 1, 15), months=14, online=0,
                 visits=((date(2027, 3, 1), "Rabat, Morocco", True),
                         (date(2028, 2, 20), "Lyon, France", True)))
    response = client_as(world.people["mentee"]).post(at(world, "plan_edit", pairing), data)
    assert response.status_code == 400
    form, formset = response.context["form"], response.context["formset"]
    assert form.errors == {
        "duration_months": ["Duration: the project allows 3 to 12 months."],
        "online_meetings_per_month": ["Online meetings: the project asks for at least 1 a month."]}
    assert formset.errors[0] == {}
    assert formset.errors[1] == {
        "day": ["Visit of Feb 20, 2028: it falls outside the longest pairing the project allows "
                "(Jan 15, 2027 to Jan 14, 2028)."],
        "funded": ["Funded visits: only within the first 12 months; Feb 20, 2028 is later."]}
    page = response.content.decode()
    # Each message on the page once, the visit's in the second visit's row.
    second_row = page[page.index('aria-label="Visit 2"'):]
    assert "falls outside the longest pairing" in second_row
    assert "only within the first 12 months" in second_row
    for message in ("the project allows 3 to 12 months", "at least 1 a month"):
        assert page.count(message) == 1
    assert 'value="14"' in page and 'value="Lyon, France"' in page
    assert not ActivityPlan.unscoped.exists() and not PlannedVisit.unscoped.exists()


def test_a_field_to_correct_does_not_hide_the_rules(world, pairing, client_as):
    data = typed(date(2027, 1, 15), online=0,
                 visits=((date(2027, 3, 1), "", True), (date(2027, 4, 1), "Lyon, France", True)))
    response = client_as(world.people["mentee"]).post(at(world, "plan_edit", pairing), data)
    assert response.status_code == 400
    assert response.context["formset"].errors[0] == {"place": ["This field is required."]}
    assert response.context["formset"].errors[1] == {"funded": [
        "Funded visits: at most one in each 3-month period; period 1 already has the visit of "
        "Mar 1, 2027."]}
    assert response.context["form"].errors == {"online_meetings_per_month": [
        "Online meetings: the project asks for at least 1 a month."]}
    assert not ActivityPlan.unscoped.exists()


PAST_WARNING = "has already passed: the pairing's first weeks are gone"


def test_a_start_date_that_has_passed_warns_the_pair_before_anything_is_saved(
        world, pairing, client_as):
    start = timezone.localdate() - timedelta(days=20)
    data = typed(start, visits=((start + timedelta(days=40), "Rabat, Morocco", True),))
    mentee = client_as(world.people["mentee"])
    response = mentee.post(at(world, "plan_edit", pairing), data)
    assert response.status_code == 200
    assert not response.context["form"].errors
    page = response.content.decode()
    first_visit_by = add_months(start, 3) - timedelta(days=1)
    assert response.context["start_warning"] == (
        f"{cldr.day(start)} {PAST_WARNING}, and its first in-person visit is due by "
        f"{cldr.day(first_visit_by)}, counted from that date. Choose a later date, or keep "
        "this one and the coordinator approves the plan only with a reason.")
    # Next to the start date, before the duration, with the box to keep it.
    warning_at = page.index(PAST_WARNING.replace("'", "&#x27;"))
    assert page.index('name="start"') < warning_at < page.index('name="duration_months"')
    assert page.index('name="keep_past_start"') > warning_at
    assert f'value="{start.isoformat()}"' in page and 'value="Rabat, Morocco"' in page
    assert not ActivityPlan.unscoped.exists()

    response = mentee.post(at(world, "plan_edit", pairing), {**data, "keep_past_start": "on"})
    assert response.status_code == 302
    assert ActivityPlan.unscoped.get().start == start
    # The warning stays on the plan's pages, for the partner who signs it too.
    assert PAST_WARNING in mentee.get(at(world, "plan_edit", pairing)).context["start_warning"]
    partner_page = client_as(world.people["mentor"]).get(at(world, "pairing_detail", pairing))
    assert "The start date has passed." in partner_page.content.decode()


def test_a_revision_keeping_the_start_of_a_pairing_under_way_is_not_warned(world, client_as):
    pairing = running(world)  # its approved plan started three months ago
    start = ActivityPlan.unscoped.get(pairing=pairing).start
    data = typed(start, visits=((start + timedelta(days=30), "Rabat, Morocco", True),))
    response = client_as(world.people["mentee"]).post(at(world, "plan_edit", pairing), data)
    assert response.status_code == 302
    assert pairing.plans.get(status="draft").start == start
    plan = signed(world, pairing.plans.get(status="draft"))
    plan_review(actor=as_actor(world.people["coordinator"]), pairing=plan.pairing, approve=True)
    assert pairing.plans.get(status="approved").version == 2


def test_approving_a_plan_that_starts_in_the_past_needs_a_reason(world, pairing, client_as):
    start = timezone.localdate() - timedelta(days=20)
    signed(world, plan_save(actor=as_actor(world.people["mentee"]), pairing=pairing, **{
        **GOOD, "start": start, "visits": [Visit(start + timedelta(days=40), "Rabat", True)]}))
    coordinator = client_as(world.people["coordinator"])
    page = coordinator.get(at(world, "pairing_detail", pairing)).content.decode()
    assert "The start date has passed." in page
    assert "approved only with a reason here" in page

    response = coordinator.post(at(world, "plan_review", pairing),
                                {"decision": "approve", "comments": "  "})
    assert response.status_code == 400
    assert response.context["review_form"].errors["comments"] == [
        f"This plan starts on {cldr.day(start)}, a date that has passed: say why you approve "
        "it all the same. The reason is kept in the pairing's history."]
    pairing.refresh_from_db()
    assert pairing.status == "accepted" and pairing.plans.get().status == "signed"
    assert not pairing.events.filter(to_status="plan_agreed").exists()

    reason = "The mentor's posting was confirmed late; the pair met online meanwhile."
    response = coordinator.post(at(world, "plan_review", pairing),
                                {"decision": "approve", "comments": reason})
    assert response.status_code == 302
    pairing.refresh_from_db()
    plan = pairing.plans.get()
    assert (pairing.status, plan.status, plan.coordinator_comments) == (
        "plan_agreed", "approved", reason)
    assert pairing.events.get(to_status="plan_agreed").reason == reason
    for who in ("coordinator", "mentee"):
        page = client_as(world.people[who]).get(at(world, "pairing_detail", pairing))
        history = page.content.decode().split('id="history-h"')[1]
        assert reason.replace("'", "&#x27;") in history


def test_the_service_refuses_a_past_start_approval_without_a_reason(world, pairing):
    start = timezone.localdate() - timedelta(days=1)
    signed(world, plan_save(actor=as_actor(world.people["mentee"]), pairing=pairing, **{
        **GOOD, "start": start, "visits": [Visit(start + timedelta(days=40), "Rabat", True)]}))
    with pytest.raises(ValidationError) as refused:
        plan_review(actor=as_actor(world.people["coordinator"]), pairing=pairing, approve=True)
    assert list(refused.value.message_dict) == ["comments"]
    assert pairing.plans.get().status == "signed"
