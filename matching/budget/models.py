"""The exchange rates a project's coordinator records, with which claims in another currency
than the budget's are counted."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from participants.models import User
from programmes.models import Project, TenantModel
from programmes.privacy import register
from programmes.validators import currency_code


class ExchangeRate(TenantModel):
    """One unit of `currency` is worth `rate` units of the project's budget currency. Each
    recording is kept; the latest recorded for a currency is the one the figures use."""

    tenant_parents = ("project",)

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="exchange_rates")
    currency = models.CharField(_("currency"), max_length=3, validators=[currency_code])
    rate = models.DecimalField(
        _("rate"), max_digits=18, decimal_places=8,
        validators=[MinValueValidator(Decimal("0.00000001"))],
        help_text=_("What one unit of this currency is worth in the budget's currency."),
    )
    note = models.CharField(_("note"), max_length=300, blank=True,
                            help_text=_("Where the rate comes from, and for which period."))
    recorded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("recorded by"))

    class Meta:
        ordering = ["currency", "-created_at", "-pk"]
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        constraints = [
            models.CheckConstraint(condition=Q(rate__gt=0), name="exchange_rate_positive"),
        ]
        indexes = [models.Index(fields=["organisation", "project", "currency"])]

    def __str__(self) -> str:
        return f"1 {self.currency} = {self.rate}"


# -- What these models hold about people (programmes/privacy/register.py) ---------------------
# A rate is the project's; who recorded it is the coordinator's trace.
register.declare(
    ExchangeRate, subject=["recorded_by"], personal={"recorded_by": register.ROLE},
    not_personal=["currency", "rate", "note"], linked=["recorded_by"])
