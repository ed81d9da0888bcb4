"""A factory for every model of the four apps. Each keeps what it makes inside one
organisation: a child takes its organisation from its parent (SelfAttribute), and the people a
row names (a pairing's mentee, a meeting's author...) are members of that organisation. A test
states only what it is about; tests/platform/test_factories.py checks every factory."""

import io
from datetime import date, timedelta
from decimal import Decimal

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from pypdf import PdfWriter

from matching.meetings.compliance import as_json, compliance
from matching.models import (
    ActivityPlan,
    ExchangeRate,
    Meeting,
    Pairing,
    PairingCompliance,
    PairingEvent,
    PlannedVisit,
    ProgrammeImport,
    Reminder,
    ScanRun,
)
from matching.schedule import Schedule
from participants.models import (
    Activity,
    ActivityDocument,
    ActivityParticipant,
    AdvisoryBoardMember,
    Application,
    ApplicationLanguage,
    IdentityProvider,
    Invitation,
    Membership,
    Nomination,
    Notification,
    StatusChange,
    User,
    hash_token,
)
from programmes.models import (
    AuditEntry,
    Call,
    Country,
    DataRequest,
    Organisation,
    Project,
    ProjectGroupObjectPermission,
    ProjectUserObjectPermission,
    ThematicArea,
)
from programmes.rules import Rules
from reporting.models import (
    Competency,
    Export,
    Feedback,
    Indicator,
    Report,
    SelfAssessment,
    SelfAssessmentAnswer,
)

PASSWORD = "a-long-test-password-42"


def member_of(organisation: Organisation, role: str, **kwargs: object) -> User:
    """A new person holding `role` in `organisation`: whom a row of that organisation names."""
    return MembershipFactory(organisation=organisation, role=role, **kwargs).user


def invited_country(call: Call) -> Country:
    """The call's first invited country, or one invited now for a call that has none yet."""
    country = call.invited_countries.first()
    if country is None:
        country = CountryFactory()
        call.invited_countries.add(country)
    return country


def area_of(call: Call) -> ThematicArea:
    """The call's project's first thematic area, or a new one."""
    return call.project.thematic_areas.first() or ThematicAreaFactory(project=call.project)


class CountryFactory(factory.django.DjangoModelFactory):
    """Reference data, shared by all organisations. Codes from the user-assigned range (QA to
    ZZ), so that they never meet the real ones the tests create by name."""

    class Meta:
        model = Country
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"{chr(81 + n // 26 % 10)}{chr(65 + n % 26)}")
    name = factory.LazyAttribute(lambda o: f"Country {o.code}")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ["slug"]

    short_name = factory.Sequence(lambda n: f"Org {n}")
    name = factory.LazyAttribute(lambda o: f"{o.short_name} agency")
    slug = factory.Sequence(lambda n: f"org-{n}")


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Project {n}")
    slug = factory.Sequence(lambda n: f"project-{n}")


class ThematicAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ThematicArea

    project = factory.SubFactory(ProjectFactory)
    organisation = factory.SelfAttribute("project.organisation")
    name = factory.Sequence(lambda n: f"Area {n}")


class CallFactory(factory.django.DjangoModelFactory):
    """An open call for mentees, two weeks before its deadline."""

    class Meta:
        model = Call

    project = factory.SubFactory(ProjectFactory)
    organisation = factory.SelfAttribute("project.organisation")
    title = factory.Sequence(lambda n: f"Call {n}")
    role_sought = "mentee"
    places_per_country = 2
    deadline = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))
    status = "open"
    opened_at = factory.LazyFunction(timezone.now)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()
            EmailAddress.objects.create(user=self, email=self.email, primary=True, verified=True)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organisation = factory.SubFactory(OrganisationFactory)
    user = factory.SubFactory(UserFactory)
    role = "mentee"


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    organisation = factory.SubFactory(OrganisationFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    role = "mentor"
    token_hash = factory.Sequence(lambda n: hash_token(f"token-{n}"))
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))


class IdentityProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IdentityProvider

    organisation = factory.SubFactory(OrganisationFactory)
    protocol = "oidc"
    name = "Agency account"
    issuer = "https://login.example.org/agency"
    client_id = "mentoring-platform"
    client_secret = "a-client-secret"


def with_totp(user: User) -> str:
    """Sets up the authenticator app an admin or coordinator must have; returns its secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def pdf_bytes(size: int | None = None) -> bytes:
    """A real one-page PDF; with `size`, padded (in its metadata) to exactly that many bytes."""

    def render(padding: int) -> bytes:
        writer = PdfWriter()
        writer.add_blank_page(width=595, height=842)
        if padding:
            writer.add_metadata({"/Padding": "0" * padding})
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()

    data = render(0)
    if size is not None:
        # The padding's own length shifts the offsets written in the file: settle in steps.
        padding = 1
        for _ in range(5):
            data = render(padding)
            if len(data) == size:
                break
            padding += size - len(data)
        assert len(data) == size, (len(data), size)
    return data


class NominationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Nomination

    call = factory.SubFactory(CallFactory)
    organisation = factory.SelfAttribute("call.organisation")
    country = factory.LazyAttribute(lambda o: invited_country(o.call))
    nominated_by = factory.LazyAttribute(
        lambda o: member_of(o.organisation, "focal_point", country=o.country))
    full_name = factory.Sequence(lambda n: f"Nominee {n}")
    email = factory.Sequence(lambda n: f"nominee{n}@police.example")
    agency = "National police"
    rank = "Inspector"
    thematic_area = factory.LazyAttribute(lambda o: area_of(o.call))
    languages = ["fr"]


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A submitted application, with a CV."""

    class Meta:
        model = Application

    call = factory.SubFactory(CallFactory)
    organisation = factory.SelfAttribute("call.organisation")
    country = factory.LazyAttribute(lambda o: invited_country(o.call))
    thematic_area = factory.LazyAttribute(lambda o: area_of(o.call))
    full_name = factory.Sequence(lambda n: f"Applicant {n}")
    email = factory.Sequence(lambda n: f"applicant{n}@police.example")
    agency = "National police"
    rank = "Inspector"
    status = "submitted"
    submitted_at = factory.LazyFunction(timezone.now)
    cv = factory.django.FileField(filename="cv.pdf", data=pdf_bytes())


def shortlisted(call: Call, *, user: User | None = None, country: Country | None = None,
                languages: tuple[str, ...] = ("fr",), years: int = 10, gender: str = "",
                capacity: int = 1, area: ThematicArea | None = None) -> Application:
    """A shortlisted application to `call` from a member holding the call's role (made here when
    no user is given), speaking `languages` at a working level."""
    if user is None:
        user = MembershipFactory(organisation=call.organisation, role=call.role_sought).user
    application = ApplicationFactory(
        call=call, applicant=user, full_name=user.full_name, email=user.email,
        country=country or call.invited_countries.first(), status="shortlisted",
        years_of_service=years, gender=gender, mentee_capacity=capacity,
        thematic_area=area or call.project.thematic_areas.first(),
    )
    for code in languages:
        ApplicationLanguage.objects.create(organisation=call.organisation,
                                           application=application, language=code,
                                           level="fluent")
    return application


class ApplicationLanguageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApplicationLanguage

    application = factory.SubFactory(ApplicationFactory)
    organisation = factory.SelfAttribute("application.organisation")
    language = "fr"
    level = "fluent"


class StatusChangeFactory(factory.django.DjangoModelFactory):
    """An application's move, from submitted to shortlisted by the call's coordinator."""

    class Meta:
        model = StatusChange

    application = factory.SubFactory(ApplicationFactory)
    organisation = factory.SelfAttribute("application.organisation")
    call = factory.SelfAttribute("application.call")
    from_status = "submitted"
    to_status = "shortlisted"
    changed_by = factory.LazyAttribute(lambda o: member_of(o.organisation, "coordinator"))
    reason = "A strong profile."


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    organisation = factory.SubFactory(OrganisationFactory)
    user = factory.LazyAttribute(lambda o: member_of(o.organisation, "mentee"))
    text = factory.Sequence(lambda n: f"Something happened ({n}).")


