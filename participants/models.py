import hashlib
import secrets
from datetime import datetime

from allauth.socialaccount.models import SocialAccount
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from participants.querysets import (
    ApplicationQuerySet,
    InvitationQuerySet,
    MembershipQuerySet,
)
from programmes.actor import Role
from programmes.models import (
    WORKING_LANGUAGES,
    Call,
    Country,
    Organisation,
    Project,
    TenantModel,
    ThematicArea,
)
from programmes.privacy import register, retention
from programmes.querysets import CrossTenantManager

# The largest CV a candidate may upload.
CV_MAX_BYTES = 5 * 1024 * 1024
# Each language in its own name, as a language switcher shows them.
LANGUAGE_CHOICES = [("en", "English"), ("fr", "Français"), ("ar", "العربية")]


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra):
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. The e-mail address is the login; people join only through an invitation."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200)
    language = models.CharField(
        _("preferred language"), max_length=8, default="en",
        choices=LANGUAGE_CHOICES,
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    # The secret of the private calendar feed, kept hashed (like invitation tokens); empty
    # until the person asks for a feed.
    calendar_token_hash = models.CharField(max_length=64, blank=True, db_index=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.get_full_name()

    @property
    def awaits_first_password(self) -> bool:
        """An account made for a person before they ever signed in (a programme brought in by
        an import, matching/imports): accepting an invitation sets its password."""
        return self.is_active and self.last_login is None and not self.has_usable_password()


# Roles that must set up multi-factor authentication before anything else.
MFA_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR})


class Membership(TenantModel):
    """One role a person holds in an organisation. A coordinator's and a focal point's projects
    are guardian object permissions (see programmes/access.py); a focal point also has a
    country."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("person")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role)
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("country"),
    )

    objects = MembershipQuerySet.as_manager()  # type: ignore[misc]  # as_manager()'s type cannot be a ClassVar (django-stubs)
    unscoped = CrossTenantManager.from_queryset(MembershipQuerySet)()  # type: ignore[assignment, misc]  # its own queryset, as objects

    class Meta:
        ordering = ["user__full_name", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user", "role"], name="one_membership_per_role"
            ),
            models.CheckConstraint(
                condition=~Q(role="focal_point") | Q(country__isnull=False),
                name="focal_point_has_country",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.organisation})"

    @property
    def precedence(self) -> int:
        return list(Role.values).index(self.role)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(TenantModel):
    """An organisation admin invites a person by e-mail with a role. Only a hash of the token is
    stored: the link in the e-mail is the only copy of the secret."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")

    email = models.EmailField(_("e-mail address"))
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    language = models.CharField(
        _("language of the invitation"), max_length=8, default="en", choices=LANGUAGE_CHOICES
    )
    role = models.CharField(_("role"), max_length=20, choices=Role)
    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("country"),
    )
    projects = models.ManyToManyField(
        Project, blank=True, related_name="+", verbose_name=_("projects")
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    status = models.CharField(
        _("status"), max_length=20, choices=Status, default=Status.PENDING
    )
    # Nobody, for an organisation's first admin: the platform's operators invite them from the
    # command line (manage.py create_organisation).
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("invited by"),
    )
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = InvitationQuerySet.as_manager()  # type: ignore[misc]  # as_manager()'s type cannot be a ClassVar (django-stubs)
    unscoped = CrossTenantManager.from_queryset(InvitationQuerySet)()  # type: ignore[assignment, misc]  # its own queryset, as objects

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "email", "role"],
                condition=Q(status="pending"),
                name="one_pending_invitation_per_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_role_display()})"

    def open_application(self) -> "Application | None":
        """The newest application this invitation leads to that is still alive."""
        return self.applications.exclude(status="withdrawn").order_by("-created_at").first()

    def email_user(self) -> "User | None":
        return User.objects.filter(email__iexact=self.email).first()

    @property
    def is_usable(self) -> bool:
        return self.status == self.Status.PENDING and self.expires_at > timezone.now()


