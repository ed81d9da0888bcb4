"""The pairing page: mentor and mentee answer, draft and sign their plan; the coordinator reviews
it and moves the pairing along. Bad input is refused next to the field and saves nothing."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from matching.models import ActivityPlan, Pairing
from matching.pairings.services import pairing_respond
from matching.proposals.services import pairing_propose
from programmes.models import Project
from tests.factories import MeetingFactory, MembershipFactory
from tests.helpers import World, as_actor, running


@pytest.fixture
def proposed(world: World) -> Pairing:
    return pairing_propose(actor=as_actor(world.people["coordinator"]), project=world.project,
                           mentee=world.people["mentee"], mentor=world.people["mentor"])


@pytest.fixture
def accepted(world: World, proposed: Pairing) -> Pairing:
    for who in ("mentee", "mentor"):
        proposed = pairing_respond(actor=as_actor(world.people[who]), pairing=proposed, accept=True)
    return proposed


def at(world: World, name: str, pairing: Pairing) -> str:
    return reverse(name, args=[world.org.slug, pairing.pk])


def sign(client, world: World, pairing: Pairing):
    """Signs as the page does: with the seal of the plan the page shows."""
    seal = client.get(at(world, "pairing_detail", pairing)).context["seal"]
    return client.post(at(world, "plan_sign", pairing), {"seen": seal})


GOOD_PLAN = {
    "objectives": "Trace criminal assets across borders.", "start": "2027-01-15",
    "duration_months": "12", "online_meetings_per_month": "1",
    "visits-TOTAL_FORMS": "2", "visits-INITIAL_FORMS": "0",
    "visits-0-day": "2027-03-01", "visits-0-place": "Rabat, Morocco", "visits-0-funded": "on",
    "visits-1-day": "2027-06-01", "visits-1-place": "Lyon, France", "visits-1-funded": "on",
}


def test_mentee_accepts_then_mentor_and_the_pairing_is_accepted(world: World, proposed,
                                                                client_as):
    client = client_as(world.people["mentee"])
    page = client.get(at(world, "pairing_detail", proposed)).content.decode()
    assert "Accept or decline this pairing." in page
    assert "Mentor Person" in page and "mentor@cepol.test" not in page  # no address yet
    response = client.post(at(world, "pairing_respond", proposed), {"decision": "accept"})
    assert response.status_code == 302
    assert "Waiting for Mentor Person to accept." in client.get(
        at(world, "pairing_detail", proposed)).content.decode()
    client = client_as(world.people["mentor"])
    client.post(at(world, "pairing_respond", proposed), {"decision": "accept"})
    proposed.refresh_from_db()
    assert proposed.status == "accepted"
    page = client.get(at(world, "pairing_detail", proposed)).content.decode()
    assert "Draft the activity plan together" in page and "mentee@cepol.test" in page


def test_declining_needs_a_reason_and_then_returns_both_to_the_pool(world: World, proposed,
                                                                   client_as):
    client = client_as(world.people["mentor"])
    response = client.post(at(world, "pairing_respond", proposed), {"decision": "decline"})
    assert response.status_code == 400
    assert "Say why you decline" in response.content.decode()
    proposed.refresh_from_db()
    assert proposed.status == "proposed"
    long_reason = "x" * 2001
    response = client.post(at(world, "pairing_respond", proposed),
                           {"decision": "decline", "reason": long_reason})
    assert response.status_code == 400 and long_reason in response.content.decode()
    client.post(at(world, "pairing_respond", proposed),
                {"decision": "decline", "reason": "I am posted abroad next year."})
    proposed.refresh_from_db()
    assert proposed.status == "declined" and proposed.end_reason == "I am posted abroad next year."


def test_an_answer_after_the_answer_is_refused_with_a_message(world: World, accepted, client_as):
    response = client_as(world.people["mentee"]).post(at(world, "pairing_respond", accepted),
                                                      {"decision": "decline", "reason": "No"})
    assert response.status_code == 400
    assert "no longer waiting for an answer" in response.content.decode()


@pytest.mark.parametrize("changes,field,message", [
    ({"duration_months": "30"}, "duration_months", "Duration: the project allows 3 to 12 months."),
    ({"online_meetings_per_month": "0"}, "online_meetings_per_month",
     "Online meetings: the project asks for at least 1 a month."),
    ({"visits-0-day": "May 1, 2027"}, "visits", "First in-person visit: plan it within the first "
                                               "3 months (by Apr 14, 2027)."),
    ({"visits-1-day": "Mar 20, 2027"}, "visits", "Funded visits: at most one in each 3-month "
                                               "period"),
    ({"visits-1-day": "2028-03-01"}, "visits", "falls outside the pairing"),
    ({"start": "2027-02-30"}, "start", "Enter a valid date."),
    ({"duration_months": "-2"}, "duration_months", "greater than or equal to 1"),
    ({"objectives": ""}, "objectives", "This field is required."),
    ({"visits-0-place": ""}, "visits", "This field is required."),
    ({"visits-0-day": "tomorrow"}, "visits", "Enter a valid date."),
])
def test_a_bad_plan_names_the_rule_keeps_what_was_typed_and_saves_nothing(
        world: World, accepted, client_as, changes: dict, field: str, message: str):
    data = {**GOOD_PLAN, **changes}
    response = client_as(world.people["mentee"]).post(at(world, "plan_edit", accepted), data)
    assert response.status_code == 400
    page = response.content.decode()
    if field == "visits":
        errors = " ".join(response.context["visit_errors"]) + str(
            response.context["formset"].errors)
    else:
        errors = str(response.context["form"].errors[field])
    assert message in errors
    assert "Trace criminal assets across borders." in page or changes.get("objectives") == ""
    assert 'value="Lyon, France"' in page
    assert not ActivityPlan.unscoped.exists()


CONTROL = "Remove the control characters (such as NUL) from this text."


@pytest.mark.parametrize("bad", ["\x00", "\x07"], ids=["nul", "bell"])
def test_control_characters_in_the_plan_are_refused_next_to_the_field(
        world: World, accepted, client_as, bad):
    data = {**GOOD_PLAN, "objectives": f"Trace{bad} criminal assets.",
            "visits-1-place": f"Lyon{bad}, France"}
    response = client_as(world.people["mentee"]).post(at(world, "plan_edit", accepted), data)
    assert response.status_code == 400
    assert response.context["form"].errors["objectives"] == [CONTROL]
    assert response.context["formset"].errors[1]["place"] == [CONTROL]
    assert response.content.decode().count(CONTROL) == 2
    assert 'value="Rabat, Morocco"' in response.content.decode()
    assert not ActivityPlan.unscoped.exists()


def test_a_plan_keeps_tabs_and_line_breaks(world: World, accepted, client_as):
    objectives = "- Trace criminal assets.\r\n\t- Across borders."
    response = client_as(world.people["mentee"]).post(at(world, "plan_edit", accepted),
                                                      {**GOOD_PLAN, "objectives": objectives})
    assert response.status_code == 302
    assert ActivityPlan.unscoped.get().objectives == objectives


def test_plan_drafted_signed_returned_revised_and_approved(world: World, accepted, client_as):
    mentee = client_as(world.people["mentee"])
    assert mentee.post(at(world, "plan_edit", accepted), GOOD_PLAN).status_code == 302
    plan = ActivityPlan.unscoped.get()
    assert plan.version == 1 and plan.visits.count() == 2
    sign(mentee, world, accepted)
    sign(client_as(world.people["mentor"]), world, accepted)
    plan.refresh_from_db()
    assert plan.status == "signed"

    coordinator = client_as(world.people["coordinator"])
    page = coordinator.get(at(world, "pairing_detail", accepted)).content.decode()
    assert "Review the activity plan" in page
    response = coordinator.post(at(world, "plan_review", accepted), {"decision": "return"})
    assert response.status_code == 400 and "Say what to change" in response.content.decode()
    coordinator.post(at(world, "plan_review", accepted),
                     {"decision": "return", "comments": "Add a visit to Lyon in the spring."})
    plan.refresh_from_db()
    assert plan.status == "returned"

    mentor = client_as(world.people["mentor"])
    page = mentor.get(at(world, "pairing_detail", accepted)).content.decode()
    assert "Add a visit to Lyon in the spring." in page
    edit = mentor.get(at(world, "plan_edit", accepted))
    assert edit.context["form"].initial["objectives"] == GOOD_PLAN["objectives"]
    revised = {**GOOD_PLAN, "visits-1-day": "2027-04-20", "objectives": "Trace assets; Lyon."}
    assert mentor.post(at(world, "plan_edit", accepted), revised).status_code == 302
    assert list(ActivityPlan.unscoped.order_by("version").values_list("version", "status")) == [
        (1, "returned"), (2, "draft")]
    for who in ("mentor", "mentee"):
        sign(client_as(world.people[who]), world, accepted)
    coordinator = client_as(world.people["coordinator"])
    coordinator.post(at(world, "plan_review", accepted), {"decision": "approve"})
    accepted.refresh_from_db()
    assert accepted.status == "plan_agreed"
    page = coordinator.get(at(world, "pairing_detail", accepted)).content.decode()
    assert "Interim report (halfway)" in page
    schedule = coordinator.get(at(world, "pairing_detail", accepted)).context["schedule"]
    assert (schedule.start, schedule.halfway, schedule.end) == (
        date(2027, 1, 15), date(2027, 7, 16), date(2028, 1, 14))
    state = coordinator.get(at(world, "pairing_detail", accepted)).context["compliance"]
    assert (len(state.months), len(state.quarters)) == (12, 4)

    # Before the plan's start date the pairing cannot start: the page says from when it can.
    page = coordinator.get(at(world, "pairing_detail", accepted)).content.decode()
    assert "you can start the pairing from that day" in page and "Start the pairing<" not in page
    refused = coordinator.post(at(world, "pairing_move", accepted), {"to_status": "active"})
    assert refused.status_code == 400
    assert "the pairing can start on that day, not before" in refused.content.decode()
    accepted.refresh_from_db()
    assert accepted.status == "plan_agreed" and not accepted.events.filter(
        to_status="active").exists()

    with time_machine.travel(datetime(2027, 1, 15, 9, tzinfo=UTC), tick=False):
        coordinator = client_as(world.people["coordinator"])
        assert "Start the pairing<" in coordinator.get(
            at(world, "pairing_detail", accepted)).content.decode()
        assert coordinator.post(at(world, "pairing_move", accepted),
                                {"to_status": "active"}).status_code == 302
    accepted.refresh_from_db()
    assert accepted.status == "active"


def test_ending_early_needs_a_reason(world: World, accepted, client_as):
    coordinator = client_as(world.people["coordinator"])
    response = coordinator.post(at(world, "pairing_move", accepted), {"to_status": "ended_early"})
    assert response.status_code == 400 and "Say why the pairing ends early." in \
        response.content.decode()
    response = coordinator.post(at(world, "pairing_move", accepted), {"to_status": "completed"})
    assert response.status_code == 400 and "cannot go from" in response.content.decode()
    response = coordinator.post(at(world, "pairing_move", accepted), {"to_status": "nonsense"})
    assert response.status_code == 400
    accepted.refresh_from_db()
    assert accepted.status == "accepted"
    coordinator.post(at(world, "pairing_move", accepted),
                     {"to_status": "ended_early", "reason": "The mentee left the service."})
    accepted.refresh_from_db()
    assert accepted.status == "ended_early"


def test_a_mentor_sees_only_their_own_pairings(world: World, proposed, client_as):
    other_mentor = MembershipFactory(organisation=world.org, role="mentor").user
    other_mentee = MembershipFactory(organisation=world.org, role="mentee").user
    theirs = pairing_propose(actor=as_actor(world.people["coordinator"]), project=world.project,
                             mentee=other_mentee, mentor=other_mentor)
    client = client_as(world.people["mentor"])
    assert client.get(at(world, "pairing_detail", theirs)).status_code == 404
    listed = client.get(reverse("pairing_list", args=[world.org.slug])).context["rows"]
    assert [row.pk for row in listed] == [proposed.pk]


def test_the_coordinator_cannot_write_the_pairs_plan(world: World, accepted, client_as):
    assert client_as(world.people["coordinator"]).get(
        at(world, "plan_edit", accepted)).status_code == 403


def test_another_organisations_pairing_answers_like_a_missing_one(world: World, client_as):
    mentee = MembershipFactory(organisation=world.other_org, role="mentee").user
    mentor = MembershipFactory(organisation=world.other_org, role="mentor").user
    foreign = pairing_propose(actor=as_actor(world.outsider), project=world.foreign_project,
                              mentee=mentee, mentor=mentor)
    client = client_as(world.people["admin"])
    for name in ("pairing_detail", "plan_edit"):
        foreign_url = reverse(name, args=[world.org.slug, foreign.pk])
        missing_url = reverse(name, args=[world.org.slug, 999999])
        assert client.get(foreign_url).status_code == client.get(missing_url).status_code == 404
    for name in ("pairing_respond", "pairing_move", "plan_sign", "plan_review"):
        assert client.post(reverse(name, args=[world.org.slug, foreign.pk]),
                           {"to_status": "ended_early", "reason": "x"}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == "proposed"


def test_home_pages_show_the_pairing(world: World, proposed, client_as):
    page = client_as(world.people["mentee"]).get(reverse("home", args=[world.org.slug])).text
    assert "With your mentor <bdi>Mentor Person</bdi>" in page
    assert "Accept or decline this pairing." in page
    page = client_as(world.people["mentor"]).get(reverse("home", args=[world.org.slug])).text
    assert "With your mentee <bdi>Mentee Person</bdi>" in page
    home = client_as(world.people["coordinator"]).get(reverse("home", args=[world.org.slug]))
    assert ("proposed", "Proposed", 1) in home.context["pairing_rows"]
    assert "Match in <bdi>EUROMED Police</bdi>" in home.text


def test_each_step_tells_the_people_it_concerns(world: World, proposed, client_as):
    from participants.models import Notification

    def told(who: str) -> list[str]:
        return list(Notification.unscoped.filter(user=world.people[who])
                    .order_by("pk").values_list("text", flat=True))

    assert told("mentee") == told("mentor") == [
        "You are proposed a pairing in EUROMED Police: see who with, and accept or decline."]
    client_as(world.people["mentee"]).post(at(world, "pairing_respond", proposed),
                                           {"decision": "accept"})
    client_as(world.people["mentor"]).post(at(world, "pairing_respond", proposed),
                                           {"decision": "accept"})
    assert told("mentee")[-1] == ("Both of you accepted the pairing in EUROMED Police: draft "
                                  "your activity plan together.")
    for who in ("mentee", "mentor"):
        client = client_as(world.people[who])
        if who == "mentee":
            client.post(at(world, "plan_edit", proposed), GOOD_PLAN)
        sign(client, world, proposed)
    assert told("coordinator") == [
        "An activity plan in EUROMED Police is signed by both and waits for your review."]
    client_as(world.people["coordinator"]).post(at(world, "plan_review", proposed),
                                                {"decision": "approve"})
    assert told("mentor")[-1] == "The coordinator approved your activity plan in EUROMED Police."
    with time_machine.travel(datetime(2027, 1, 15, 9, tzinfo=UTC), tick=False):
        client_as(world.people["coordinator"]).post(at(world, "pairing_move", proposed),
                                                    {"to_status": "active"})
    assert told("mentee")[-1] == "Your pairing in EUROMED Police has started."
    assert told("admin") == []  # an admin is not told of every plan


def test_a_decline_tells_the_partner_and_the_coordinator(world: World, proposed, client_as):
    from participants.models import Notification

    client_as(world.people["mentee"]).post(at(world, "pairing_respond", proposed),
                                           {"decision": "decline", "reason": "Posted abroad."})
    expected = "Mentee Person declined the proposed pairing in EUROMED Police: Posted abroad."
    for who in ("mentor", "coordinator"):
        assert Notification.unscoped.filter(user=world.people[who], text=expected).exists()


def test_signing_a_plan_changed_since_it_was_shown_is_refused(world: World, accepted, client_as):
    mentee = client_as(world.people["mentee"])
    mentee.post(at(world, "plan_edit", accepted), GOOD_PLAN)
    seal = mentee.get(at(world, "pairing_detail", accepted)).context["seal"]
    client_as(world.people["mentor"]).post(at(world, "plan_edit", accepted),
                                           {**GOOD_PLAN, "objectives": "Changed meanwhile."})
    mentee = client_as(world.people["mentee"])
    response = mentee.post(at(world, "plan_sign", accepted), {"seen": seal}, follow=True)
    assert "The plan changed since you read it" in response.text
    assert ActivityPlan.unscoped.get().mentee_signed_at is None
    for bad in ("", "nonsense", "1:"):
        mentee.post(at(world, "plan_sign", accepted), {"seen": bad})
    assert ActivityPlan.unscoped.get().mentee_signed_at is None


@pytest.mark.parametrize("day", ["9999-06-01", "1899-01-01"])
def test_a_date_out_of_this_century_is_refused_next_to_the_field(world, accepted, client_as,
                                                                 day: str):
    response = client_as(world.people["mentee"]).post(
        at(world, "plan_edit", accepted), {**GOOD_PLAN, "start": day, "visits-0-day": day})
    assert response.status_code == 400
    assert "Ensure this value is" in str(response.context["form"].errors["start"])
    assert "Ensure this value is" in str(response.context["formset"].errors)
    assert not ActivityPlan.unscoped.exists()


@pytest.mark.parametrize("query", ["²", "\u0661", "-1", "99999999999999999999", "abc"])
def test_a_tampered_call_filter_is_not_found(world: World, client_as, query: str):
    url = reverse("matching_run", args=[world.org.slug, world.project.slug])
    assert client_as(world.people["coordinator"]).get(url, {"call": query}).status_code == 404


def test_each_person_is_told_in_their_own_language(world: World):
    from participants.models import Notification

    world.people["mentee"].language = "fr"
    world.people["mentee"].save()
    pairing_propose(actor=as_actor(world.people["coordinator"]), project=world.project,
                    mentee=world.people["mentee"], mentor=world.people["mentor"])
    assert Notification.unscoped.get(user=world.people["mentee"]).text == (
        "Un binôme vous est proposé dans EUROMED Police\u00a0: voyez avec qui, et acceptez ou "
        "refusez.")
    assert Notification.unscoped.get(user=world.people["mentor"]).text.startswith(
        "You are proposed a pairing")


def test_a_pairing_of_a_project_no_longer_active_still_names_it(world: World, proposed,
                                                                  client_as):
    Project.objects.for_org(world.org).filter(pk=world.project.pk).update(is_active=False)
    response = client_as(world.people["mentor"]).get(reverse("pairing_list",
                                                             args=[world.org.slug]))
    assert [row.project for row in response.context["rows"]] == [world.project.name]
    # Not offered as a filter: only the projects the person sees are.
    assert str(world.project.pk) not in dict(
        response.context["filter"].form.fields["project"].choices)


def test_another_organisations_project_or_an_unknown_status_is_refused_next_to_the_field(
        world: World, proposed, client_as):
    client = client_as(world.people["coordinator"])
    response = client.get(reverse("pairing_list", args=[world.org.slug]),
                          {"project": world.foreign_project.pk, "status": "nope",
                           "q": "Person"})
    assert response.status_code == 200
    errors = response.context["filter"].errors
    assert set(errors) == {"project", "status"}
    assert 'aria-invalid="true" aria-describedby="id_project_error"' in response.text
    assert 'value="Person"' in response.text  # what was typed is kept
    assert world.foreign_project.name not in response.text


# --- What is next: what is late and due comes before what lies ahead -------------------------

def _started(world: World, days_ago: int, **plan) -> Pairing:
    pairing = running(world)
    ActivityPlan.unscoped.filter(pairing=pairing, status="approved").update(
        start=timezone.localdate() - timedelta(days=days_ago), **plan)
    return pairing


def _steps(client, world: World, pairing: Pairing) -> list[str]:
    return client.get(at(world, "pairing_detail", pairing)).context["next_steps"]


def test_an_interim_report_due_now_comes_first_not_the_narrative_report(world, client_as):
    # Twelve months from 190 days ago: the interim report was due 8 days ago, within grace.
    pairing = _started(world, 190)
    MeetingFactory(pairing=pairing, kind="in_person", city="Rabat",
                   day=timezone.localdate() - timedelta(days=150))  # the first visit, held
    mentee = client_as(world.people["mentee"])
    steps = _steps(mentee, world, pairing)
    assert steps[0].startswith("The interim report is due now")
    assert steps[-1].startswith("The narrative report, due on")  # what lies ahead, last
    home = mentee.get(reverse("home", args=[world.org.slug])).text
    assert "The interim report is due now" in home
    # The coordinator reads the same first.
    steps = _steps(client_as(world.people["coordinator"]), world, pairing)
    assert steps[0].startswith("The interim report is due now")


def test_a_late_interim_report_and_a_missed_first_visit_come_before_anything_else(
        world, client_as):
    pairing = _started(world, 230)  # due 48 days ago, late after 34
    steps = _steps(client_as(world.people["mentor"]), world, pairing)
    assert steps[0].startswith("The interim report is late: it was due on")
    assert "Write it and submit it now." in steps[0]
    assert any(step.startswith("The first visit was due by") for step in steps)
    home = client_as(world.people["mentor"]).get(reverse("home", args=[world.org.slug])).text
    assert "The interim report is late" in home


def test_ahead_of_the_interim_report_the_month_comes_first_and_the_report_last(
        world, client_as):
    pairing = _started(world, 40)
    steps = _steps(client_as(world.people["mentee"]), world, pairing)
    assert steps[-1].startswith("The interim report, due on")
    assert any(step.startswith("This month, until") and "0 online meetings held of the 1 agreed"
               in step for step in steps)
    assert steps.index(next(s for s in steps if s.startswith("This month"))) < len(steps) - 1


def test_the_month_is_held_to_the_meetings_the_plan_agreed_not_the_projects_minimum(
        world, client_as):
    # The project asks one online meeting a month; this pair agreed two and held one.
    pairing = _started(world, 40, online_meetings_per_month=2)
    MeetingFactory(pairing=pairing, day=timezone.localdate() - timedelta(days=35))
    coordinator = client_as(world.people["coordinator"])
    compliance = coordinator.get(at(world, "pairing_detail", pairing)).context["compliance"]
    assert compliance.months[0].held == 1 and compliance.months[0].state == "missed"
    steps = _steps(coordinator, world, pairing)
    assert any("of the 2 agreed" in step for step in steps)