class ProjectUserObjectPermissionFactory(factory.django.DjangoModelFactory):
    """A coordinator of the organisation coordinating the project (as guardian stores it)."""

    class Meta:
        model = ProjectUserObjectPermission

    content_object = factory.SubFactory(ProjectFactory)
    user = factory.LazyAttribute(
        lambda o: member_of(o.content_object.organisation, "coordinator"))
    permission = factory.LazyFunction(
        lambda: Permission.objects.get(codename="coordinate_project"))


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Group {n}")


class ProjectGroupObjectPermissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectGroupObjectPermission

    content_object = factory.SubFactory(ProjectFactory)
    group = factory.SubFactory(GroupFactory)
    permission = factory.LazyFunction(
        lambda: Permission.objects.get(codename="coordinate_project"))


# --- Matching ---------------------------------------------------------------------------------

class PairingFactory(factory.django.DjangoModelFactory):
    """A proposed pairing of two members of the project's organisation, with no call and no
    applications unless given."""

    class Meta:
        model = Pairing

    project = factory.SubFactory(ProjectFactory)
    organisation = factory.SelfAttribute("project.organisation")
    mentee = factory.LazyAttribute(lambda o: member_of(o.organisation, "mentee"))
    mentor = factory.LazyAttribute(lambda o: member_of(o.organisation, "mentor"))
    status = Pairing.Status.PROPOSED
    call = None


class PairingEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PairingEvent

    pairing = factory.SubFactory(PairingFactory)
    organisation = factory.SelfAttribute("pairing.organisation")
    from_status = ""
    to_status = factory.SelfAttribute("pairing.status")
    by = None


class ActivityPlanFactory(factory.django.DjangoModelFactory):
    """A draft plan of an accepted pairing, the next version of the pairing's plans, starting
    today for a year."""

    class Meta:
        model = ActivityPlan

    pairing = factory.SubFactory(PairingFactory, status=Pairing.Status.ACCEPTED)
    organisation = factory.SelfAttribute("pairing.organisation")
    version = factory.LazyAttribute(lambda o: o.pairing.plans.count() + 1)
    objectives = "Trace criminal assets across borders."
    start = factory.LazyFunction(timezone.localdate)
    duration_months = 12
    online_meetings_per_month = 1
    status = ActivityPlan.Status.DRAFT


class PlannedVisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlannedVisit

    plan = factory.SubFactory(ActivityPlanFactory)
    organisation = factory.SelfAttribute("plan.organisation")
    day = factory.LazyAttribute(lambda o: o.plan.start + timedelta(days=45))
    place = "Rabat"
    funded = True


class MeetingFactory(factory.django.DjangoModelFactory):
    """An online meeting of an active pairing three days ago, logged by the mentee."""

    class Meta:
        model = Meeting

    pairing = factory.SubFactory(PairingFactory, status=Pairing.Status.ACTIVE)
    organisation = factory.SelfAttribute("pairing.organisation")
    kind = Meeting.Kind.ONLINE
    day = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=3))
    duration_minutes = 60
    topics = "Asset tracing"
    logged_by = factory.SelfAttribute("pairing.mentee")


class PairingComplianceFactory(factory.django.DjangoModelFactory):
    """An active pairing's kept compliance, nothing late, as compliance_keep would keep it for
    a 12-month plan that started today (tests that need a real state call compliance_keep)."""

    class Meta:
        model = PairingCompliance

    pairing = factory.SubFactory(PairingFactory, status=Pairing.Status.ACTIVE)
    organisation = factory.SelfAttribute("pairing.organisation")
    plan_start = factory.LazyFunction(timezone.localdate)
    plan_months = 12
    detail = factory.LazyAttribute(lambda row: as_json(compliance(
        schedule=Schedule(row.plan_start, row.plan_months), held=[], planned_visits=[],
        meetings_a_month=1, rules=Rules(), today=row.plan_start)))
    checked_on = factory.LazyFunction(timezone.localdate)


