from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext_lazy as _

from matching.engine import Text
from participants.models import Application, User
from programmes.models import Call, Country, Project, TenantModel

GENDER_WORDS = {"female": gettext_lazy("female"), "male": gettext_lazy("male")}


def stored(text: str) -> dict | str:
    """An engine `Text` as JSON, so that it can be shown later in the reader's language."""
    if isinstance(text, Text):
        return {"template": text.template, "params": text.params}
    return str(text)


def explained(text: object) -> str:
    """An engine `Text`, or one `stored` with a pairing, in the active language. A translation
    that does not fit its values falls back to the English."""
    if isinstance(text, Text):
        template, params = text.template, dict(text.params)
    elif isinstance(text, dict):
        template, params = str(text.get("template", "")), dict(text.get("params", {}))
    else:
        return str(text)
    if "gender" in params:
        params["gender"] = GENDER_WORDS.get(str(params["gender"]), params["gender"])
    try:
        return gettext(template) % params
    except (KeyError, TypeError, ValueError):
        return template % params


class Pairing(TenantModel):
    """A mentor and a mentee of one project, from the coordinator's proposal to the end."""

    tenant_parents = ("project",)

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ACCEPTED = "accepted", _("Accepted by both")
        PLAN_AGREED = "plan_agreed", _("Plan agreed")
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        DECLINED = "declined", _("Declined")
        ENDED_EARLY = "ended_early", _("Ended early")

    # A person is in at most one of these pairings per project at a time; a declined or ended
    # pairing returns both to the pool.
    LIVE = (Status.PROPOSED, Status.ACCEPTED, Status.PLAN_AGREED, Status.ACTIVE)

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="pairings", verbose_name=_("project")
    )
    call = models.ForeignKey(
        Call, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("call"),
    )
    mentee = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("mentee"))
    mentor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("mentor"))
    mentee_application = models.ForeignKey(
        Application, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    mentor_application = models.ForeignKey(
        Application, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(_("status"), max_length=12, choices=Status,
                              default=Status.PROPOSED)
    score = models.IntegerField(_("matching score"), default=0)
    explanation = models.JSONField(_("why this pair"), default=list, blank=True)
    overridden = models.BooleanField(_("set by hand"), default=False)
    broken_rules = models.JSONField(_("rules the pair breaks"), default=list, blank=True)
    override_note = models.TextField(_("why the coordinator made it anyway"), blank=True)
    engine_proposal = models.ForeignKey(
        Application, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("mentor the engine proposed instead"),
    )
    mentee_accepted_at = models.DateTimeField(null=True, blank=True)
    mentor_accepted_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        constraints = [
            models.CheckConstraint(condition=~Q(mentee=F("mentor")),
                                   name="pairing_of_two_people"),
            models.UniqueConstraint(
                fields=["organisation", "project", "mentee"],
                condition=Q(status__in=["proposed", "accepted", "plan_agreed", "active"]),
                name="one_live_pairing_per_mentee_per_project",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mentor} → {self.mentee} ({self.project})"


class PairingEvent(TenantModel):
    """Every move of a pairing: who, when, from which status to which, and why."""

    tenant_parents = ("pairing",)

    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    @property
    def to_label(self) -> str:
        return str(dict(Pairing.Status.choices).get(self.to_status, self.to_status))


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

    def __str__(self) -> str:
        return f"{self.pairing} v{self.version}"


class PlannedVisit(TenantModel):
    tenant_parents = ("plan",)

    plan = models.ForeignKey(ActivityPlan, on_delete=models.CASCADE, related_name="visits")
    day = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200)
    funded = models.BooleanField(_("funded visit"), default=False)

    class Meta:
        ordering = ["day"]


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
    logged_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("logged by"))
    confirmed_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("confirmed by"))
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)

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
            models.CheckConstraint(condition=Q(funded=False) | Q(kind="in_person"),
                                   name="only_visits_are_funded"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.day} ({self.pairing})"


class Reminder(TenantModel):
    """One reminder of one obligation to one person: the row is the deadline. Its key (the
    pairing or call, the kind, the period, the recipient) is unique, so a reminder is planned
    once however often the scan runs, and sent once: a sender claims it under a row lock and
    marks it sent in the same transaction."""

    tenant_parents = ("pairing", "call", "project")

    class Kind(models.TextChoices):
        ONLINE_MEETING = "online_meeting", _("Online meeting of the month")
        VISIT = "visit", _("Visit of the period")
        FIRST_VISIT = "first_visit", _("First in-person visit")
        FIRST_VISIT_LATE = "first_visit_late", _("First in-person visit is late")
        PLAN = "plan", _("Activity plan not yet agreed")
        INTERIM_BEFORE = "interim_before", _("Interim report soon due")
        INTERIM_DUE = "interim_due", _("Interim report due today")
        INTERIM_LATE = "interim_late", _("Interim report late")
        NARRATIVE_BEFORE = "narrative_before", _("Narrative report and feedback soon due")
        NARRATIVE_DUE = "narrative_due", _("Narrative report and feedback due today")
        NARRATIVE_LATE = "narrative_late", _("Narrative report and feedback late")
        CALL_DEADLINE = "call_deadline", _("Call deadline")
        DIGEST = "digest", _("What is late")

    class Status(models.TextChoices):
        PENDING = "pending", _("To send")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        CANCELLED = "cancelled", _("No longer needed")
        FAILED = "failed", _("Given up")

    key = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=Kind)
    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="reminders")
    call = models.ForeignKey(Call, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="+")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="+")
    period = models.PositiveIntegerField(default=0)
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="reminders")
    params = models.JSONField(default=dict, blank=True)  # what the message says (dates, names)
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "key"], name="one_reminder_per_key"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return self.key
