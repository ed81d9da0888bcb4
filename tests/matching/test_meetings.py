"""Meetings: logged by one of the pair, confirmed or corrected by the other, held to the rules;
the compliance table; the private calendar feed."""

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from matching.meetings.compliance import from_json
from matching.models import Meeting, Pairing, PairingCompliance
from tests.factories import MembershipFactory
from tests.helpers import START, World, active_pairing, as_actor

TODAY = date(2027, 5, 10)  # the pairing started on 15 January 2027


@pytest.fixture
def pairing(world: World) -> Pairing:
    return active_pairing(world)


@pytest.fixture
def frozen_today():
    """The pages' "today": a day in the pairing's fourth month. The clock stands still (no
    tick), so that a page read just before midnight still finds the same day."""
    moment = timezone.make_aware(datetime.combine(TODAY, time(10)))
    with time_machine.travel(moment, tick=False):
        yield TODAY


def at(world: World, name: str, pairing: Pairing, *args: int) -> str:
    return reverse(name, args=[world.org.slug, pairing.pk, *args])


VISIT = {"kind": "in_person", "day": "2027-03-10", "duration_minutes": "240",
         "topics": "Joint case review", "notes": "Met the prosecutor.", "city": "Rabat",
         "country": "MA", "funded": "on", "cost_amount": "850.00", "cost_currency": "EUR"}
ONLINE = {"kind": "online", "day": "2027-02-01", "duration_minutes": "60",
          "topics": "Plan the visit", "notes": "", "city": "", "country": "", "cost_amount": "",
          "cost_currency": ""}


def test_log_then_the_other_confirms(world: World, pairing, client_as, frozen_today):
    mentee = client_as(world.people["mentee"])
    assert mentee.post(at(world, "meeting_create", pairing), VISIT).status_code == 302
    meeting = Meeting.unscoped.get()
    assert (meeting.kind, meeting.funded, meeting.cost_amount, meeting.logged_by) == (
        "in_person", True, 850, world.people["mentee"])
    assert meeting.confirmed_at is None
    # The one who logged it does not confirm it.
    page = mentee.post(at(world, "meeting_confirm", pairing, meeting.pk), follow=True).text
    assert "The other participant confirms a meeting you logged." in page
    mentor = client_as(world.people["mentor"])
    mentor.post(at(world, "meeting_confirm", pairing, meeting.pk))
    meeting.refresh_from_db()
    assert meeting.confirmed_by == world.people["mentor"]


def test_the_other_corrects_and_the_first_confirms(world: World, pairing, client_as,
                                                     frozen_today):
    client_as(world.people["mentee"]).post(at(world, "meeting_create", pairing), ONLINE)
    meeting = Meeting.unscoped.get()
    mentor = client_as(world.people["mentor"])
    corrected = {**ONLINE, "duration_minutes": "90", "topics": "Plan the visit to Rabat"}
    assert mentor.post(at(world, "meeting_edit", pairing, meeting.pk), corrected).status_code \
        == 302
    meeting.refresh_from_db()
    assert (meeting.duration_minutes, meeting.logged_by) == (90, world.people["mentor"])
    # The two disagree: the corrected meeting does not count until the mentee confirms it.
    page = client_as(world.people["mentee"]).get(at(world, "pairing_detail", pairing))
    assert page.context["compliance"].months[0].held == 0
    assert "corrected: counts once confirmed" in page.text
    kept = PairingCompliance.objects.for_org(world.org).get(pairing=pairing)
    assert from_json(kept.detail).months[0].held == 0
    client_as(world.people["mentee"]).post(at(world, "meeting_confirm", pairing, meeting.pk))
    meeting.refresh_from_db()
    assert meeting.confirmed_by == world.people["mentee"] and meeting.counts
    kept.refresh_from_db()
    assert from_json(kept.detail).months[0].held == 1


def test_a_change_by_whoever_logged_it_still_counts(world: World, pairing, client_as,
                                                    frozen_today):
    mentee = client_as(world.people["mentee"])
    mentee.post(at(world, "meeting_create", pairing), ONLINE)
    meeting = Meeting.unscoped.get()
    mentee.post(at(world, "meeting_edit", pairing, meeting.pk),
                {**ONLINE, "duration_minutes": "75"})
    meeting.refresh_from_db()
    assert meeting.duration_minutes == 75 and not meeting.corrected
    page = mentee.get(at(world, "pairing_detail", pairing))
    assert page.context["compliance"].months[0].held == 1


