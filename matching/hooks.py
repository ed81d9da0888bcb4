"""Where the app above plugs into matching. A pairing's reports and feedback (reporting, which
sits above matching) count in its compliance and reminders, decide its next step and fill part of
its page; matching asks through this one hook and never imports reporting. reporting plugs in
when it is ready (reporting/apps.py); until then nothing has been handed in."""

from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from matching.models import Pairing
from participants.models import User
from programmes.actor import Actor


@dataclass(frozen=True)
class HandedIn:
    """When a pairing handed in its reports: the interim report's first submission, and the
    day the narrative report and both participants' feedback were all in."""

    interim: date | None = None
    narrative: date | None = None


class Reporting(Protocol):
    def handed_in(self, pairing_ids: list[int]) -> dict[int, HandedIn]:
        """For compliance and reminders, whatever the number of pairings."""
        ...

    def next_step(self, pairing: Pairing, *, user: User, in_pair: bool,
                  can_manage: bool) -> str:
        """What a report or the feedback waits for, if anything ("" for nothing)."""
        ...

    def pairing_page(self, *, actor: Actor, pairing: Pairing) -> dict[str, Any]:
        """The reports, feedback and certificates part of the pairing page."""
        ...


class NoReporting:
    def handed_in(self, pairing_ids: list[int]) -> dict[int, HandedIn]:
        return {pairing_id: HandedIn() for pairing_id in pairing_ids}

    def next_step(self, pairing: Pairing, *, user: User, in_pair: bool,
                  can_manage: bool) -> str:
        return ""

    def pairing_page(self, *, actor: Actor, pairing: Pairing) -> dict[str, Any]:
        return {}


_plugged: list[Reporting] = [NoReporting()]


def plug_reporting(reporting: Reporting) -> None:
    _plugged[0] = reporting


def reporting() -> Reporting:
    return _plugged[0]
