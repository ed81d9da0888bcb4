"""Every write to the budget: the exchange rates a coordinator records. (The review of a
claim is a write to the meeting: matching.meetings.services.meeting_claim_review.)"""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from matching.budget.access import may_review_claims
from matching.models import ExchangeRate
from programmes.actor import Actor
from programmes.models import Project


@transaction.atomic
def exchange_rate_record(*, actor: Actor, project: Project, currency: str, rate: Decimal,
                         note: str = "") -> ExchangeRate:
    """A coordinator records what one unit of `currency` is worth in the budget's currency; the
    latest recorded for a currency is the one counted, the earlier ones are kept."""
    if not may_review_claims(actor=actor, project=project):
        raise PermissionDenied
    exchange_rate = ExchangeRate(organisation_id=project.organisation_id, project=project,
                                 currency=currency.strip().upper(), rate=rate,
                                 note=note.strip(), recorded_by=actor.user)
    if exchange_rate.currency == project.budget_currency:
        raise ValidationError({"currency": _(
            "The budget is in %(currency)s: its claims need no rate.") % {
            "currency": project.budget_currency}})
    exchange_rate.full_clean()
    exchange_rate.save()
    return exchange_rate
