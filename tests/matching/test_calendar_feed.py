"""The calendar feed is valid iCalendar (RFC 5545) even with nothing in it, and speaks its owner's
language whoever fetches it."""

from datetime import UTC, date, datetime

import pytest
from django.urls import reverse

from matching.calendar import ics
from matching.calendar.services import calendar_address_renew
from tests.factories import ActivityFactory, ActivityParticipantFactory
from tests.helpers import World, active_pairing


def strictly_valid(body: str) -> list[str]:
    """The feed's lines, unfolded, once checked as RFC 5545 asks: CRLF line ends, lines of at
    most 75 octets (a longer one folded, its rest starting with a space), BEGIN and END in
    balance, one VCALENDAR with VERSION and PRODID and at least one component."""
    assert body.endswith("\r\n")
    raw = body[:-2].split("\r\n")
    assert all("\n" not in line and "\r" not in line for line in raw)
    assert all(len(line.encode()) <= 75 for line in raw)
    lines: list[str] = []
    for line in raw:
        if line.startswith((" ", "\t")):
            assert lines, "a continuation before any line"
            lines[-1] += line[1:]
        else:
            assert ":" in line, line
            lines.append(line)
    open_blocks: list[str] = []
    components = 0
    for line in lines:
        if line.startswith("BEGIN:"):
            if open_blocks == ["VCALENDAR"]:
                components += 1
            open_blocks.append(line.removeprefix("BEGIN:"))
        elif line.startswith("END:"):
            assert open_blocks and open_blocks.pop() == line.removeprefix("END:"), line
    assert open_blocks == []
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in lines and any(line.startswith("PRODID:") for line in lines)
    assert components >= 1, "a calendar holds at least one component"
    return lines


def feed(client, world: World, person, **headers) -> str:
    token = calendar_address_renew(user=person)
    response = client.get(reverse("calendar_feed", args=[token]), **headers)
    assert response.status_code == 200
    return response.content.decode()


def test_a_feed_with_no_event_is_still_a_valid_calendar(world: World, client):
    lines = strictly_valid(feed(client, world, world.people["observer"]))
    assert not any(line == "BEGIN:VEVENT" for line in lines)
    assert "BEGIN:VTIMEZONE" in lines and "TZID:UTC" in lines


def test_a_feed_with_events_is_valid_and_folds_long_lines(world: World, client):
    active_pairing(world)
    lines = strictly_valid(feed(client, world, world.people["mentee"]))
    assert lines.count("BEGIN:VEVENT") == 7
    long = ics.calendar(name="Mentoring", stamp=datetime(2026, 1, 1, tzinfo=UTC),
                        domain="example.org", events=[ics.Event(
                            uid="x", day=date(2026, 3, 1), summary="Visite prévue: " * 20)])
    assert "SUMMARY:" + "Visite prévue: " * 20 in strictly_valid(long)


@pytest.mark.parametrize(("owner_language", "name", "summary"), [
    ("fr", "Mentorat", "Début du binôme"),
    ("ar", "الإرشاد", None),
    ("en", "Mentoring", "Pairing starts"),
])
def test_the_feed_is_in_its_owners_language_whoever_asks(world: World, client, owner_language,
                                                         name, summary):
    mentee = world.people["mentee"]
    mentee.language = owner_language
    mentee.save(update_fields=["language"])
    active_pairing(world)
    for asked in ("en", "fr", "ar"):
        token = calendar_address_renew(user=mentee)
        response = client.get(reverse("calendar_feed", args=[token]),
                              HTTP_ACCEPT_LANGUAGE=asked)
        lines = strictly_valid(response.content.decode())
        assert f"X-WR-CALNAME:{name}" in lines, asked
        assert response["Content-Language"] == owner_language
        if summary:
            assert f"SUMMARY:{summary} (EUROMED Police)" in lines, asked


def test_activities_the_person_is_invited_to_are_in_their_feed(world: World, client):
    person = world.people["mentee"]
    course = ActivityFactory(project=world.project, kind="leadership",
                             title="Leadership course", online=False, city="Amman",
                             country=world.morocco, starts_on=date(2027, 3, 8),
                             ends_on=date(2027, 3, 12))
    ActivityParticipantFactory(activity=course, person=person, response="confirmed")
    webinar = ActivityFactory(project=world.project, title="Cyber webinar",
                              starts_on=date(2027, 4, 1), ends_on=date(2027, 4, 1))
    ActivityParticipantFactory(activity=webinar, person=person)
    declined = ActivityFactory(project=world.project, title="Declined visit")
    ActivityParticipantFactory(activity=declined, person=person, response="declined")
    cancelled = ActivityFactory(project=world.project, title="Cancelled webinar",
                                cancelled=True)
    ActivityParticipantFactory(activity=cancelled, person=person)
    lines = strictly_valid(feed(client, world, person))
    text = "\n".join(lines)
    assert "SUMMARY:Leadership course (EUROMED Police)" in lines
    assert "DTSTART;VALUE=DATE:20270308" in lines and "DTEND;VALUE=DATE:20270313" in lines
    assert "LOCATION:Amman\\, Morocco" in lines
    assert "SUMMARY:Cyber webinar (EUROMED Police)" in lines and "LOCATION:Online" in lines
    assert "Declined visit" not in text and "Cancelled webinar" not in text
    # Another person's invitations are not in it.
    assert "Leadership course" not in feed(client, world, world.people["mentor"])