@pytest.mark.parametrize("changes,field,message", [
    ({"day": "Jun 1, 2027"}, "day", "Jun 1, 2027 is in the future"),
    ({"day": "Jan 14, 2027"}, "day", "is before the pairing started (Jan 15, 2027)"),
    ({"duration_minutes": "0"}, "duration_minutes", "greater than or equal to 1"),
    ({"duration_minutes": "-30"}, "duration_minutes", "greater than or equal to 1"),
    ({"duration_minutes": "2000"}, "duration_minutes", "less than or equal to 1440"),
    ({"cost_amount": "-10"}, "cost_amount", "greater than or equal to 0"),
    ({"cost_amount": "ten"}, "cost_amount", "Enter a number."),
    ({"cost_currency": ""}, "cost_currency", "Give the currency of the costs."),
    ({"cost_currency": "XXX"}, "cost_currency", "Select a valid choice"),
    ({"city": ""}, "city", "Say where the visit took place."),
    ({"topics": ""}, "topics", "This field is required."),
    ({"day": "yesterday"}, "day", "Enter a valid date."),
    ({"kind": "online"}, "funded", "Only an in-person visit is funded."),
])
def test_a_bad_meeting_is_refused_next_to_the_field(world: World, pairing, client_as,
                                                    frozen_today, changes, field, message):
    response = client_as(world.people["mentee"]).post(at(world, "meeting_create", pairing),
                                                      {**VISIT, **changes})
    assert response.status_code == 400
    assert message in str(response.context["form"].errors[field])
    assert 'value="Joint case review"' in response.text or changes.get("topics") == ""
    assert not Meeting.unscoped.exists()


CONTROL = "Remove the control characters (such as NUL) from this text."


@pytest.mark.parametrize(("field", "value"), [
    ("topics", "Joint\x00 case review"), ("notes", "Met the\x07 prosecutor."),
    ("city", "Ra\x1fbat"),
])
def test_control_characters_in_a_meeting_are_refused_next_to_the_field(
        world: World, pairing, client_as, frozen_today, field, value):
    response = client_as(world.people["mentee"]).post(at(world, "meeting_create", pairing),
                                                      {**VISIT, field: value})
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [CONTROL]
    assert CONTROL in response.text
    assert 'value="850.00"' in response.text  # the rest of what was typed
    assert not Meeting.unscoped.exists()


def test_a_second_funded_visit_in_a_period_is_refused_with_the_rule(world: World, pairing,
                                                                    client_as, frozen_today):
    mentee = client_as(world.people["mentee"])
    mentee.post(at(world, "meeting_create", pairing), VISIT)
    response = mentee.post(at(world, "meeting_create", pairing), {**VISIT, "day": "2027-04-01"})
    assert response.status_code == 400
    assert ("Funded visits: at most one in each 3-month period; period 1 already has the visit "
            "of Mar 10, 2027.") in str(response.context["form"].errors["funded"])
    assert Meeting.unscoped.count() == 1
    # Unfunded, the same visit is fine; in the next period, funded too.
    assert mentee.post(at(world, "meeting_create", pairing),
                       {**VISIT, "day": "2027-04-01", "funded": ""}).status_code == 302
    assert mentee.post(at(world, "meeting_create", pairing),
                       {**VISIT, "day": "2027-04-20"}).status_code == 302


def test_no_meeting_before_the_pairing_is_active(world: World, client_as):
    from matching.proposals.services import pairing_propose

    proposed = pairing_propose(actor=as_actor(world.people["coordinator"]), project=world.project,
                               mentee=world.people["mentee"], mentor=world.people["mentor"])
    response = client_as(world.people["mentee"]).post(at(world, "meeting_create", proposed),
                                                      ONLINE)
    assert response.status_code == 400
    assert "Meetings are logged once the pairing is active." in response.text


def test_the_pairing_page_shows_the_timeline(world: World, pairing, client_as, frozen_today):
    client_as(world.people["mentee"]).post(at(world, "meeting_create", pairing), VISIT)
    client_as(world.people["mentee"]).post(at(world, "meeting_create", pairing), ONLINE)
    state = client_as(world.people["coordinator"]).get(
        at(world, "pairing_detail", pairing)).context["compliance"]
    assert [m.state for m in state.months[:5]] == ["done", "missed", "missed", "open", "ahead"]
    assert [q.state for q in state.quarters] == ["done", "open", "ahead", "ahead"]
    assert (state.first_visit.state, state.first_visit.held) == ("done", date(2027, 3, 10))


def test_the_compliance_table_lists_the_latest_first(world: World, pairing, client_as,
                                                     frozen_today):
    other = active_pairing(
        world, mentee=MembershipFactory(organisation=world.org, role="mentee",
                                        user__full_name="Aaron Early").user,
        mentor=MembershipFactory(organisation=world.org, role="mentor").user)
    mentee = client_as(world.people["mentee"])
    for month in (1, 2, 3, 4):  # the world's mentee keeps every month
        mentee.post(at(world, "meeting_create", pairing),
                    {**ONLINE, "day": f"2027-{month:02}-20"})
    mentee.post(at(world, "meeting_create", pairing), VISIT)
    url = reverse("compliance_table", args=[world.org.slug, world.project.slug])
    page = client_as(world.people["coordinator"]).get(url)
    rows = page.context["rows"]
    assert [row.pairing for row in rows] == [other, pairing]
    assert rows[0].state.late == ["month-1", "month-2", "month-3", "period-1", "first-visit"]
    assert rows[1].state.late == []
    filtered = client_as(world.people["coordinator"]).get(url, {"status": "completed"})
    assert list(filtered.context["page"].object_list) == []