class Candidate(TenantModel):
    """Who a candidate is, as a nomination gives it and as the application keeps it."""

    country = models.ForeignKey(
        Country, on_delete=models.PROTECT, related_name="+", verbose_name=_("country")
    )
    thematic_area = models.ForeignKey(
        ThematicArea, on_delete=models.PROTECT, related_name="+", verbose_name=_("thematic area")
    )
    full_name = models.CharField(_("full name"), max_length=200)
    email = models.EmailField(_("e-mail address"))
    agency = models.CharField(_("agency"), max_length=200)
    rank = models.CharField(_("rank or position"), max_length=120)

    class Meta(TenantModel.Meta):
        abstract = True


class Nomination(Candidate):
    """A national focal point puts a candidate forward for a call, for their own country."""

    tenant_parents = ("call",)

    class Status(models.TextChoices):
        NOMINATED = "nominated", _("Nominated")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    call = models.ForeignKey(
        Call, on_delete=models.PROTECT, related_name="nominations", verbose_name=_("call")
    )
    nominated_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("nominated by")
    )
    languages = models.JSONField(_("working languages"), default=list)
    status = models.CharField(
        _("status"), max_length=12, choices=Status, default=Status.NOMINATED
    )

    class Meta:
        ordering = ["country__name", "full_name"]
        verbose_name = _("nomination")
        verbose_name_plural = _("nominations")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "call", "email"], condition=Q(status="nominated"),
                name="one_nomination_per_candidate_per_call",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.country})"


def cv_upload_to(application: "Application", filename: str) -> str:
    # The stored name says nothing about the person; the file is served only through a view
    # that checks who asks.
    return f"cv/{application.organisation_id}/{secrets.token_hex(16)}.pdf"


class Application(Candidate):
    """A candidate's application to a call: started by a nomination (or by the candidate where
    the call allows it), completed by the candidate, decided by the coordinator."""

    tenant_parents = ("call",)

    class Status(models.TextChoices):
        INVITED = "invited", _("Waiting for the candidate")
        SUBMITTED = "submitted", _("Submitted")
        SHORTLISTED = "shortlisted", _("Shortlisted")
        RESERVE = "reserve", _("In reserve")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Gender(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        UNDISCLOSED = "undisclosed", _("Prefer not to say")

    call = models.ForeignKey(
        Call, on_delete=models.PROTECT, related_name="applications", verbose_name=_("call")
    )
    nomination = models.OneToOneField(
        Nomination, on_delete=models.PROTECT, null=True, blank=True, related_name="application"
    )
    # One invitation may lead to several applications: a candidate still invited can be
    # nominated for a second call.
    invitation = models.ForeignKey(
        Invitation, on_delete=models.SET_NULL, null=True, blank=True, related_name="applications"
    )
    applicant = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="applications",
        verbose_name=_("applicant"),
    )
    gender = models.CharField(_("gender"), max_length=12, choices=Gender, blank=True)
    years_of_service = models.PositiveSmallIntegerField(
        _("years of service"), null=True, blank=True, validators=[MaxValueValidator(60)]
    )
    years_of_experience = models.PositiveSmallIntegerField(
        _("years of experience in the thematic area"), null=True, blank=True,
        validators=[MaxValueValidator(60)],
    )
    mentee_capacity = models.PositiveSmallIntegerField(
        _("how many mentees you can take"), default=1,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("For mentors: the coordinator pairs you with at most this many mentees."),
    )
    expertise_areas = models.ManyToManyField(
        ThematicArea, blank=True, related_name="+", verbose_name=_("areas of expertise")
    )
    motivation = models.TextField(_("motivation"), blank=True, max_length=5000)
    availability = models.TextField(_("availability"), blank=True, max_length=2000)
    cv = models.FileField(_("CV (PDF)"), upload_to=cv_upload_to, blank=True)
    consent_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    consent_version = models.CharField(_("consent text version"), max_length=20, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.INVITED)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)

    objects = ApplicationQuerySet.as_manager()  # type: ignore[misc]  # as_manager()'s type cannot be a ClassVar (django-stubs)
    unscoped = CrossTenantManager.from_queryset(ApplicationQuerySet)()  # type: ignore[assignment, misc]  # its own queryset, as objects

    class Meta:
        ordering = ["country__name", "full_name"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        indexes = [models.Index(fields=["organisation", "call", "status"])]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.call})"


