from collections.abc import Collection
from typing import Any, ClassVar, cast

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from programmes.cldr import country_name, language_name
from programmes.querysets import CrossTenantManager, ProjectQuerySet, TenantQuerySet
from programmes.rules import Rules, Weights
from programmes.validators import currency_code

# First path segments the platform itself uses; an organisation cannot take them as its address.
RESERVED_SLUGS = frozenset(
    {"admin", "accounts", "i18n", "invitations", "static", "switch", "media"}
)


def validate_not_reserved(slug: str) -> None:
    if slug in RESERVED_SLUGS:
        raise ValidationError(_("This address is reserved by the platform."))


class Organisation(models.Model):
    """A tenant: it sees only its own data. Its pages live under /<slug>/."""

    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=40)
    slug = models.SlugField(
        _("address"), max_length=50, unique=True, validators=[validate_not_reserved]
    )
    unit = models.CharField(_("unit"), max_length=200, blank=True)
    # The organisation's look in its PDFs: a colour for headings and charts, and a logo kept in
    # the database (a few kilobytes) so that every web process and worker has it.
    colour = models.CharField(
        _("colour"), max_length=7, default="#1f4e79",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$",
                                   _("Give a colour as # and six hexadecimal digits, "
                                     "like #1f4e79."))],
    )
    logo = models.BinaryField(_("logo"), blank=True, default=b"", editable=True)
    logo_type = models.CharField(max_length=20, blank=True)  # image/png or image/jpeg
    # How long personal data is kept (see programmes/privacy/register.py): declined and
    # withdrawn applications with their CVs after their call closes, and everything about a
    # pairing after it ends (then reduced to anonymous figures). The daily retention job
    # applies them.
    retain_declined_months = models.PositiveSmallIntegerField(
        _("keep declined and withdrawn applications (months after the call closes)"), default=6,
        validators=[MinValueValidator(1), MaxValueValidator(60)])
    retain_pairing_years = models.PositiveSmallIntegerField(
        _("keep a finished pairing's records (years after it ends)"), default=5,
        validators=[MinValueValidator(1), MaxValueValidator(30)])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["short_name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.short_name


class OrganisationMismatch(ValueError):
    """A tenant row would point at a row of another organisation."""


_TENANT_FOREIGN_KEYS: dict[type, list[models.ForeignKey]] = {}


class TenantModel(models.Model):
    """Every tenant-owned row reaches its organisation by this foreign key.

    `objects` fails closed (see programmes/querysets.py): a read that names no organisation
    raises. `unscoped` is the explicit cross-tenant manager for the few reads that must cross
    organisations (the reminder scan, the demo loader, the admin); the tenancy lint allows it
    only in the modules it lists. `_base_manager` stays Django's plain manager, which Django uses
    for saving and for following a foreign key.

    A row with a tenant parent takes its organisation from it: `tenant_parents` names the
    foreign keys the organisation comes from, in order (the first one set gives it). Every
    foreign key to another tenant row must point inside the same organisation; a mismatch is
    refused by save() and clean() and, on PostgreSQL, by a composite foreign key
    (child.fk_id, child.organisation_id) -> parent(id, organisation_id)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()
    unscoped = CrossTenantManager.from_queryset(TenantQuerySet)()

    tenant_parents: ClassVar[tuple[str, ...]] = ()

    class Meta:
        abstract = True

    def save(self, **kwargs: Any) -> None:
        update_fields = kwargs.get("update_fields")
        watched = {"organisation", "organisation_id"} | {
            name for field in self.tenant_foreign_keys() for name in (field.name, field.attname)}
        if update_fields is None or watched & set(update_fields):
            self._take_organisation_from_parent()
            if mismatched := self._mismatched_parents():
                raise OrganisationMismatch(self._mismatch_message(mismatched))
        super().save(**kwargs)
        self._remember_tenant_keys()

    def clean_fields(self, exclude: Collection[str] | None = None) -> None:
        self._take_organisation_from_parent()
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        super().clean()
        self._take_organisation_from_parent()
        if mismatched := self._mismatched_parents():
            raise ValidationError(self._mismatch_message(mismatched))

    def validate_unique(self, exclude: Collection[str] | None = None) -> None:
        """A single-field unique (a one-to-one link, an invitation's token) is unique across
        organisations, as the database enforces it; Django checks it through the default
        manager, which would refuse the unscoped read, so it is checked here through
        `unscoped`. It tells only whether the value is taken, as the database would."""
        exclude = set(exclude or ())
        global_fields = [field for field in self._meta.concrete_fields
                         if field.unique and field.name not in exclude
                         and (not field.primary_key or self._state.adding)]
        super().validate_unique(exclude=exclude | {field.name for field in global_fields})
        errors = {}
        for field in global_fields:
            value = getattr(self, field.attname)
            if value is None or value == "":
                continue
            taken = type(self).unscoped.filter(**{field.attname: value})
            if not self._state.adding and self.pk is not None:
                taken = taken.exclude(pk=self.pk)
            if taken.exists():
                errors[field.name] = [self.unique_error_message(type(self), (field.name,))]
        if errors:
            raise ValidationError(errors)

    @classmethod
    def tenant_foreign_keys(cls) -> list[models.ForeignKey]:
        """The foreign keys to other tenant rows: each must stay inside the organisation.
        Found once per model (every row read asks)."""
        found = _TENANT_FOREIGN_KEYS.get(cls)
        if found is None:
            found = _TENANT_FOREIGN_KEYS[cls] = [
                cast(models.ForeignKey, field) for field in cls._meta.concrete_fields
                if field.many_to_one or field.one_to_one
                if isinstance(field.related_model, type)
                and issubclass(field.related_model, TenantModel)]
        return found

    @classmethod
    def from_db(cls, db, field_names, values, **kwargs):
        instance = super().from_db(db, field_names, values, **kwargs)
        instance._remember_tenant_keys()
        return instance

    def _remember_tenant_keys(self) -> None:
        # What was checked (by the database or by save) need not be checked again.
        loaded = vars(self)
        self._tenant_keys = {"organisation_id": loaded.get("organisation_id")}
        for field in self.tenant_foreign_keys():
            self._tenant_keys[field.attname] = loaded.get(field.attname)

    def _parent_organisation_id(self, field: models.ForeignKey) -> int | None:
        value = getattr(self, field.attname)
        if value is None:
            return None
        if field.is_cached(self) and field.get_cached_value(self) is not None:
            return cast(TenantModel, field.get_cached_value(self)).organisation_id
        return (field.related_model._base_manager.filter(pk=value)
                .values_list("organisation_id", flat=True).first())

    def _take_organisation_from_parent(self) -> None:
        if self.organisation_id is not None:
            return
        for name in self.tenant_parents:
            organisation_id = self._parent_organisation_id(self._meta.get_field(name))
            if organisation_id is not None:
                self.organisation_id = organisation_id
                return

    def _mismatched_parents(self) -> list[str]:
        known = getattr(self, "_tenant_keys", None) or {}
        same_organisation = known.get("organisation_id") == self.organisation_id
        mismatched = []
        for field in self.tenant_foreign_keys():
            value = getattr(self, field.attname)
            if value is None or (same_organisation and known.get(field.attname) == value
                                 and not field.is_cached(self)):
                continue
            if self._parent_organisation_id(field) != self.organisation_id:
                mismatched.append(field.name)
        return mismatched

    def _mismatch_message(self, mismatched: list[str]) -> str:
        names = ", ".join(str(getattr(self._meta.get_field(name), "verbose_name", name))
                          for name in mismatched)
        return _("The %(parents)s of this %(row)s belongs to another organisation.") % {
            "parents": names, "row": self._meta.verbose_name}


class Country(models.Model):
    """Reference data shared by all organisations (ISO 3166-1 alpha-2)."""

    code = models.CharField(_("ISO code"), max_length=2, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    is_eu_member = models.BooleanField(_("EU member state"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")

    def __str__(self) -> str:
        # As the active language names it (CLDR); `name` is the English, for sorting.
        return country_name(self.code, self.name)


class Project(TenantModel):
    """A mentoring programme or scheme of an organisation, with its rules as data."""

    class Kind(models.TextChoices):
        TRADITIONAL = "traditional", _("Traditional mentoring")
        PEER = "peer", _("Peer mentoring")
        REVERSE = "reverse", _("Reverse mentoring")
        BUDDY = "buddy", _("Buddy scheme")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("address"), max_length=50)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.TRADITIONAL)
    region = models.CharField(_("region"), max_length=200, blank=True)
    aim = models.TextField(_("aim"), blank=True)
    partner_countries = models.ManyToManyField(
        Country, blank=True, related_name="+", verbose_name=_("partner countries")
    )
    is_active = models.BooleanField(_("active"), default=True)

    # The rules. Defaults are CEPOL's; each project can change them.
    duration_min_months = models.PositiveSmallIntegerField(
        _("shortest duration (months)"), default=3,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    duration_max_months = models.PositiveSmallIntegerField(
        _("longest duration (months)"), default=12,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    first_visit_within_months = models.PositiveSmallIntegerField(
        _("first in-person meeting within (months of the start)"), default=3,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    funded_visit_period_months = models.PositiveSmallIntegerField(
        _("at most one funded visit in each period of (months)"), default=3,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
    )
    funded_visits_until_month = models.PositiveSmallIntegerField(
        _("funded visits only within the first (months)"), default=12,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    online_meetings_per_month = models.PositiveSmallIntegerField(
        _("online meetings required each month"), default=1,
        validators=[MaxValueValidator(31)],
    )
    interim_report_grace_days = models.PositiveSmallIntegerField(
        _("grace period for the interim report (days)"), default=14,
        validators=[MaxValueValidator(180)],
    )
    narrative_report_due_days = models.PositiveSmallIntegerField(
        _("narrative report and feedback due (days after the end)"), default=30,
        validators=[MaxValueValidator(180)],
    )
    narrative_report_grace_days = models.PositiveSmallIntegerField(
        _("grace period for the narrative report and feedback (days)"), default=14,
        validators=[MaxValueValidator(180)],
    )
    mentors_from_eu_only = models.BooleanField(
        _("mentors come from EU member states"), default=True
    )
    mentees_from_partner_countries_only = models.BooleanField(
        _("mentees come from the partner countries"), default=True
    )

    # Matching: the points each term of a pair's score is worth, tuned by the coordinator, and
    # a preference the programme may set (Momentum MENA prefers female mentors).
    weight_same_area = models.PositiveSmallIntegerField(
        _("points for the same thematic area"), default=40, validators=[MaxValueValidator(100)]
    )
    weight_related_area = models.PositiveSmallIntegerField(
        _("points for a related thematic area"), default=20, validators=[MaxValueValidator(100)]
    )
    weight_common_language = models.PositiveSmallIntegerField(
        _("points for each common working language"), default=5,
        validators=[MaxValueValidator(100)],
    )
    weight_seniority = models.PositiveSmallIntegerField(
        _("points for each year of seniority between them (up to 10 years)"), default=2,
        validators=[MaxValueValidator(100)],
    )
    weight_preference = models.PositiveSmallIntegerField(
        _("points for the preferred mentor"), default=15, validators=[MaxValueValidator(100)]
    )

    class MentorGender(models.TextChoices):
        FEMALE = "female", _("A female mentor")
        MALE = "male", _("A male mentor")

    preferred_mentor_gender = models.CharField(
        _("preferred mentor"), max_length=12, choices=MentorGender, blank=True,
    )

    # The budget for funded visits, in one currency; claims in others are counted with the rates
    # the coordinator records (matching/budget). A ceiling per pair warns the plan's authors.
    visit_budget = models.DecimalField(
        _("budget for funded visits"), max_digits=12, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0)],
    )
    budget_currency = models.CharField(
        _("currency of the budget"), max_length=3, default="EUR", validators=[currency_code],
        help_text=_("The ISO 4217 code, such as EUR."),
    )
    visit_ceiling_per_pair = models.DecimalField(
        _("ceiling of funded visits per pair"), max_digits=10, decimal_places=2, null=True,
        blank=True, validators=[MinValueValidator(0)],
        help_text=_("In the budget's currency. Left empty, no ceiling."),
    )

    objects = ProjectQuerySet.as_manager()  # type: ignore[misc]  # as_manager()'s type cannot be a ClassVar (django-stubs)
    unscoped = CrossTenantManager.from_queryset(ProjectQuerySet)()  # type: ignore[assignment, misc]  # its own queryset, as objects

    class Meta:
        ordering = ["name"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        permissions = [
            ("coordinate_project", _("Coordinate the project")),
            ("nominate_for_project", _("Nominate candidates as a national focal point")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "slug"], name="project_slug_per_org"),
            models.UniqueConstraint(fields=["organisation", "name"], name="project_name_per_org"),
            models.CheckConstraint(
                condition=Q(duration_min_months__lte=F("duration_max_months")),
                name="project_duration_bounds_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def rules(self) -> Rules:
        """The project's rules as one plain object, for plans, compliance, reminders and the
        matching engine (the matching pool adds the countries and the related areas)."""
        return Rules(
            duration_min_months=self.duration_min_months,
            duration_max_months=self.duration_max_months,
            first_visit_within_months=self.first_visit_within_months,
            funded_visit_period_months=self.funded_visit_period_months,
            funded_visits_until_month=self.funded_visits_until_month,
            online_meetings_per_month=self.online_meetings_per_month,
            interim_report_grace_days=self.interim_report_grace_days,
            narrative_report_due_days=self.narrative_report_due_days,
            narrative_report_grace_days=self.narrative_report_grace_days,
            reverse=self.kind == self.Kind.REVERSE,
            preferred_mentor_gender=self.preferred_mentor_gender or None,
            weights=Weights(
                same_area=self.weight_same_area, related_area=self.weight_related_area,
                per_common_language=self.weight_common_language,
                seniority_gap=self.weight_seniority, preference=self.weight_preference,
            ),
        )


class ThematicArea(TenantModel):
    """A crime area or subject a project's pairs work on (e.g. Criminal finances)."""

    tenant_parents = ("project",)

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="thematic_areas",
        verbose_name=_("project"),
    )
    name = models.CharField(_("name"), max_length=120)
    # Areas close enough that a mentor of one can mentor in the other (the matching engine
    # scores them below the same area).
    related_areas = models.ManyToManyField(
        "self", blank=True, symmetrical=True, verbose_name=_("related areas")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("thematic area")
        verbose_name_plural = _("thematic areas")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "project", "name"], name="thematic_area_name_per_project"
            ),
        ]

    def __str__(self) -> str:
        return self.name


