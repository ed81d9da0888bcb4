from typing import TYPE_CHECKING, cast

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from matching.models import Pairing
from participants.models import User
from programmes.models import Project, TenantModel
from programmes.privacy import register

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

RATING = [MinValueValidator(1), MaxValueValidator(5)]


class Progress(models.IntegerChoices):
    """How far an objective of the plan got, as the pair rates it in each report: a short
    scale with words on every step, so that two pairs mean the same thing by a 3. Kept in the
    report's objectives (JSON) as "rating"; the donors' share counts the 4s."""

    NOT_STARTED = 1, _("Not started")
    STARTED = 2, _("Started")
    WELL_ADVANCED = 3, _("Well advanced")
    ACHIEVED = 4, _("Achieved")


class Report(TenantModel):
    """An interim or narrative report of a pairing. Each submission is a version that is kept:
    a returned report gets a new draft, copied from it, which the pair revises and submits."""

    tenant_parents = ("pairing",)

    class Kind(models.TextChoices):
        INTERIM = "interim", _("Interim report")
        NARRATIVE = "narrative", _("Narrative report")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted, waiting for the coordinator")
        ACCEPTED = "accepted", _("Accepted")
        RETURNED = "returned", _("Returned with comments")

    # The text fields of each kind, in the order the form and the PDF show them.
    FIELDS: dict[str, tuple[str, ...]] = {
        Kind.INTERIM: ("what_worked", "difficulties", "plan_changes"),
        Kind.NARRATIVE: ("outcomes_mentee_service", "outcomes_mentor_service", "cooperation",
                         "lessons", "recommendations"),
    }

    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.DRAFT)
    # [{"objective": ..., "progress": ..., "rating": 1-4 or None}]: the objectives of the
    # approved plan, each with the pair's progress (interim) or result (narrative) and its
    # rating on the Progress scale (reports written before the scale have no "rating").
    objectives = models.JSONField(_("objectives"), default=list, blank=True)
    what_worked = models.TextField(_("what worked"), blank=True, max_length=10000)
    difficulties = models.TextField(_("difficulties"), blank=True, max_length=10000)
    plan_changes = models.TextField(_("changes to the plan"), blank=True, max_length=10000)
    outcomes_mentee_service = models.TextField(
        _("outcomes for the mentee's service"), blank=True, max_length=10000)
    outcomes_mentor_service = models.TextField(
        _("outcomes for the mentor's service"), blank=True, max_length=10000)
    cooperation = models.TextField(_("cooperation established"), blank=True, max_length=10000)
    lessons = models.TextField(_("lessons learned"), blank=True, max_length=10000)
    recommendations = models.TextField(_("recommendations"), blank=True, max_length=10000)
    # The meeting log as it stood when the report was submitted: what the coordinator accepted.
    meetings_held = models.JSONField(_("meetings held"), default=list, blank=True)
    # Not a column: set on the reports of a dossier (selectors.dossier), for its template.
    meetings_log: list[dict]
    last_edited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                       related_name="+")
    submitted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("submitted by"))
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    reviewed_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("reviewed by"))
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    coordinator_comments = models.TextField(_("coordinator's comments"), blank=True,
                                            max_length=5000)

    class Meta:
        ordering = ["pairing", "kind", "-version"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "pairing", "kind", "version"],
                                    name="one_report_per_kind_and_version"),
            # One version at a time is open for writing.
            models.UniqueConstraint(fields=["organisation", "pairing", "kind"],
                                    condition=Q(status="draft"), name="one_draft_report"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version} ({self.pairing})"

    @property
    def rated_objectives(self) -> list[dict]:
        """The objectives with their rating's label, for the pages and the PDFs."""
        labels = dict(Progress.choices)
        return [{**item, "rating": item.get("rating"),
                 "rating_label": labels.get(item.get("rating") or 0, "")}
                for item in self.objectives]

    @property
    def text_fields(self) -> list[tuple[str, "StrOrPromise", str]]:
        """(name, label, text) of this kind's text fields."""
        return [(name, cast(models.TextField, self._meta.get_field(name)).verbose_name,
                 getattr(self, name)) for name in self.FIELDS[self.kind]]


