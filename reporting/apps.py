from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    """Reports, feedback, PDFs, dashboards and exports."""

    name = "reporting"
    verbose_name = _("Reporting")

    def ready(self) -> None:
        # Reports and feedback count in a pairing's compliance, next step and page.
        from matching.hooks import plug_reporting
        from reporting.hooks import PairingReporting

        plug_reporting(PairingReporting())
        # Built documents go when a person is erased.
        from reporting import exports  # noqa: F401