class ApplicationLanguage(TenantModel):
    tenant_parents = ("application",)

    class Level(models.TextChoices):
        BASIC = "basic", _("Basic")
        WORKING = "working", _("Working knowledge")
        FLUENT = "fluent", _("Fluent")
        NATIVE = "native", _("Native")

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="languages"
    )
    language = models.CharField(_("language"), max_length=5, choices=WORKING_LANGUAGES)
    level = models.CharField(_("level"), max_length=10, choices=Level)

    class Meta:
        ordering = ["language"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "application", "language"], name="one_level_per_language"
            ),
        ]


class StatusChange(TenantModel):
    """Every change of status of a call, a nomination or an application: who, when, from what
    to what, and why."""

    tenant_parents = ("application", "nomination", "call")

    call = models.ForeignKey(Call, on_delete=models.CASCADE, null=True, related_name="+")
    nomination = models.ForeignKey(
        Nomination, on_delete=models.CASCADE, null=True, related_name="status_changes"
    )
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, null=True, related_name="status_changes"
    )
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    changed_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def _label(self, status: str) -> str:
        subject = Application if self.application_id else Nomination if self.nomination_id else Call
        return str(dict(subject.Status.choices).get(status, status))

    @property
    def from_label(self) -> str:
        return self._label(self.from_status) if self.from_status else ""

    @property
    def to_label(self) -> str:
        return self._label(self.to_status)


class Notification(TenantModel):
    """A message in the app, beside the e-mail."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    # What the message is about, for whom (a pairing, a call): its e-mail's subject line.
    subject = models.CharField(max_length=200, blank=True)
    text = models.CharField(max_length=500)
    link = models.CharField(max_length=300, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]


class IdentityProvider(TenantModel):
    """An organisation's own identity provider, connected by its admin: SAML 2.0 (ADFS, Entra
    ID, Okta: its metadata uploaded) or OpenID Connect (its issuer, client ID and secret). Its
    members may then sign in with their agency account; it never makes an account
    (participants/adapters.py: SocialAccountAdapter)."""

    class Protocol(models.TextChoices):
        SAML = "saml", _("SAML 2.0")
        OIDC = "oidc", _("OpenID Connect")

    protocol = models.CharField(_("protocol"), max_length=4, choices=Protocol.choices,
                                default=Protocol.SAML)
    name = models.CharField(
        _("name shown on the sign-in button"), max_length=100,
        help_text=_("For example: Guardia Civil account (Entra ID)."))
    saml_metadata = models.TextField(_("the provider's SAML metadata"), blank=True)
    issuer = models.URLField(
        _("issuer address"), max_length=300, blank=True,
        help_text=_("The provider's address, where /.well-known/openid-configuration is "
                    "found."))
    client_id = models.CharField(_("client ID"), max_length=200, blank=True)
    client_secret = models.CharField(_("client secret"), max_length=500, blank=True)
    enabled = models.BooleanField(_("members may sign in with it"), default=True)
    password_allowed = models.BooleanField(
        _("members may still sign in with a password"), default=True,
        help_text=_("Untick once everyone signs in through the provider: then someone the "
                    "provider no longer vouches for (who left the force) cannot sign in at "
                    "all."))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation"],
                                               name="one_identity_provider_per_organisation")]

    @property
    def provider_id(self) -> str:
        """allauth's name of this provider; its sign-in and return addresses carry it."""
        return f"sso-{self.organisation.slug}"


# A subject that outgrew these rooms keeps its models in its own (participants/activities/);
# Django finds them here.
from participants.activities.models import Activity as Activity  # noqa: E402
from participants.activities.models import ActivityDocument as ActivityDocument  # noqa: E402
from participants.activities.models import (  # noqa: E402
    ActivityParticipant as ActivityParticipant,
)
from participants.activities.models import (  # noqa: E402
    AdvisoryBoardMember as AdvisoryBoardMember,
)