class Feedback(TenantModel):
    """A participant's own rating of the programme, at the end. Private: the partner never
    sees it; the coordinators read it, and observers see only the averages."""

    tenant_parents = ("pairing",)

    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="feedback")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    satisfaction = models.PositiveSmallIntegerField(_("overall satisfaction"), validators=RATING)
    objectives_met = models.PositiveSmallIntegerField(_("objectives met"), validators=RATING)
    support_received = models.PositiveSmallIntegerField(
        _("support received from the programme"), validators=RATING)
    would_recommend = models.BooleanField(_("would recommend the programme"))
    comments = models.TextField(_("comments"), blank=True, max_length=5000)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "pairing", "author"],
                                    name="one_feedback_per_participant"),
            models.CheckConstraint(
                condition=Q(satisfaction__range=(1, 5)) & Q(objectives_met__range=(1, 5))
                & Q(support_received__range=(1, 5)), name="feedback_ratings_1_to_5"),
        ]


class Indicator(TenantModel):
    """A figure a donor asked for, with its target, over a period: one of the figures the
    platform counts (reporting/indicators.py says what each counts)."""

    tenant_parents = ("project",)

    class Metric(models.TextChoices):
        OFFICERS_MENTORED = "officers_mentored", _("Officers mentored")
        WOMEN_SHARE = "women_share", _("Share of women among the officers mentored")
        COUNTRIES = "countries", _("Countries covered")
        COMPLETED_ON_TIME = "completed_on_time", _("Pairs completed on time")
        MEETINGS_PER_PAIR = "meetings_per_pair", _("Meetings held per pair")
        VISITS_FUNDED = "visits_funded", _("Visits funded")
        BUDGET_USED = "budget_used", _("Visit budget used")
        COMPETENCY_GAIN = "competency_gain", _("Average competency gain")
        ACTIVITIES_HELD = "activities_held", _("Programme activities held")
        ATTENDANCE = "attendance", _("Attendance at programme activities")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="indicators")
    metric = models.CharField(_("what is counted"), max_length=20, choices=Metric)
    reference = models.CharField(
        _("donor's reference"), max_length=120, blank=True,
        help_text=_("The indicator's code or wording in the donor's framework, if any."))
    target = models.DecimalField(_("target"), max_digits=12, decimal_places=2,
                                 validators=[MinValueValidator(0)])
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))

    class Meta:
        ordering = ["period_start", "metric", "pk"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")),
                                   name="indicator_period_in_order"),
            models.CheckConstraint(condition=Q(target__gte=0), name="indicator_target_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_metric_display()} {self.period_start} to {self.period_end}"


class Competency(TenantModel):
    """A competency the project's mentoring means to build, set by its coordinators; mentee and
    mentor rate themselves on each at the start and at the end. A retired competency is no
    longer asked; its past answers stay, and so do the figures made of them."""

    tenant_parents = ("project",)

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True, max_length=1000)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)

    class Meta:
        ordering = ["project", "order", "pk"]
        verbose_name = _("competency")
        verbose_name_plural = _("competencies")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "project", "name"],
                                    name="one_competency_per_name"),
        ]

    def __str__(self) -> str:
        return self.name


class SelfAssessment(TenantModel):
    """A participant's own rating of the project's competencies, once at the start (when the
    plan is approved) and once at the end (with the narrative report and the feedback). The
    difference is the pairing's gain. The scores are the author's alone: the pair and the
    coordinators see each person's gains; observers see only averages over enough people."""

    tenant_parents = ("pairing",)

    class Moment(models.TextChoices):
        START = "start", _("At the start")
        END = "end", _("At the end")

    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE,
                                related_name="self_assessments")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    moment = models.CharField(_("moment"), max_length=5, choices=Moment)
    submitted_at = models.DateTimeField(_("submitted"))
    comments = models.TextField(_("comments"), blank=True, max_length=2000)

    class Meta:
        ordering = ["pairing", "author", "moment"]
        verbose_name = _("self-assessment")
        verbose_name_plural = _("self-assessments")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "pairing", "author", "moment"],
                                    name="one_self_assessment_per_moment"),
        ]

    def __str__(self) -> str:
        return f"{self.get_moment_display()} ({self.pairing})"


class SelfAssessmentAnswer(TenantModel):
    """One competency's score (1 to 5) in a self-assessment: a row each, so that averages and
    gains are SQL aggregates."""

    tenant_parents = ("assessment",)

    assessment = models.ForeignKey(SelfAssessment, on_delete=models.CASCADE,
                                   related_name="answers")
    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(_("score"), validators=RATING)

    class Meta:
        ordering = ["assessment", "competency__order", "competency"]
        verbose_name = _("self-assessment answer")
        verbose_name_plural = _("self-assessment answers")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "assessment", "competency"],
                                    name="one_answer_per_competency"),
            models.CheckConstraint(condition=Q(score__range=(1, 5)),
                                   name="self_assessment_score_1_to_5"),
        ]


