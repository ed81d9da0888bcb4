from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("Open API")

    def ready(self) -> None:
        # The schema's description of the token authentication; tokens leave with their
        # person's last membership.
        from api import receivers, schema  # noqa: F401