# --- Calendar ---------------------------------------------------------------------------------

def test_the_calendar_feed_shows_due_dates_and_visits_and_dies_with_its_secret(
        world: World, pairing, client_as):
    client = client_as(world.people["mentee"])
    page = client.post(reverse("calendar_page", args=[world.org.slug]), {"action": "renew"})
    address = page.context["address"]
    token = address.rsplit("/", 1)[1].removesuffix(".ics")
    feed = client_as(None).get(reverse("calendar_feed", args=[token]))
    assert feed.status_code == 200 and feed["Content-Type"].startswith("text/calendar")
    body = feed.content.decode()
    assert "DTSTART;VALUE=DATE:20270716" in body  # the interim report, at the halfway mark
    assert "SUMMARY:Interim report due (EUROMED Police)" in body
    assert "SUMMARY:Planned visit: Rabat (EUROMED Police)" in body
    assert body.count("BEGIN:VEVENT") == 7 and body.endswith("END:VCALENDAR\r\n")
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    # A new address: the old one answers like any wrong one.
    client = client_as(world.people["mentee"])
    client.post(reverse("calendar_page", args=[world.org.slug]), {"action": "renew"})
    assert client_as(None).get(reverse("calendar_feed", args=[token])).status_code == 404
    client = client_as(world.people["mentee"])
    client.post(reverse("calendar_page", args=[world.org.slug]), {"action": "remove"})
    world.people["mentee"].refresh_from_db()
    assert world.people["mentee"].calendar_token_hash == ""
    assert client_as(None).get("/calendar/.ics").status_code == 404


def test_someone_elses_calendar_holds_none_of_this_pairing(world: World, pairing, client_as):
    stranger = MembershipFactory(organisation=world.org, role="mentee").user
    page = client_as(stranger).post(reverse("calendar_page", args=[world.org.slug]),
                                    {"action": "renew"})
    token = page.context["address"].rsplit("/", 1)[1].removesuffix(".ics")
    body = client_as(None).get(reverse("calendar_feed", args=[token])).content.decode()
    assert "BEGIN:VEVENT" not in body
    assert START.isoformat() not in body


def test_a_meeting_after_the_pairing_ended_is_refused(world: World, client_as):
    today = timezone.localdate()
    ended = active_pairing(world, start=today - timedelta(days=400))  # ended about 35 days ago
    day = (today - timedelta(days=10)).isoformat()
    response = client_as(world.people["mentee"]).post(at(world, "meeting_create", ended),
                                                      {**ONLINE, "day": day})
    assert response.status_code == 400
    assert "is after the pairing ended" in str(response.context["form"].errors["day"])
    assert not Meeting.unscoped.exists()


def test_leaving_the_organisation_empties_the_calendar_feed(world: World, pairing, client_as):
    page = client_as(world.people["mentee"]).post(reverse("calendar_page", args=[world.org.slug]),
                                                  {"action": "renew"})
    token = page.context["address"].rsplit("/", 1)[1].removesuffix(".ics")
    assert "BEGIN:VEVENT" in client_as(None).get(reverse("calendar_feed", args=[token])).text
    world.memberships["mentee"].delete()
    assert "BEGIN:VEVENT" not in client_as(None).get(reverse("calendar_feed", args=[token])).text


def test_someone_elses_meeting_answers_like_a_missing_one(world: World, pairing, client_as,
                                                         frozen_today):
    """A meeting of another pairing, reached through one's own pairing's address or through
    the other pairing's, is not found; nothing changes."""
    client_as(world.people["mentee"]).post(at(world, "meeting_create", pairing), ONLINE)
    theirs = Meeting.unscoped.get()
    other = active_pairing(
        world, mentee=MembershipFactory(organisation=world.org, role="mentee").user,
        mentor=MembershipFactory(organisation=world.org, role="mentor").user)
    stranger = client_as(other.mentee)
    assert stranger.get(at(world, "meeting_edit", other, theirs.pk)).status_code == 404
    assert stranger.get(at(world, "meeting_edit", pairing, theirs.pk)).status_code == 404
    assert stranger.post(at(world, "meeting_confirm", pairing, theirs.pk)).status_code == 404
    assert stranger.post(at(world, "meeting_confirm", other, theirs.pk)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.confirmed_at is None