class Export(TenantModel):
    """A document built in the background (a big PDF, a CSV or XLSX export) and kept in the
    database until downloaded, so that any web process can serve it. Only the person who
    asked for it sees it."""

    tenant_parents = ("pairing", "project")

    class Kind(models.TextChoices):
        HIGHLIGHTS = "highlights", _("Highlights report (PDF)")
        DOSSIER = "dossier", _("Pairing dossier (PDF)")
        PAIRINGS = "pairings", _("Pairings")
        MEETINGS = "meetings", _("Meetings")
        REPORTS = "reports", _("Reports")
        PERSONAL_DATA = "personal", _("My data")
        DONOR = "donor", _("Donor report (PDF)")

    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"
        JSON = "json", "JSON"

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for a worker")
        RUNNING = "running", _("Being built")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    requested_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="+")
    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="+")
    kind = models.CharField(max_length=12, choices=Kind)
    format = models.CharField(max_length=4, choices=Format)
    params = models.JSONField(default=dict, blank=True)  # the dashboard's filters, the language
    status = models.CharField(max_length=8, choices=Status, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # per cent
    error = models.CharField(max_length=300, blank=True)
    filename = models.CharField(max_length=120, blank=True)
    content = models.BinaryField(blank=True, default=b"")

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.format})"

    @property
    def content_type(self) -> str:
        return {
            self.Format.PDF: "application/pdf",
            self.Format.CSV: "text/csv; charset=utf-8",
            self.Format.XLSX:
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            self.Format.JSON: "application/json",
        }[self.Format(self.format)]


# -- What these models hold about people (programmes/privacy/register.py) ---------------------
# A report is the pair's: what they wrote together stays for the partner; each one's account of
# what it changed in their own service is theirs.
_JOINT = register.MENTORING.joint()
register.declare(
    Report, subject=["pairing__mentee", "pairing__mentor"],
    personal={"objectives": _JOINT, "what_worked": _JOINT, "difficulties": _JOINT,
              "plan_changes": _JOINT, "cooperation": _JOINT, "lessons": _JOINT,
              "recommendations": _JOINT, "meetings_held": _JOINT,
              "coordinator_comments": _JOINT,
              "outcomes_mentee_service": register.MENTORING.by("pairing__mentee"),
              "outcomes_mentor_service": register.MENTORING.by("pairing__mentor"),
              "last_edited_by": register.MENTORING, "submitted_by": register.MENTORING,
              "reviewed_by": register.MENTORING,
              "submitted_at": register.MENTORING.counted(),
              "reviewed_at": register.MENTORING.counted()},
    not_personal=["kind", "status"], linked=["last_edited_by", "submitted_by", "reviewed_by"])
register.declare(
    Feedback, subject=["author"],
    personal={"author": register.EVALUATION, "comments": register.EVALUATION.by("author")})
register.declare(Competency, not_personal=["name", "description", "retired_at"])
# A self-assessment is its author's own, like feedback: erasure keeps the scores (the figures
# do not move) with the author pointed at the erased participant, and deletes their comments.
register.declare(
    SelfAssessment, subject=["author"],
    personal={"author": register.EVALUATION, "moment": register.EVALUATION.counted(),
              "submitted_at": register.EVALUATION.counted(),
              "comments": register.EVALUATION.by("author")})
# The competency comes with each score in the person's export, so that it reads on its own.
register.declare(SelfAssessmentAnswer, subject=["assessment__author"],
                 personal={"competency": register.EVALUATION.counted(),
                           "score": register.EVALUATION.counted()})
register.declare(
    Indicator, subject=[], personal={},
    not_personal=["metric", "reference", "target", "period_start", "period_end"])
register.declare(
    Export, subject=["requested_by"],
    personal={"requested_by": register.ACCOUNTABILITY, "params": register.ACCOUNTABILITY,
              "content": register.ACCOUNTABILITY, "filename": register.ACCOUNTABILITY},
    not_personal=["kind", "format", "status", "error"],
    erase=register.Erase.DELETE, history=False)