# Working languages a call may ask for and a candidate may speak (ISO 639-1), in English.
# The working languages a candidate may name, each called as the reader's language calls it
# (CLDR), in the order of their English names.
WORKING_LANGUAGES = [
    (code, lazy(language_name, str)(code))
    for code in ("ar", "hy", "az", "nl", "en", "fr", "ka", "de", "el", "he", "it", "pl", "pt",
                 "ro", "ru", "es", "uk")
]


class Call(TenantModel):
    """A call for nominations: the organisation invites countries to put candidates forward
    for one role in one project."""

    tenant_parents = ("project",)

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    class RoleSought(models.TextChoices):
        MENTEE = "mentee", _("Mentees")
        MENTOR = "mentor", _("Mentors")

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="calls", verbose_name=_("project")
    )
    title = models.CharField(_("title"), max_length=200)
    role_sought = models.CharField(_("role sought"), max_length=10, choices=RoleSought)
    invited_countries = models.ManyToManyField(
        Country, related_name="+", verbose_name=_("invited countries")
    )
    thematic_areas = models.ManyToManyField(
        ThematicArea, related_name="calls", verbose_name=_("thematic areas wanted")
    )
    min_years_of_service = models.PositiveSmallIntegerField(
        _("minimum years of service"), default=0, validators=[MaxValueValidator(50)]
    )
    working_languages = models.JSONField(
        _("working languages"), default=list, blank=True,
        help_text=_("A candidate must work in at least one of them. None: any language."),
    )
    female_only = models.BooleanField(_("female officers only"), default=False)
    places_per_country = models.PositiveSmallIntegerField(
        _("places per country"), default=2, validators=[MinValueValidator(1),
                                                          MaxValueValidator(100)]
    )
    deadline = models.DateTimeField(_("deadline for nominations"))
    allow_self_nomination = models.BooleanField(
        _("people may put themselves forward"), default=False
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.DRAFT)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        ordering = ["-deadline"]
        verbose_name = _("call")
        verbose_name_plural = _("calls")

    def __str__(self) -> str:
        return self.title

    @property
    def accepts_nominations(self) -> bool:
        return self.status == self.Status.OPEN and timezone.now() < self.deadline


