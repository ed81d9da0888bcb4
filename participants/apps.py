from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipantsConfig(AppConfig):
    name = "participants"
    verbose_name = _("Participants")

    def ready(self) -> None:
        # The access rules of applications, and what happens when a call opens or closes.
        from participants import access, receivers  # noqa: F401
        from participants.activities import access as activity_access  # noqa: F401
