from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    """Reports, feedback, PDFs, dashboards and exports."""

    name = "reporting"
    verbose_name = _("Reporting")
