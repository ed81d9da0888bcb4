"""Plain helpers of the demo tests (test_demo.py, test_demo_data.py): where the demo puts
things, and its 2023 cohort counted the way the dashboard counts it."""


from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.db.models import Count

from config import demo
from matching.models import ActivityPlan, Meeting, Pairing, PairingEvent, PlannedVisit
from participants.models import Application, ApplicationLanguage, Membership, User
from programmes.models import (
    Call,
    Country,
    Organisation,
    Project,
    ProjectUserObjectPermission,
    ThematicArea,
)
from reporting.models import Feedback, Report

ORG_SLUGS = ["cepol", "interpol", "college-of-policing"]


DEMO_EMAILS = [
    demo.demo_email(role, slug) for slug in ORG_SLUGS for role in demo.DEMO_ROLES
] + [demo.MULTI_EMAIL]


def project(org_slug: str, slug: str) -> Project:
    return Project.unscoped.get(organisation__slug=org_slug, slug=slug)


def codes_of(project: Project) -> set[str]:
    return {country.code for country in project.partner_countries.all()}


def areas_of(project: Project) -> set[str]:
    return set(project.thematic_areas.values_list("name", flat=True))


def counts() -> dict[str, int]:
    models = [
        Country, Organisation, Project, ThematicArea, User, EmailAddress, Membership,
        Authenticator, ProjectUserObjectPermission, Call, Application, ApplicationLanguage,
        Pairing, PairingEvent, ActivityPlan, PlannedVisit, Meeting, Report, Feedback,
    ]
    return {model.__name__: model._base_manager.count() for model in models}


S = Pairing.Status


COHORT_PROJECTS = ["euromed-police", "topcop", "ct-inflow"]


def cohort(slug: str | None = None):
    pairings = Pairing.unscoped.filter(project__organisation__slug="cepol")
    return pairings.filter(project__slug=slug) if slug else pairings


def figures(slug: str) -> dict[str, int]:
    """The dashboard's groups: active, starting (agreed, not yet started), finished."""
    by_status = dict(cohort(slug).values_list("status").annotate(n=Count("pk"))
                     .values_list("status", "n"))
    return {
        "active": by_status.pop(S.ACTIVE, 0),
        "starting": by_status.pop(S.ACCEPTED, 0) + by_status.pop(S.PLAN_AGREED, 0),
        "finished": by_status.pop(S.COMPLETED, 0),
        "other": sum(by_status.values()),
    }


def by_theme(slug: str, *statuses: str) -> dict[str, int]:
    area = "mentee_application__thematic_area__name"
    return dict(cohort(slug).filter(status__in=statuses).values_list(area)
                .annotate(n=Count("pk")).values_list(area, "n"))


