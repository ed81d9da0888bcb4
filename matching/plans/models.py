"""Activity plans (every version kept) and their planned visits."""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from matching.pairings.models import Pairing
from programmes.models import TenantModel
from programmes.privacy import register


class ActivityPlan(TenantModel):
    """What a pair agrees to do. Each revision is a new version; earlier ones are kept."""

    tenant_parents = ("pairing",)

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SIGNED = "signed", _("Signed by both, waiting for the coordinator")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned with comments")
        SUPERSEDED = "superseded", _("Replaced by a later version")

    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="plans")
    version = models.PositiveSmallIntegerField(_("version"))
    objectives = models.TextField(_("objectives"), max_length=5000)
    start = models.DateField(_("start date"))
    duration_months = models.PositiveSmallIntegerField(_("duration (months)"))
    online_meetings_per_month = models.PositiveSmallIntegerField(
        _("online meetings a month"), default=1
    )
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.DRAFT)
    mentee_signed_at = models.DateTimeField(null=True, blank=True)
    mentor_signed_at = models.DateTimeField(null=True, blank=True)
    coordinator_comments = models.TextField(_("coordinator's comments"), blank=True)

    class Meta:
        ordering = ["pairing", "-version"]
        verbose_name = _("activity plan")
        verbose_name_plural = _("activity plans")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "pairing", "version"],
                                    name="one_plan_per_version"),
        ]
        indexes = [
            # The approved plans alone, narrow: the catch-up before the compliance table and
            # the dashboard looks for those without kept compliance (an index-only merge).
            models.Index(fields=["organisation", "pairing"],
                         condition=Q(status="approved"), name="plan_approved"),
        ]

    def __str__(self) -> str:
        return f"{self.pairing} v{self.version}"


class PlannedVisit(TenantModel):
    tenant_parents = ("plan",)

    plan = models.ForeignKey(ActivityPlan, on_delete=models.CASCADE, related_name="visits")
    day = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200)
    funded = models.BooleanField(_("funded visit"), default=False)
    estimated_cost = models.DecimalField(
        _("estimated cost"), max_digits=10, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("In the project's budget currency."),
    )

    class Meta:
        ordering = ["day"]
        constraints = [
            models.CheckConstraint(
                condition=Q(estimated_cost__gte=0) | Q(estimated_cost__isnull=True),
                name="planned_visit_cost_not_negative"),
        ]


# -- What these models hold about people (programmes/privacy/register.py) ---------------------
register.declare(
    ActivityPlan, subject=["pairing__mentee", "pairing__mentor"],
    personal={"objectives": register.MENTORING.joint(), "start": register.MENTORING.counted(),
              "coordinator_comments": register.MENTORING.joint(),
              "mentee_signed_at": register.MENTORING.counted(),
              "mentor_signed_at": register.MENTORING.counted()},
    not_personal=["status"])
register.declare(
    PlannedVisit, subject=["plan__pairing__mentee", "plan__pairing__mentor"],
    personal={"day": register.MENTORING.counted(), "place": register.MENTORING.joint(),
              "estimated_cost": register.MENTORING.counted()})