class ReminderFactory(factory.django.DjangoModelFactory):
    """A reminder to the mentee of an active pairing, due now."""

    class Meta:
        model = Reminder

    pairing = factory.SubFactory(PairingFactory, status=Pairing.Status.ACTIVE)
    organisation = factory.SelfAttribute("pairing.organisation")
    kind = Reminder.Kind.ONLINE_MEETING
    key = factory.Sequence(lambda n: f"test-reminder-{n}")
    period = 1
    recipient = factory.SelfAttribute("pairing.mentee")
    next_attempt_at = factory.LazyFunction(timezone.now)


# --- Reporting --------------------------------------------------------------------------------

class ReportFactory(factory.django.DjangoModelFactory):
    """The first draft of an active pairing's interim report."""

    class Meta:
        model = Report

    pairing = factory.SubFactory(PairingFactory, status=Pairing.Status.ACTIVE)
    organisation = factory.SelfAttribute("pairing.organisation")
    kind = Report.Kind.INTERIM
    version = 1
    status = Report.Status.DRAFT


class FeedbackFactory(factory.django.DjangoModelFactory):
    """The mentee's feedback on an active pairing."""

    class Meta:
        model = Feedback

    pairing = factory.SubFactory(PairingFactory, status=Pairing.Status.ACTIVE)
    organisation = factory.SelfAttribute("pairing.organisation")
    author = factory.SelfAttribute("pairing.mentee")
    satisfaction = 4
    objectives_met = 4
    support_received = 4
    would_recommend = True


class CompetencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Competency

    project = factory.SubFactory(ProjectFactory)
    organisation = factory.SelfAttribute("project.organisation")
    name = factory.Sequence(lambda n: f"Competency {n}")
    order = factory.Sequence(lambda n: n)


class SelfAssessmentFactory(factory.django.DjangoModelFactory):
    """The mentee's self-assessment at the start of an active pairing (give it answers with
    SelfAssessmentAnswerFactory)."""

    class Meta:
        model = SelfAssessment

    pairing = factory.SubFactory(PairingFactory, status=Pairing.Status.ACTIVE)
    organisation = factory.SelfAttribute("pairing.organisation")
    author = factory.SelfAttribute("pairing.mentee")
    moment = SelfAssessment.Moment.START
    submitted_at = factory.LazyFunction(timezone.now)


class SelfAssessmentAnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SelfAssessmentAnswer

    assessment = factory.SubFactory(SelfAssessmentFactory)
    organisation = factory.SelfAttribute("assessment.organisation")
    competency = factory.SubFactory(CompetencyFactory,
                                    project=factory.SelfAttribute("..assessment.pairing.project"))
    score = 3


class ExportFactory(factory.django.DjangoModelFactory):
    """A queued CSV of a project's pairings, asked for by a coordinator of its organisation.
    With `project=None` (an export of no project), give the organisation."""

    class Meta:
        model = Export

    project = factory.SubFactory(ProjectFactory)
    organisation = factory.LazyAttribute(lambda o: o.project.organisation)
    requested_by = factory.LazyAttribute(lambda o: member_of(o.organisation, "coordinator"))
    kind = Export.Kind.PAIRINGS
    format = Export.Format.CSV


class ExchangeRateFactory(factory.django.DjangoModelFactory):
    """The rate of the Moroccan dirham a project's coordinator recorded."""

    class Meta:
        model = ExchangeRate

    project = factory.SubFactory(ProjectFactory)
    organisation = factory.SelfAttribute("project.organisation")
    currency = "MAD"
    rate = Decimal("0.0920")
    recorded_by = factory.LazyAttribute(lambda o: member_of(o.organisation, "coordinator"))


class ScanRunFactory(factory.django.DjangoModelFactory):
    """The reminder scan's heartbeat of a minute ago (the platform's, no organisation's)."""

    class Meta:
        model = ScanRun

    started_at = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=1))
    finished_at = factory.LazyFunction(timezone.now)


