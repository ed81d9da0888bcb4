"""Activities a programme runs beside its pairings, who is invited to them and who attended,
their documents, and the project's advisory board."""

import secrets
from pathlib import PurePath

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from programmes.models import Country, Project, TenantModel, ThematicArea
from programmes.privacy import register

# The largest document that may be attached to an activity.
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024


class Activity(TenantModel):
    """One activity of a project: a training, a webinar, a study visit, a regional conference, a
    leadership course or a meeting of its advisory board. Held online or at a place."""

    tenant_parents = ("project",)

    class Kind(models.TextChoices):
        TRAINING = "training", _("Training")
        WEBINAR = "webinar", _("Webinar")
        STUDY_VISIT = "study_visit", _("Study visit")
        CONFERENCE = "conference", _("Regional or international conference")
        LEADERSHIP = "leadership", _("Leadership course")
        BOARD_MEETING = "board_meeting", _("Advisory board meeting")
        OTHER = "other", _("Other")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="activities",
                                verbose_name=_("project"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.TRAINING)
    title = models.CharField(_("title"), max_length=200)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    start_time = models.TimeField(_("starts at"), null=True, blank=True,
                                  help_text=_("Optional: the time of day it starts."))
    online = models.BooleanField(_("held online"), default=False)
    city = models.CharField(_("city"), max_length=120, blank=True)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("country"))
    thematic_areas = models.ManyToManyField(ThematicArea, blank=True, related_name="+",
                                            verbose_name=_("thematic areas"))
    description = models.TextField(_("description"), blank=True, max_length=5000)
    # An advisory board meeting's record. The board speaks through its members' countries and
    # institutions: these texts name roles, not people (the form says so), and are the
    # programme's record, not anyone's personal data.
    agenda = models.TextField(_("agenda"), blank=True, max_length=10000)
    minutes = models.TextField(
        _("minutes"), blank=True, max_length=20000,
        help_text=_("Name countries and institutions rather than people."))
    decisions = models.TextField(_("decisions"), blank=True, max_length=10000)
    cancelled = models.BooleanField(_("cancelled"), default=False)

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [models.Index(fields=["organisation", "project", "ends_on"])]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")),
                                   name="activity_ends_after_it_starts"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_board_meeting(self) -> bool:
        return self.kind == self.Kind.BOARD_MEETING

    @property
    def place(self) -> str:
        """Where it is held, as a page or a calendar says it: "Online", or the city and
        country."""
        if self.online:
            return str(_("Online"))
        return ", ".join(part for part in (self.city, str(self.country or "")) if part)


class ActivityParticipant(TenantModel):
    """A person invited to an activity: their answer, and whether they attended (recorded by
    the coordinator)."""

    tenant_parents = ("activity",)

    class Response(models.TextChoices):
        INVITED = "invited", _("Invited, no answer yet")
        CONFIRMED = "confirmed", _("Confirmed")
        DECLINED = "declined", _("Declined")

    class Attended(models.TextChoices):
        UNKNOWN = "unknown", _("Not recorded")
        YES = "yes", _("Attended")
        NO = "no", _("Did not attend")

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="participants",
                                 verbose_name=_("activity"))
    person = models.ForeignKey("participants.User", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("person"))
    invited_at = models.DateTimeField(_("invited"))
    invited_by = models.ForeignKey("participants.User", on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+", verbose_name=_("invited by"))
    response = models.CharField(_("answer"), max_length=10, choices=Response,
                                default=Response.INVITED)
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)
    attended = models.CharField(_("attendance"), max_length=8, choices=Attended,
                                default=Attended.UNKNOWN)

    class Meta:
        ordering = ["person__full_name", "pk"]
        verbose_name = _("invitation to an activity")
        verbose_name_plural = _("invitations to activities")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "activity", "person"],
                                    name="one_invitation_per_activity_and_person"),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.activity})"


def document_upload_to(document: "ActivityDocument", filename: str) -> str:
    # Like CVs: the stored name says nothing; the file is served only through a view that
    # checks who asks.
    suffix = PurePath(filename).suffix.lower()[:8]
    return f"activities/{document.organisation_id}/{secrets.token_hex(16)}{suffix}"


class ActivityDocument(TenantModel):
    """A document of an activity: its programme, slides, a board meeting's signed minutes."""

    tenant_parents = ("activity",)

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="documents",
                                 verbose_name=_("activity"))
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=document_upload_to)
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey("participants.User", on_delete=models.SET_NULL, null=True,
                                    blank=True, related_name="+", verbose_name=_("uploaded by"))

    class Meta:
        ordering = ["title", "pk"]
        verbose_name = _("activity document")
        verbose_name_plural = _("activity documents")

    def __str__(self) -> str:
        return self.title

    @property
    def download_name(self) -> str:
        return f"{self.title}{PurePath(self.file.name or '').suffix}"


class AdvisoryBoardMember(TenantModel):
    """A member of a project's advisory board: for Momentum MENA, one representative nominated
    by each partner country, preferably from a training academy."""

    tenant_parents = ("project",)

    project = models.ForeignKey(Project, on_delete=models.CASCADE,
                                related_name="board_members", verbose_name=_("project"))
    person = models.ForeignKey("participants.User", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("person"))
    country = models.ForeignKey(Country, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("country represented"))
    role = models.CharField(_("role and institution"), max_length=200, blank=True)
    since = models.DateField(_("member since"))
    until = models.DateField(_("member until"), null=True, blank=True)

    class Meta:
        ordering = ["country__name", "person__full_name", "pk"]
        verbose_name = _("advisory board member")
        verbose_name_plural = _("advisory board members")
        constraints = [
            models.CheckConstraint(condition=Q(until__isnull=True)
                                   | Q(until__gte=models.F("since")),
                                   name="board_membership_ends_after_it_starts"),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.country or self.role})"


# -- What these models hold about people (programmes/privacy/register.py) ---------------------
# An activity itself (what, when, where, its agenda, minutes and decisions) is the programme's
# record: the minutes name countries and institutions, not people (the form asks for this).
register.declare(
    Activity,
    not_personal=["kind", "title", "starts_on", "ends_on", "start_time", "city",
                  "description", "agenda", "minutes", "decisions"])
# Who was invited, their answer and their attendance are about the person; answers and
# attendance stay, unnamed, once they are erased, so the programme's figures stay right.
register.declare(
    ActivityParticipant, subject=["person"],
    personal={"person": register.ACTIVITIES, "invited_at": register.ACTIVITIES.counted(),
              "response": register.ACTIVITIES.counted(),
              "responded_at": register.ACTIVITIES.counted(),
              "attended": register.ACTIVITIES.counted(),
              "invited_by": register.ACCOUNTABILITY},
    linked=["invited_by"])
register.declare(
    ActivityDocument, subject=["uploaded_by"],
    personal={"uploaded_by": register.ACCOUNTABILITY},
    not_personal=["title", "file", "content_type"], linked=["uploaded_by"])
register.declare(
    AdvisoryBoardMember, subject=["person"],
    personal={"person": register.ACTIVITIES, "role": register.ACTIVITIES,
              "since": register.ACTIVITIES, "until": register.ACTIVITIES},
    erase=register.Erase.DELETE)