# -- What these models hold about people (programmes/privacy/register.py) ---------------------
# The person's own account is not one organisation's data: its changes are not in any
# organisation's trail, and erasure closes it when no membership is left
# (participants/receivers.py).
register.declare(
    User, subject=["pk"],
    personal={"email": register.ACCOUNT, "full_name": register.ACCOUNT,
              "language": register.ACCOUNT, "password": register.ACCOUNT,
              "last_login": register.ACCOUNT, "date_joined": register.ACCOUNT,
              "calendar_token_hash": register.ACCOUNT},
    history=False)
register.declare(IdentityProvider,
                 not_personal=["protocol", "name", "saml_metadata", "issuer", "client_id",
                               "client_secret", "enabled", "password_allowed"],
                 history_exclude=["client_secret"])
# The link from a person's account to their agency account (allauth's): the provider's claims
# about them (e-mail, name, how they signed in), as of their last sign-in through it.
register.declare(
    SocialAccount, subject=["user"],
    personal={"user": register.ACCOUNT, "provider": register.ACCOUNT, "uid": register.ACCOUNT,
              "last_login": register.ACCOUNT, "date_joined": register.ACCOUNT,
              "extra_data": register.ACCOUNT},
    erase=register.Erase.DELETE, history=False)
register.declare(Membership, subject=["user"],
                 personal={"user": register.ROLE, "role": register.ROLE},
                 erase=register.Erase.DELETE)
register.declare(
    Invitation, subject=["email:email", "accepted_by"],
    personal={"email": register.ACCOUNT, "full_name": register.ACCOUNT,
              "language": register.ACCOUNT, "accepted_by": register.ACCOUNT,
              "invited_by": register.ROLE.by("invited_by")},
    not_personal=["role", "token_hash", "status", "expires_at", "accepted_at"],
    erase=register.Erase.DELETE, history_exclude=["token_hash"])
register.declare(
    Nomination, subject=["email:email", "application__applicant"],
    personal={"full_name": register.SELECTION, "email": register.SELECTION,
              "agency": register.SELECTION, "rank": register.SELECTION,
              "languages": register.SELECTION, "nominated_by": register.SELECTION},
    not_personal=["status"], linked=["nominated_by"])
register.declare(
    Application, subject=["applicant", "email:email"],
    personal={"full_name": register.SELECTION, "email": register.SELECTION,
              "agency": register.SELECTION, "rank": register.SELECTION,
              "gender": register.SELECTION.counted(), "motivation": register.SELECTION,
              "availability": register.SELECTION, "cv": register.SELECTION,
              "consent_at": register.SELECTION, "consent_version": register.SELECTION,
              "decision_reason": register.SELECTION, "applicant": register.SELECTION},
    not_personal=["status", "submitted_at"])
register.declare(
    ApplicationLanguage, subject=["application__applicant", "email:application__email"],
    personal={"language": register.SELECTION, "level": register.SELECTION},
    erase=register.Erase.DELETE)
register.declare(
    StatusChange, subject=["application__applicant", "email:nomination__email"],
    personal={"reason": register.SELECTION, "changed_by": register.ACCOUNTABILITY},
    not_personal=["from_status", "to_status"], linked=["changed_by"])
register.declare(
    Notification, subject=["user"],
    personal={"user": register.NOTICE, "subject": register.NOTICE, "text": register.NOTICE,
              "link": register.NOTICE,
              "read_at": register.NOTICE},
    erase=register.Erase.DELETE, mentions=["subject", "text"])


# -- How long they are kept (programmes/privacy/retention.py) ---------------------------------
def _call_closed(*, organisation: Organisation, rows: QuerySet) -> dict[int, datetime]:
    # A call never closed by hand closed at its deadline.
    return dict(rows.annotate(closed=Coalesce("call__closed_at", "call__deadline"))
                .values_list("pk", "closed"))


retention.clock(
    Application, retention=register.Retention.APPLICATION,
    finished=Q(status__in=[Application.Status.DECLINED, Application.Status.WITHDRAWN]),
    since=_call_closed, what=_("anonymised, with their CVs and languages"))
retention.notice(Notification, since="created_at")