# django-guardian's object permissions on projects, with direct foreign keys so that they are
# deleted with the project (generic ones would outlive it).
class ProjectUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Project, on_delete=models.CASCADE)


class ProjectGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Project, on_delete=models.CASCADE)


# The audit trail and data requests live in their own room (programmes/privacy/); this module
# is the app's index of models, so Django finds them here.
from programmes.privacy import register  # noqa: E402
from programmes.privacy.models import AuditEntry, DataRequest  # noqa: E402

# -- What these models hold about people (programmes/privacy/register.py) ---------------------
register.declare(Organisation, not_personal=["name", "short_name", "slug", "unit", "colour",
                                             "logo", "logo_type"], history_exclude=["logo"])
register.declare(Country, not_personal=["code", "name"], history=False)
register.declare(Project, not_personal=["name", "slug", "kind", "region", "aim",
                                        "preferred_mentor_gender", "budget_currency",
                                        "visit_budget", "visit_ceiling_per_pair"])
register.declare(ThematicArea, not_personal=["name"])
register.declare(Call, not_personal=["title", "role_sought", "working_languages", "deadline",
                                     "status", "opened_at", "closed_at"])
register.declare(ProjectUserObjectPermission, subject=["user"], personal={"user": register.ROLE},
                 erase=register.Erase.DELETE)
register.declare(ProjectGroupObjectPermission, not_personal=["group"], history=False)
register.declare(
    AuditEntry, subject=["actor"],
    personal={"actor": register.ACCOUNTABILITY, "actor_email": register.ACCOUNTABILITY,
              "remote_addr": register.ACCOUNTABILITY, "remote_port": register.ACCOUNTABILITY,
              # Values before and after a change: erasure blanks the person's declared fields
              # in them (programmes.privacy.services).
              "changes": register.ACCOUNTABILITY.joint()},
    # The entry names its object by kind and number only; the serialised copy and the extra
    # data hold ids and counts.
    not_personal=["object_pk", "object_repr", "serialized_data", "changes_text", "cid",
                  "timestamp", "additional_data", "event"],
    history=False)
register.declare(
    DataRequest, subject=["requester"],
    personal={"requester": register.ACCOUNTABILITY,
              "message": register.ACCOUNTABILITY.by("requester"),
              "answer": register.ACCOUNTABILITY.joint(),
              "handled_by": register.ACCOUNTABILITY},
    not_personal=["kind", "status", "due_on", "handled_at"], linked=["handled_by"])
