"""Factories that keep every related object inside one organisation."""

import io
from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.utils import timezone
from pypdf import PdfWriter

from participants.models import (
    Application,
    ApplicationLanguage,
    Invitation,
    Membership,
    Nomination,
    User,
    hash_token,
)
from programmes.models import Call, Country, Organisation, Project, ThematicArea

PASSWORD = "a-long-test-password-42"


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
    country = factory.LazyAttribute(lambda o: o.call.invited_countries.first())
    nominated_by = factory.SubFactory(UserFactory)
    full_name = factory.Sequence(lambda n: f"Nominee {n}")
    email = factory.Sequence(lambda n: f"nominee{n}@police.example")
    agency = "National police"
    rank = "Inspector"
    thematic_area = factory.LazyAttribute(lambda o: o.call.project.thematic_areas.first())
    languages = ["fr"]


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A submitted application, with a CV."""

    class Meta:
        model = Application

    call = factory.SubFactory(CallFactory)
    organisation = factory.SelfAttribute("call.organisation")
    country = factory.LazyAttribute(lambda o: o.call.invited_countries.first())
    thematic_area = factory.LazyAttribute(lambda o: o.call.project.thematic_areas.first())
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
