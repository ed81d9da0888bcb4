"""A calendar feed (iCalendar, RFC 5545) of a person's pairings: the due dates and the planned
visits, as all-day events, for Outlook or Google Calendar."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta


@dataclass(frozen=True)
class Event:
    uid: str  # stable across reloads, so a calendar updates an event rather than adding one
    day: date
    summary: str
    description: str = ""
    last_day: date | None = None  # for an event of several days (an activity)
    location: str = ""


def _text(value: str) -> str:
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def _fold(line: str) -> list[str]:
    """Lines of at most 75 octets, continued with a space (RFC 5545, 3.1)."""
    out, current = [], ""
    for char in line:
        if len((current + char).encode()) > 75:
            out.append(current)
            current = " " + char
        else:
            current += char
    return [*out, current]


# RFC 5545 (3.4, 3.6) wants at least one component in a calendar, and a person with nothing
# planned yet has no event. The feed's one time zone stands in: every time it gives (DTSTAMP) is
# UTC, a calendar may describe a zone its events do not name, and calendar applications read it
# as a zone definition and show nothing. A placeholder event or to-do would show in people's
# calendars. It is in every feed, so that a feed has one shape whatever it holds.
UTC_ZONE = ["BEGIN:VTIMEZONE", "TZID:UTC", "BEGIN:STANDARD", "DTSTART:19700101T000000",
            "TZOFFSETFROM:+0000", "TZOFFSETTO:+0000", "TZNAME:UTC", "END:STANDARD",
            "END:VTIMEZONE"]


def calendar(*, name: str, events: list[Event], stamp: datetime, domain: str) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Mentoring platform//Calendar//EN",
             "CALSCALE:GREGORIAN", f"X-WR-CALNAME:{_text(name)}", *UTC_ZONE]
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event.uid}@{domain}",
            f"DTSTAMP:{stamp:%Y%m%dT%H%M%SZ}",
            f"DTSTART;VALUE=DATE:{event.day:%Y%m%d}",
            f"DTEND;VALUE=DATE:{(event.last_day or event.day) + timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{_text(event.summary)}",
        ]
        if event.location:
            lines.append(f"LOCATION:{_text(event.location)}")
        if event.description:
            lines.append(f"DESCRIPTION:{_text(event.description)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(folded for line in lines for folded in _fold(line)) + "\r\n"
