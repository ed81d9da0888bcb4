"""Django finds an app's models here; each lives in its subject's room (matching/<subject>/
models.py). Other apps import them from here."""

from datetime import date

from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from matching.budget.models import ExchangeRate
from matching.imports.models import ProgrammeImport
from matching.meetings.models import Meeting, PairingCompliance
from matching.pairings.models import Pairing, PairingEvent, explained, stored
from matching.plans.models import ActivityPlan, PlannedVisit
from matching.reminders.models import Reminder, ScanRun
from matching.schedule import add_months
from programmes.models import Organisation
from programmes.privacy import register, retention

__all__ = [
    "ActivityPlan", "ExchangeRate", "Meeting", "Pairing", "PairingCompliance", "PairingEvent",
    "PlannedVisit",
    "ProgrammeImport", "Reminder", "ScanRun",
    "explained", "stored",
]


# -- How long a finished pairing is kept (programmes/privacy/retention.py) --------------------
def _pairing_ended(*, organisation: Organisation, rows: QuerySet) -> dict[int, date]:
    """A pairing ends on the latest of its plan's end and its last change of status."""
    ended = {pk: timezone.localdate(last or updated) for pk, updated, last in rows.annotate(
        last=Max("events__created_at")).values_list("pk", "updated_at", "last")}
    plans = ActivityPlan.objects.for_org(organisation).filter(pairing__in=list(ended))
    for pairing_id, start, months in plans.values_list("pairing", "start", "duration_months"):
        ended[pairing_id] = max(ended[pairing_id], add_months(start, months))
    return ended


retention.clock(
    Pairing, retention=register.Retention.PAIRING,
    finished=Q(status__in=[Pairing.Status.COMPLETED, Pairing.Status.ENDED_EARLY,
                           Pairing.Status.DECLINED]),
    since=_pairing_ended, what=_("reduced to anonymous figures"),
    also=["mentee_application", "mentor_application"])
