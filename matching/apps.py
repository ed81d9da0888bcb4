from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    """The matching engine, pairings, activity plans, meetings, obligations and reminders."""

    name = "matching"
    verbose_name = _("Matching")

    def ready(self) -> None:
        # The access rules of pairings (programmes.access).
        # The kept compliance follows a project's rules (programmes.signals).
        from matching.meetings import services  # noqa: F401
        from matching.pairings import access  # noqa: F401