class IndicatorFactory(factory.django.DjangoModelFactory):
    """A donor's target for the officers a project mentors in 2027."""

    class Meta:
        model = Indicator

    project = factory.SubFactory(ProjectFactory)
    organisation = factory.SelfAttribute("project.organisation")
    metric = Indicator.Metric.OFFICERS_MENTORED
    target = 20
    period_start = date(2027, 1, 1)
    period_end = date(2027, 12, 31)


class ProgrammeImportFactory(factory.django.DjangoModelFactory):
    """An uploaded CSV of pairings under way, checked, in a project, by one of its
    coordinators."""

    class Meta:
        model = ProgrammeImport

    project = factory.SubFactory(ProjectFactory)
    organisation = factory.LazyAttribute(lambda o: o.project.organisation)
    requested_by = factory.LazyAttribute(lambda o: member_of(o.organisation, "coordinator"))
    filename = "pairings.csv"
    format = ProgrammeImport.Format.CSV
    content = b"Mentee's e-mail\n"


class DataRequestFactory(factory.django.DjangoModelFactory):
    """A mentee asks to see their data."""

    class Meta:
        model = DataRequest

    organisation = factory.SubFactory(OrganisationFactory)
    requester = factory.LazyAttribute(lambda o: member_of(o.organisation, "mentee"))
    kind = DataRequest.Kind.ACCESS
    message = "Please send me what you hold."
    due_on = factory.LazyFunction(lambda: DataRequest.due_after(timezone.localdate()))


class AuditEntryFactory(factory.django.DjangoModelFactory):
    """A CV downloaded by a coordinator of the organisation."""

    class Meta:
        model = AuditEntry

    organisation = factory.SubFactory(OrganisationFactory)
    actor = factory.LazyAttribute(lambda o: member_of(o.organisation, "coordinator"))
    event = AuditEntry.Event.CV_DOWNLOADED
    action = AuditEntry.Action.ACCESS
    content_type = factory.LazyFunction(lambda: ContentType.objects.get_for_model(Organisation))
    object_pk = factory.LazyAttribute(lambda o: str(o.organisation.pk))
    object_id = factory.LazyAttribute(lambda o: o.organisation.pk)


# -- Programme activities and the advisory board (participants/activities) ---------------------

class ActivityFactory(factory.django.DjangoModelFactory):
    """An online webinar of a project, held a week ago."""

    class Meta:
        model = Activity

    project = factory.SubFactory(ProjectFactory)
    organisation = factory.SelfAttribute("project.organisation")
    kind = Activity.Kind.WEBINAR
    title = factory.Sequence(lambda n: f"Webinar {n}")
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=7))
    ends_on = factory.SelfAttribute("starts_on")
    online = True


class ActivityParticipantFactory(factory.django.DjangoModelFactory):
    """A mentee of the organisation invited to an activity, no answer yet."""

    class Meta:
        model = ActivityParticipant

    activity = factory.SubFactory(ActivityFactory)
    organisation = factory.SelfAttribute("activity.organisation")
    person = factory.LazyAttribute(lambda o: member_of(o.organisation, "mentee"))
    invited_at = factory.LazyFunction(timezone.now)


class ActivityDocumentFactory(factory.django.DjangoModelFactory):
    """The programme of an activity, as a PDF."""

    class Meta:
        model = ActivityDocument

    activity = factory.SubFactory(ActivityFactory)
    organisation = factory.SelfAttribute("activity.organisation")
    title = "Programme"
    file = factory.django.FileField(filename="programme.pdf",
                                    data=factory.LazyFunction(pdf_bytes))
    content_type = "application/pdf"
    uploaded_by = factory.LazyAttribute(lambda o: member_of(o.organisation, "coordinator"))


class AdvisoryBoardMemberFactory(factory.django.DjangoModelFactory):
    """An observer of the organisation sitting on a project's advisory board since last year."""

    class Meta:
        model = AdvisoryBoardMember

    project = factory.SubFactory(ProjectFactory)
    organisation = factory.SelfAttribute("project.organisation")
    person = factory.LazyAttribute(lambda o: member_of(o.organisation, "observer"))
    role = "Director of the police academy"
    since = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=365))
