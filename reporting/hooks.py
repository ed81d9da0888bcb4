"""What reports and feedback tell matching, which sits below and cannot import them
(matching/hooks.py). Plugged in by reporting/apps.py."""

from matching.hooks import HandedIn
from matching.models import Pairing
from participants.models import User
from programmes.actor import Actor
from reporting import outcomes, selectors
from reporting.forms import CompleteForm


class PairingReporting:
    def handed_in(self, pairing_ids: list[int]) -> dict[int, HandedIn]:
        return selectors.handed_in(pairing_ids)

    def next_step(self, pairing: Pairing, *, user: User, in_pair: bool,
                  can_manage: bool) -> str:
        return selectors.report_step(pairing, user=user, in_pair=in_pair, can_manage=can_manage)

    def pairing_page(self, *, actor: Actor, pairing: Pairing) -> dict:
        return {**selectors.pairing_reporting(actor=actor, pairing=pairing),
                **outcomes.pairing_outcomes(actor=actor, pairing=pairing),
                "complete_form": CompleteForm()}
