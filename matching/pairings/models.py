"""Pairings and their history: every move is a PairingEvent."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext_lazy as _

from matching.texts import Text
from participants.models import Application, User
from programmes.cldr import language_name
from programmes.models import Call, Project, TenantModel
from programmes.privacy import register

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
    if params.get("language_codes"):
        params["languages"] = ", ".join(
            language_name(code) for code in str(params["language_codes"]).split(","))
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
        # The pairing list pages the newest first (selectors.pairing_list): with these the
        # database walks an index backwards and stops after a page, instead of sorting every
        # pairing of the organisation, the project or the status filtered on.
        indexes = [
            models.Index(fields=["organisation", "created_at", "id"],
                         name="pairing_list_newest"),
            models.Index(fields=["organisation", "project", "created_at", "id"],
                         name="pairing_list_project_newest"),
            models.Index(fields=["organisation", "status", "created_at", "id"],
                         name="pairing_list_status_newest"),
        ]
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


# -- What these models hold about people (programmes/privacy/register.py) ---------------------
register.declare(
    Pairing, subject=["mentee", "mentor"],
    personal={"mentee": register.MENTORING, "mentor": register.MENTORING,
              # The coordinator's words about the pair: kept for the partner.
              "override_note": register.MENTORING.joint(),
              "end_reason": register.MENTORING.joint(),
              "mentee_accepted_at": register.MENTORING.counted(),
              "mentor_accepted_at": register.MENTORING.counted()},
    # The engine's reasons name rules and areas, not people.
    not_personal=["status", "explanation", "broken_rules"])
register.declare(
    PairingEvent, subject=["pairing__mentee", "pairing__mentor"],
    personal={"reason": register.MENTORING.joint(), "by": register.ACCOUNTABILITY},
    not_personal=["from_status", "to_status"], linked=["by"])
