"""Meetings logged by one of the pair and confirmed by the other."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from matching.pairings.models import Pairing
from participants.models import User
from programmes.models import Country, TenantModel
from programmes.privacy import register


class Meeting(TenantModel):
    """A meeting the pair held: online, or an in-person visit with its place and costs. Logged
    by one of the two; the other confirms it or corrects it (a correction waits for the first
    to confirm in turn)."""

    tenant_parents = ("pairing",)

    class Kind(models.TextChoices):
        ONLINE = "online", _("Online meeting")
        IN_PERSON = "in_person", _("In-person visit")

    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="meetings")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.ONLINE)
    day = models.DateField(_("date"))
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(1), MaxValueValidator(24 * 60)]
    )
    topics = models.CharField(_("topics"), max_length=300)
    notes = models.TextField(_("short notes"), blank=True, max_length=5000)
    city = models.CharField(_("city"), max_length=120, blank=True)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("country"))
    funded = models.BooleanField(_("funded visit"), default=False)
    cost_amount = models.DecimalField(
        _("costs claimed"), max_digits=10, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0)],
    )
    cost_currency = models.CharField(_("currency"), max_length=3, blank=True)
    # The coordinator's review of the claim (a funded visit with its costs): approved as
    # claimed, adjusted to another amount (in the claim's currency), or refused. A change of the
    # claim sends it back to pending.
    class Claim(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        APPROVED = "approved", _("Approved")
        ADJUSTED = "adjusted", _("Adjusted")
        REFUSED = "refused", _("Refused")

    claim_status = models.CharField(_("claim"), max_length=10, choices=Claim,
                                    default=Claim.PENDING)
    approved_amount = models.DecimalField(
        _("amount approved"), max_digits=10, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0)],
    )
    claim_note = models.TextField(_("note on the claim"), blank=True, max_length=2000)
    claim_reviewed_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                          related_name="+", verbose_name=_("claim reviewed by"))
    claim_reviewed_at = models.DateTimeField(_("claim reviewed"), null=True, blank=True)
    logged_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("logged by"))
    confirmed_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("confirmed by"))
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    # Changed by the other participant after it was logged: the two disagree, so it does not
    # count for compliance until the first confirms the correction.
    corrected = models.BooleanField(_("corrected, to be confirmed"), default=False)

    class Meta:
        ordering = ["-day", "-pk"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        indexes = [models.Index(fields=["organisation", "pairing", "day"])]
        constraints = [
            models.CheckConstraint(condition=Q(cost_amount__gte=0) | Q(cost_amount__isnull=True),
                                   name="meeting_cost_not_negative"),
            models.CheckConstraint(condition=Q(duration_minutes__gte=1),
                                   name="meeting_lasts"),
            models.CheckConstraint(
                condition=Q(approved_amount__gte=0) | Q(approved_amount__isnull=True),
                name="meeting_approved_not_negative"),
            models.CheckConstraint(condition=Q(funded=False) | Q(kind="in_person"),
                                   name="only_visits_are_funded"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.day} ({self.pairing})"

    @property
    def is_claim(self) -> bool:
        """A funded visit with its costs: the coordinator reviews it."""
        return self.funded and self.cost_amount is not None

    @property
    def counted_amount(self):  # -> Decimal | None, in the claim's currency
        """What the budget counts of the claim: the approved or adjusted amount."""
        if self.claim_status in (self.Claim.APPROVED, self.Claim.ADJUSTED):
            return self.approved_amount
        return None

    @property
    def counts(self) -> bool:
        """Whether it counts as held: not while a correction waits for confirmation."""
        return not self.corrected or self.confirmed_at is not None


class PairingCompliance(TenantModel):
    """A pairing's compliance as of `checked_on`, kept so that lists, the dashboard and the
    reminder scan read it like any other column instead of recomputing every pairing.

    Written only by `compliance_keep` (matching/meetings/services.py): when something that
    counts happens (a meeting logged, corrected or confirmed, a plan approved, a report or
    feedback handed in, the project's rules changed) and, as time passes, by the scan, which
    recomputes the rows whose `changes_on` has come. Between `checked_on` and `changes_on`,
    time alone changes neither the state nor the reminders due: compliance.changes_on()
    names every day that could. A pairing without an approved plan has none."""

    tenant_parents = ("pairing",)

    pairing = models.OneToOneField(Pairing, on_delete=models.CASCADE,
                                   related_name="kept_compliance")
    plan_start = models.DateField()  # the approved plan's calendar, which the state is of
    plan_months = models.PositiveSmallIntegerField()
    detail = models.JSONField()  # compliance.as_json(): every month, period and deadline
    late_count = models.PositiveSmallIntegerField(default=0)
    late_months = models.PositiveSmallIntegerField(default=0)
    late_periods = models.PositiveSmallIntegerField(default=0)
    first_visit_late = models.BooleanField(default=False)
    interim_late = models.BooleanField(default=False)
    narrative_late = models.BooleanField(default=False)
    to_confirm = models.PositiveSmallIntegerField(default=0)  # meetings not yet confirmed
    checked_on = models.DateField()
    changes_on = models.DateField(null=True, blank=True)  # None: time changes nothing more
    # The reminders due on `checked_on`, as [kind, period, params]; planned by the scan.
    reminders = models.JSONField(default=list, blank=True)
    reminders_planned = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["changes_on"], name="compliance_changes_on"),
            models.Index(fields=["organisation", "reminders_planned"],
                         condition=Q(reminders_planned=False),
                         name="compliance_reminders_to_plan"),
            # What the compliance table sorts by and the dashboard counts, without reading the
            # rows' detail: the rows are wide, the index is narrow.
            models.Index(fields=["pairing", "organisation", "late_count", "late_months",
                                 "late_periods", "first_visit_late", "interim_late",
                                 "narrative_late"],
                         name="compliance_late"),
        ]

    def __str__(self) -> str:
        return f"compliance of {self.pairing_id} on {self.checked_on}"


# -- What these models hold about people (programmes/privacy/register.py) ---------------------
# What the person who logged a meeting wrote is theirs; the meeting itself (when, where, how
# long) is the pair's, and counts for compliance.
register.declare(
    Meeting, subject=["pairing__mentee", "pairing__mentor"],
    personal={"topics": register.MENTORING.by("logged_by"),
              "notes": register.MENTORING.by("logged_by"),
              "day": register.MENTORING.counted(), "city": register.MENTORING.joint(),
              "logged_by": register.MENTORING, "confirmed_by": register.MENTORING,
              "confirmed_at": register.MENTORING.counted(),
              "corrected": register.MENTORING.counted(),
              # The claim's review: the pair's figures, and the coordinator's note on them.
              "claim_status": register.MENTORING.counted(),
              "approved_amount": register.MENTORING.counted(),
              "claim_note": register.MENTORING.joint(),
              "claim_reviewed_by": register.MENTORING,
              "claim_reviewed_at": register.MENTORING.counted()},
    not_personal=["kind", "cost_currency"],
    linked=["logged_by", "confirmed_by", "claim_reviewed_by"])
# Derived from the meetings, plan and reports (each audited): the pair's compliance, kept for the
# figures and the scan; its own changes are not history.
register.declare(
    PairingCompliance, subject=["pairing__mentee", "pairing__mentor"],
    personal={name: register.MENTORING.counted() for name in (
        "detail", "late_count", "late_months", "late_periods", "first_visit_late",
        "interim_late", "narrative_late", "to_confirm", "reminders", "plan_start")},
    not_personal=["plan_months", "checked_on", "changes_on", "reminders_planned"],
    history=False)
