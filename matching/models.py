"""Django finds an app's models here; each lives in its subject's room (matching/<subject>/
models.py). Other apps import them from here."""

from matching.meetings.models import Meeting
from matching.pairings.models import Pairing, PairingEvent, explained, stored
from matching.plans.models import ActivityPlan, PlannedVisit
from matching.reminders.models import Reminder

__all__ = [
    "ActivityPlan", "Meeting", "Pairing", "PairingEvent", "PlannedVisit", "Reminder",
    "explained", "stored",
]
