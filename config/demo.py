"""Demo data: the real programmes described in config/data/programmes.yaml, one sign-in per
role per organisation, a EUROMED Police shortlist ready to match, and CEPOL's 2023 cohort as
pairings (its highlights on the project dashboards). `manage.py load_demo` runs `load_demo()` and
prints `summary_lines()`. Loading again changes nothing: every row is looked up first and written
only when it differs from what the demo wants. The cohort's dates follow the day of the load, so
a load on a later day moves them on."""

import base64
import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import yaml
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from matching.meetings.services import compliance_keep
from matching.models import (
    ActivityPlan,
    ExchangeRate,
    Meeting,
    Pairing,
    PairingEvent,
    PlannedVisit,
)
from matching.schedule import Schedule, add_months
from participants import services as participant_services
from participants.models import (
    MFA_ROLES,
    Activity,
    ActivityParticipant,
    AdvisoryBoardMember,
    Application,
    ApplicationLanguage,
    Membership,
    Role,
    User,
)
from participants.selectors import projects_of_membership
from programmes.models import (
    Call,
    Country,
    Organisation,
    Project,
    TenantModel,
    ThematicArea,
)
from programmes.services import RULE_FIELDS
from reporting.models import (
    Competency,
    Feedback,
    Indicator,
    Report,
    SelfAssessment,
    SelfAssessmentAnswer,
)

DATA_FILE = Path(__file__).resolve().parent / "data" / "programmes.yaml"

# Published with the demo on purpose: every demo account shares it.
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105

SHORT_NAMES = {
    "cepol": "CEPOL",
    "interpol": "INTERPOL",
    "college-of-policing": "College of Policing",
}

# The roles of each organisation in the order the summary lists them, with plain English labels:
# the summary is for developers, so it stays out of the translations.
DEMO_ROLES = {
    Role.ADMIN: "Organisation admin",
    Role.COORDINATOR: "Coordinator",
    Role.FOCAL_POINT: "National focal point",
    Role.MENTOR: "Mentor",
    Role.MENTEE: "Mentee",
    Role.OBSERVER: "Observer",
}

# Invented people. The mentee of Momentum MENA is a woman: the project is for female officers.
DEMO_NAMES: dict[str, dict[Role, str]] = {
    "cepol": {
        Role.ADMIN: "Katalin Szabó",
        Role.COORDINATOR: "Marco Rinaldi",
        Role.FOCAL_POINT: "Youssef El Amrani",
        Role.MENTOR: "Sofie Janssens",
        Role.MENTEE: "Karim Ben Salah",
        Role.OBSERVER: "Eleni Papadopoulou",
    },
    "interpol": {
        Role.ADMIN: "Claire Dubois",
        Role.COORDINATOR: "Rafael Ortega",
        Role.FOCAL_POINT: "Omar Khalil",
        Role.MENTOR: "Ingrid Larsen",
        Role.MENTEE: "Amira Haddad",
        Role.OBSERVER: "Priya Nair",
    },
    "college-of-policing": {
        Role.ADMIN: "Sarah Thompson",
        Role.COORDINATOR: "James Whitfield",
        Role.FOCAL_POINT: "Aisha Rahman",
        Role.MENTOR: "David Okonkwo",
        Role.MENTEE: "Emma Clarke",
        Role.OBSERVER: "Gareth Hughes",
    },
}

# Each focal point's country and the projects they nominate for; None: all of the organisation's.
# The College of Policing's schemes have no partner countries, so its focal point's GB is outside
# them; only the membership form insists on a partner country, the model allows it.
FOCAL_POINTS: dict[str, tuple[str, list[str] | None]] = {
    "cepol": ("MA", ["euromed-police", "ct-inflow"]),
    "interpol": ("JO", ["momentum-mena"]),
    "college-of-policing": ("GB", None),
}

# One person with roles in two organisations, to show the role switcher.
MULTI_EMAIL = "multi@demo.demo"
MULTI_NAME = "Jonas Weber"
MULTI_ROLES: list[tuple[str, Role, list[str]]] = [
    ("cepol", Role.COORDINATOR, ["euromed-police"]),
    ("interpol", Role.OBSERVER, []),
]

# Demo choices, not from the source facts: the College of Policing's schemes list no thematic
# areas, only that "the focus is career and personal development".
COLLEGE_OF_POLICING_THEMATIC_AREAS = ["Leadership", "Career development", "Personal development"]
COLLEGE_OF_POLICING_REGION = "England and Wales"


@dataclass(frozen=True)
class DemoAccount:
    """One sign-in as the summary shows it. MFA fields are empty for roles without MFA."""

    email: str
    full_name: str
    roles: str
    totp_secret: str = ""
    recovery_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class DemoOrganisation:
    slug: str
    name: str
    accounts: tuple[DemoAccount, ...]


@dataclass(frozen=True)
class DemoSummary:
    organisations: tuple[DemoOrganisation, ...]
    multi_role: DemoAccount


def read_data() -> dict[str, Any]:
    with DATA_FILE.open(encoding="utf-8") as file:
        return yaml.safe_load(file)


def demo_email(role: Role, org_slug: str) -> str:
    return f"{role.value.replace('_', '-')}@{org_slug}.demo"


def demo_totp_secret(email: str) -> str:
    """Fixed per person so that an authenticator app set up once keeps working after the demo
    is loaded into a fresh database. Not a security measure: the demo prints it anyway."""
    digest = hashlib.sha1(email.encode(), usedforsecurity=False).digest()
    return base64.b32encode(digest).decode("ascii")


def _upsert[M: models.Model](model: type[M], lookup: dict[str, Any], values: dict[str, Any]) -> M:
    """Creates the row, or brings it back to `values`; saves only when something differs, so
    that a second load leaves even the timestamps alone."""
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
    elif all(getattr(obj, field) == value for field, value in values.items()):
        return obj
    else:
        for field, value in values.items():
            setattr(obj, field, value)
    obj.full_clean()
    obj.save()
    return obj


def _rules(**overrides: Any) -> dict[str, Any]:
    """Every rule field, at the model default unless given, so a reload resets them all."""
    rules = {name: cast(models.Field, Project._meta.get_field(name)).default
             for name in RULE_FIELDS}
    unknown = overrides.keys() - rules.keys()
    if unknown:
        raise ValueError(f"Not rule fields: {sorted(unknown)}")
    return rules | overrides


def _load_countries(data: dict[str, Any]) -> dict[str, Country]:
    eu_members = set(data["eu_member_states"])
    return {
        code: _upsert(Country, {"code": code}, {"name": name, "is_eu_member": code in eu_members})
        for code, name in data["countries"].items()
    }


def _load_project(
    organisation: Organisation,
    countries: dict[str, Country],
    *,
    slug: str,
    values: dict[str, Any],
    partner_countries: list[str],
    thematic_areas: list[str],
) -> Project:
    project = _upsert(
        Project, {"organisation": organisation, "slug": slug}, {"is_active": True, **values}
    )
    wanted = {countries[code] for code in partner_countries}
    if set(project.partner_countries.all()) != wanted:
        project.partner_countries.set(wanted)
    # Areas someone added in the demo stay: other rows may already point to them.
    for name in thematic_areas:
        _upsert(ThematicArea, {"organisation": organisation, "project": project, "name": name}, {})
    return project


def _load_organisation(org: dict[str, Any]) -> Organisation:
    return _upsert(
        Organisation,
        {"slug": org["slug"]},
        {"name": org["name"], "short_name": SHORT_NAMES[org["slug"]], "unit": org.get("unit", "")},
    )


def _load_cepol(org: dict[str, Any], countries: dict[str, Country]) -> list[Project]:
    organisation = _load_organisation(org)
    rules = org["rules"]
    # The yaml states the visit and meeting rules in prose ("at most one every 3 months, within
    # the first 12 months", "at least one a month"); their numbers are written out here.
    project_rules = _rules(
        duration_min_months=rules["duration_months"]["min"],
        duration_max_months=rules["duration_months"]["max"],
        first_visit_within_months=rules["first_in_person_meeting_within_months"],
        funded_visit_period_months=3,
        funded_visits_until_month=12,
        online_meetings_per_month=1,
        mentors_from_eu_only=True,
        mentees_from_partner_countries_only=True,
    )
    return [
        _load_project(
            organisation,
            countries,
            slug=project["slug"],
            values={
                "name": project["name"],
                "kind": Project.Kind.TRADITIONAL,
                "region": project["region"],
                "aim": project["aim"],
                **project_rules,
                **DEMO_BUDGETS.get(project["slug"], NO_BUDGET),
            },
            partner_countries=project["partner_countries"],
            thematic_areas=project["mentoring_thematic_areas"],
        )
        for project in org["projects"]
    ]


def _load_interpol(org: dict[str, Any], countries: dict[str, Country]) -> list[Project]:
    organisation = _load_organisation(org)
    duration = org["rules"]["duration_months"]
    # Visits may be funded for the whole two years; the other rules the source does not give
    # keep the model defaults.
    project_rules = _rules(
        duration_min_months=duration["min"],
        duration_max_months=duration["max"],
        funded_visits_until_month=duration["max"],
        online_meetings_per_month=1,
        mentors_from_eu_only=False,
        mentees_from_partner_countries_only=True,
    )
    return [
        _load_project(
            organisation,
            countries,
            slug=project["slug"],
            values={
                "name": project["name"],
                "kind": Project.Kind.TRADITIONAL,
                "region": project["region"],
                # The source gives no aim; its eligibility says whom the project is for.
                "aim": f"Mentoring for {project['eligibility']}.",
                # A programme for female officers prefers female mentors (a demo choice).
                "preferred_mentor_gender": Project.MentorGender.FEMALE,
                **project_rules,
            },
            partner_countries=project["partner_countries"],
            thematic_areas=project["mentoring_thematic_areas"],
        )
        for project in org["projects"]
    ]


def _load_college_of_policing(
    org: dict[str, Any], countries: dict[str, Country]
) -> list[Project]:
    organisation = _load_organisation(org)
    # Schemes within one police service: no partner countries, mentors from anywhere.
    project_rules = _rules(mentors_from_eu_only=False, mentees_from_partner_countries_only=False)
    return [
        _load_project(
            organisation,
            countries,
            slug=slugify(scheme["name"]),
            values={
                "name": scheme["name"],
                "kind": Project.Kind(scheme["kind"]),
                "region": COLLEGE_OF_POLICING_REGION,
                "aim": "",
                **project_rules,
            },
            partner_countries=[],
            thematic_areas=COLLEGE_OF_POLICING_THEMATIC_AREAS,
        )
        for scheme in org["schemes"]
    ]


def _demo_password_hash() -> str:
    """One hash of the demo password, shared by every demo account. Hashing is slow on purpose
    (a third of a second), and checking each of some seventy accounts took most of the load:
    the hash an earlier load gave the first account is checked once, then each account's is
    compared with it. The password is published anyway, so one salt for all costs nothing."""
    stored = (User.objects.filter(email=demo_email(Role.ADMIN, "cepol"))
              .values_list("password", flat=True).first())
    if stored and check_password(DEMO_PASSWORD, stored):
        return stored
    return make_password(DEMO_PASSWORD)


def _load_user(email: str, full_name: str, password_hash: str) -> User:
    """`password_hash` is `_demo_password_hash()`."""
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create(email=email, full_name=full_name, password=password_hash)
    else:
        changed = False
        if user.full_name != full_name:
            user.full_name = full_name
            changed = True
        if not user.is_active:
            user.is_active = True
            changed = True
        if user.password != password_hash:
            user.password = password_hash
            changed = True
        if changed:
            user.save()
    address = EmailAddress.objects.filter(user=user, email__iexact=email).first()
    if address is None:
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    elif not (address.primary and address.verified):
        address.primary = address.verified = True
        address.save(update_fields=["primary", "verified"])
    return user


def _load_membership(
    user: User,
    organisation: Organisation,
    role: Role,
    *,
    country: Country | None = None,
    projects: list[Project] | None = None,
) -> Membership:
    membership, _created = Membership.objects.get_or_create(
        organisation=organisation, user=user, role=role, defaults={"country": country}
    )
    projects = projects or []
    if membership.country_id != (country.pk if country else None) or set(
        projects_of_membership(membership)
    ) != set(projects):
        participant_services.membership_update(
            acting_user=None, membership=membership, country=country, projects=projects
        )
    return membership


def _load_mfa(user: User) -> tuple[str, tuple[str, ...]]:
    """The TOTP secret and two unused recovery codes. An existing authenticator is kept (its
    secret is read back), so that a phone already set up keeps working."""
    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if totp is None:
        secret = demo_totp_secret(user.email)
        TOTP.activate(user, secret)
    else:
        secret = decrypt(totp.data["secret"])
    # activate() returns the existing recovery codes if the user has them.
    codes = RecoveryCodes.activate(user).get_unused_codes()
    return secret, tuple(codes[:2])


def _account(user: User, roles: str, needs_mfa: bool) -> DemoAccount:
    if not needs_mfa:
        return DemoAccount(email=user.email, full_name=user.full_name, roles=roles)
    secret, codes = _load_mfa(user)
    return DemoAccount(
        email=user.email,
        full_name=user.full_name,
        roles=roles,
        totp_secret=secret,
        recovery_codes=codes,
    )


def _load_people(
    organisation: Organisation,
    projects: list[Project],
    countries: dict[str, Country],
    password_hash: str,
) -> DemoOrganisation:
    by_slug = {project.slug: project for project in projects}
    accounts = []
    for role, label in DEMO_ROLES.items():
        user = _load_user(
            demo_email(role, organisation.slug), DEMO_NAMES[organisation.slug][role], password_hash
        )
        if role == Role.COORDINATOR:
            _load_membership(user, organisation, role, projects=projects)
        elif role == Role.FOCAL_POINT:
            code, slugs = FOCAL_POINTS[organisation.slug]
            _load_membership(
                user,
                organisation,
                role,
                country=countries[code],
                projects=projects if slugs is None else [by_slug[slug] for slug in slugs],
            )
        else:
            _load_membership(user, organisation, role)
        accounts.append(_account(user, label, needs_mfa=role in MFA_ROLES))
    return DemoOrganisation(
        slug=organisation.slug, name=organisation.name, accounts=tuple(accounts)
    )


def _load_multi_role(
    organisations: dict[str, Organisation], projects: dict[str, list[Project]], password_hash: str
) -> DemoAccount:
    user = _load_user(MULTI_EMAIL, MULTI_NAME, password_hash)
    described = []
    for org_slug, role, project_slugs in MULTI_ROLES:
        org_projects = [p for p in projects[org_slug] if p.slug in project_slugs]
        _load_membership(user, organisations[org_slug], role, projects=org_projects)
        where = f" ({', '.join(p.name for p in org_projects)})" if org_projects else ""
        described.append(f"{DEMO_ROLES[role]}{where} at {SHORT_NAMES[org_slug]}")
    needs_mfa = any(role in MFA_ROLES for _org, role, _projects in MULTI_ROLES)
    return _account(user, "; ".join(described), needs_mfa=needs_mfa)


@transaction.atomic
def load_demo(today: date | None = None) -> DemoSummary:
    """`today` (by default the local date) is the day the 2023 cohort's dates are counted
    from."""
    today = today or timezone.localdate()
    data = read_data()
    password_hash = _demo_password_hash()
    countries = _load_countries(data)
    loaders = {
        "cepol": _load_cepol,
        "interpol": _load_interpol,
        "college-of-policing": _load_college_of_policing,
    }
    orgs = {org["slug"]: org for org in data["organisations"]}
    projects = {slug: loader(orgs[slug], countries) for slug, loader in loaders.items()}
    organisations = {slug: Organisation.objects.get(slug=slug) for slug in loaders}
    summaries = tuple(
        _load_people(organisations[slug], projects[slug], countries, password_hash)
        for slug in loaders
    )
    _load_calls(projects, countries)
    _load_competencies(projects)
    _load_shortlists(organisations["cepol"], projects["cepol"], countries, password_hash)
    _load_cohort_2023(organisations["cepol"], projects["cepol"], countries, password_hash, today)
    _load_activities(organisations, projects, countries, password_hash, today)
    _load_budgets(organisations["cepol"], projects["cepol"])
    _load_indicators(organisations["cepol"], projects["cepol"], today)
    return DemoSummary(
        organisations=summaries,
        multi_role=_load_multi_role(organisations, projects, password_hash),
    )


# The competencies each project's participants rate themselves on, at the start and at the end
# (issue 16). Demo choices, not facts from the source: the law-enforcement programmes' aims
# (leadership, cooperation across borders, the thematic area's techniques), and the College of
# Policing's leadership and career schemes.
LAW_ENFORCEMENT_COMPETENCIES = [
    ("Leadership", "Leading a team or an operation, and taking decisions under pressure."),
    ("International police cooperation", "Working with foreign counterparts through the "
                                         "channels of police cooperation."),
    ("Investigation techniques in the thematic area", "The methods and tools of the pairing's "
                                                       "own crime area."),
    ("Criminal intelligence analysis", "Turning information into intelligence that guides "
                                       "an investigation."),
    ("Communication", "Presenting, writing and negotiating, in one's own language and in "
                      "a working language."),
    ("Project management", "Planning work, following it up and reporting on it."),
]
COLLEGE_OF_POLICING_COMPETENCIES = [
    ("Leadership", "Leading people and change in the service."),
    ("Decision-making", "Taking sound decisions with the national decision model."),
    ("Coaching and mentoring others", "Helping colleagues develop."),
    ("Career development", "Knowing one's strengths and planning the next steps."),
    ("Communication", "Listening, influencing and speaking with confidence."),
    ("Wellbeing and resilience", "Looking after oneself and one's team."),
]


def _load_competencies(projects: dict[str, list[Project]]) -> None:
    for org_slug, org_projects in projects.items():
        chosen = (COLLEGE_OF_POLICING_COMPETENCIES if org_slug == "college-of-policing"
                  else LAW_ENFORCEMENT_COMPETENCIES)
        for project in org_projects:
            for order, (name, description) in enumerate(chosen, start=1):
                _upsert(Competency, {"organisation": project.organisation, "project": project,
                                     "name": name},
                        {"description": description, "order": order})


# Open calls to try the road to a shortlist. Demo choices, not facts from the source: the
# programmes publish no calls. (org, project, title, role sought, invited country codes or None
# for the project's partners, extra fields).
DEMO_CALLS: list[tuple[str, str, str, str, list[str] | None, dict[str, Any]]] = [
    ("cepol", "euromed-police", "EUROMED Police mentees 2027", "mentee", None,
     {"min_years_of_service": 3, "working_languages": ["ar", "en", "fr"]}),
    ("interpol", "momentum-mena", "Momentum MENA mentees 2027", "mentee", None,
     {"female_only": True, "working_languages": ["ar", "en", "fr"]}),
    ("college-of-policing", "mentoring-for-chief-constables", "Volunteer mentors 2027",
     "mentor", ["GB"], {"allow_self_nomination": True, "places_per_country": 10}),
]
DEMO_CALL_OPEN_DAYS = 60


def _load_calls(projects: dict[str, list[Project]], countries: dict[str, Country]) -> None:
    """Each demo call exists and is open; its deadline moves forward only once it has passed,
    so that loading again changes nothing."""
    for org_slug, project_slug, title, role, codes, extra in DEMO_CALLS:
        project = next(p for p in projects[org_slug] if p.slug == project_slug)
        call = Call.objects.for_org(project.organisation).filter(title=title).first()
        if call is None:
            call = Call(organisation=project.organisation, project=project, title=title,
                        role_sought=role, **extra)
        if call.status != Call.Status.OPEN or call.deadline is None \
                or call.deadline <= timezone.now():
            call.status = Call.Status.OPEN
            call.opened_at = call.opened_at or timezone.now()
            call.deadline = timezone.now() + timedelta(days=DEMO_CALL_OPEN_DAYS)
            call.full_clean()
            call.save()
            invited = (list(project.partner_countries.all()) if codes is None
                       else [countries[code] for code in codes])
            call.invited_countries.set(invited)
            call.thematic_areas.set(project.thematic_areas.all())


# A shortlist ready to match in EUROMED Police, from two calls of 2026 now closed. Demo choices,
# not facts from the source. None as the e-mail stands for the organisation's demo login of that
# role. (role, e-mail, name, country, thematic area, languages, years of service, gender,
# mentees a mentor takes)
DEMO_SHORTLIST = [
    (Role.MENTEE, None, "", "TN", "Criminal finances", ["ar", "fr"], 8, "male", 1),
    (Role.MENTEE, "salma.idrissi", "Salma Idrissi", "MA", "Criminal finances", ["ar", "fr"], 5,
     "female", 1),
    (Role.MENTEE, "leila.haddad", "Leila Haddad", "LB", "Cybercrime", ["ar", "en", "fr"], 6,
     "female", 1),
    (Role.MENTEE, "omar.farouk", "Omar Farouk", "EG", "Drug crimes", ["ar", "en"], 10, "male", 1),
    (Role.MENTEE, "rami.nasser", "Rami Nasser", "JO", "Migrant smuggling", ["ar", "en"], 7,
     "male", 1),
    (Role.MENTEE, "nadia.bensaid", "Nadia Bensaïd", "DZ", "Trafficking in human beings",
     ["ar", "fr"], 9, "female", 1),
    (Role.MENTOR, None, "", "BE", "Criminal finances", ["nl", "fr", "en"], 20, "female", 2),
    (Role.MENTOR, "luca.moretti", "Luca Moretti", "IT", "Drug crimes", ["it", "en", "fr"], 22,
     "male", 1),
    (Role.MENTOR, "anna.kowalska", "Anna Kowalska", "PL", "Cybercrime", ["pl", "en"], 15,
     "female", 1),
    (Role.MENTOR, "javier.moreno", "Javier Moreno", "ES", "Migrant smuggling", ["es", "en", "fr"],
     18, "male", 2),
]
# Close enough to mentor across, in the demo: a mentor in migrant smuggling may mentor in
# trafficking in human beings.
DEMO_RELATED_AREAS = [("euromed-police", "Migrant smuggling", "Trafficking in human beings")]


def _load_shortlists(
    organisation: Organisation,
    projects: list[Project],
    countries: dict[str, Country],
    password_hash: str,
) -> None:
    project = next(p for p in projects if p.slug == "euromed-police")
    areas = {area.name: area for area in project.thematic_areas.all()}
    for slug, left, right in DEMO_RELATED_AREAS:
        if slug == project.slug:
            areas[left].related_areas.add(areas[right])
    now = timezone.now()
    calls = {}
    for role, title in ((Role.MENTEE, "EUROMED Police mentees 2026"),
                        (Role.MENTOR, "EUROMED Police mentors 2026")):
        calls[role], _created = Call.objects.get_or_create(
            organisation=organisation, project=project, title=title,
            defaults={"role_sought": role, "status": Call.Status.CLOSED,
                      "opened_at": now - timedelta(days=90), "closed_at": now - timedelta(days=30),
                      "deadline": now - timedelta(days=30)},
        )
    for role, local, name, code, area, languages, years, gender, places in DEMO_SHORTLIST:
        if local is None:
            user = User.objects.get(email=demo_email(role, organisation.slug))
        else:
            user = _load_user(f"{local}@pool.{organisation.slug}.demo", name, password_hash)
            _load_membership(user, organisation, role)
        call = calls[role]
        call.invited_countries.add(countries[code])
        call.thematic_areas.add(areas[area])
        application, _created = Application.objects.get_or_create(
            organisation=organisation, call=call, email=user.email,
            defaults={"applicant": user, "full_name": user.full_name, "country": countries[code],
                      "thematic_area": areas[area], "agency": DEMO_AGENCIES[code],
                      "rank": "Inspector" if role == Role.MENTEE else "Chief Inspector",
                      "gender": gender, "years_of_service": years, "mentee_capacity": places,
                      "motivation": "Demo application.", "status": "shortlisted",
                      "submitted_at": now - timedelta(days=40),
                      "consent_at": now - timedelta(days=40), "consent_version": "2026-11"},
        )
        for language in languages:
            ApplicationLanguage.objects.get_or_create(
                organisation=organisation, application=application, language=language,
                defaults={"level": "fluent"},
            )


DEMO_AGENCIES = {
    # Partner countries
    "TN": "Garde nationale", "MA": "Direction générale de la sûreté nationale",
    "LB": "Internal Security Forces", "EG": "Ministry of Interior",
    "JO": "Public Security Directorate", "DZ": "Direction générale de la sûreté nationale",
    "IL": "Israel Police", "LY": "Ministry of Interior", "PS": "Palestinian Civil Police",
    "AM": "Police of the Republic of Armenia", "GE": "Ministry of Internal Affairs",
    "MD": "General Police Inspectorate", "UA": "National Police of Ukraine",
    # EU member states
    "AT": "Directorate State Protection and Intelligence", "BE": "Police fédérale",
    "CZ": "Police of the Czech Republic", "DE": "Bundeskriminalamt", "ES": "Policía Nacional",
    "FI": "National Bureau of Investigation", "FR": "Police nationale", "GR": "Hellenic Police",
    "HR": "Croatian Police", "IE": "An Garda Síochána", "IT": "Guardia di Finanza",
    "LT": "Lithuanian Criminal Police Bureau", "LV": "State Police", "NL": "Politie",
    "PL": "Policja", "PT": "Polícia Judiciária", "RO": "Romanian Police",
    "SE": "Swedish Police Authority",
}


# --- The 2023 cohort ----------------------------------------------------------------------------
# CEPOL's highlights of 2023 (highlights_2023 in programmes.yaml) as pairings, so that a
# coordinator's project dashboard shows them: EUROMED Police 11 active pairs and 2 starting;
# TOPCOP 2 finished and 3 starting; CT INFLOW 1 finished, 1 active and 2 starting. The people
# are invented: mentees from the project's partner countries, mentors from EU member states.
# Every date is counted from the day of the load, so that the demo runs like a live programme:
# active pairs started 2 to 7 months ago, finished ones ended months ago, and starting ones start
# next month. Their calls are 2023's, closed, apart from the 2026 shortlist waiting to be matched.

COHORT_DOMAIN = "cohort.cepol.demo"
COHORT_CALLS_OPENED_MONTHS_AGO = 18
COHORT_CALLS_CLOSED_MONTHS_AGO = 15


@dataclass(frozen=True)
class CohortPerson:
    name: str
    country: str
    gender: str
    years_of_service: int
    languages: tuple[str, ...]  # the first is the person's own


# E-mail local part → person. Some officers write their name in Arabic script.
COHORT_MENTEES = {
    "hicham.bennani": CohortPerson("هشام بناني", "MA", "male", 10, ("ar", "fr")),
    "sami.trabelsi": CohortPerson("Sami Trabelsi", "TN", "male", 8, ("ar", "fr")),
    "mona.elsayed": CohortPerson("Mona El-Sayed", "EG", "female", 7, ("ar", "en")),
    "dima.alkhatib": CohortPerson("ديما الخطيب", "JO", "female", 6, ("ar", "en")),
    "georges.khoury": CohortPerson("Georges Khoury", "LB", "male", 12, ("ar", "fr", "en")),
    "yacine.boudiaf": CohortPerson("Yacine Boudiaf", "DZ", "male", 9, ("ar", "fr")),
    "rania.awad": CohortPerson("Rania Awad", "PS", "female", 8, ("ar", "en")),
    "ahmed.almabrouk": CohortPerson("Ahmed Al-Mabrouk", "LY", "male", 11, ("ar", "en")),
    "noa.friedman": CohortPerson("Noa Friedman", "IL", "female", 7, ("he", "en")),
    "fatimazahra.alaoui": CohortPerson("Fatima Zahra Alaoui", "MA", "female", 6, ("ar", "fr")),
    "mehdi.jaziri": CohortPerson("Mehdi Jaziri", "TN", "male", 9, ("ar", "fr")),
    "tariq.odeh": CohortPerson("Tariq Odeh", "JO", "male", 7, ("ar", "en")),
    "hassan.mostafa": CohortPerson("Hassan Mostafa", "EG", "male", 10, ("ar", "en")),
    "olena.kovalenko": CohortPerson("Olena Kovalenko", "UA", "female", 9, ("uk", "en")),
    "ion.rusu": CohortPerson("Ion Rusu", "MD", "male", 11, ("ro", "ru", "en")),
    "giorgi.beridze": CohortPerson("Giorgi Beridze", "GE", "male", 8, ("ka", "en", "ru")),
    "andriy.melnyk": CohortPerson("Andriy Melnyk", "UA", "male", 12, ("uk", "en")),
    "armen.grigoryan": CohortPerson("Armen Grigoryan", "AM", "male", 10, ("hy", "ru", "en")),
    "khaled.alzoubi": CohortPerson("خالد الزعبي", "JO", "male", 14, ("ar", "en")),
    "nawal.chraibi": CohortPerson("Nawal Chraibi", "MA", "female", 9, ("ar", "fr")),
    "ziad.mansour": CohortPerson("Ziad Mansour", "LB", "male", 7, ("ar", "en", "fr")),
    "amel.gharbi": CohortPerson("Amel Gharbi", "TN", "female", 6, ("ar", "fr")),
}
COHORT_MENTORS = {
    "pieter.devries": CohortPerson("Pieter de Vries", "NL", "male", 24, ("nl", "en", "fr")),
    "brigitte.lefevre": CohortPerson("Brigitte Lefèvre", "FR", "female", 22, ("fr", "en")),
    "georgios.nikolaidis": CohortPerson("Georgios Nikolaidis", "GR", "male", 21,
                                        ("el", "en", "fr")),
    "helena.lindqvist": CohortPerson("Helena Lindqvist", "SE", "female", 18, ("en", "fr")),
    "tomasz.wisniewski": CohortPerson("Tomasz Wiśniewski", "PL", "male", 19, ("pl", "en")),
    "katrin.vogel": CohortPerson("Katrin Vogel", "DE", "female", 16, ("de", "en")),
    "ana.ferreira": CohortPerson("Ana Ferreira", "PT", "female", 17, ("pt", "en", "fr")),
    "matteo.conti": CohortPerson("Matteo Conti", "IT", "male", 20, ("it", "en", "fr")),
    "jan.novak": CohortPerson("Jan Novák", "CZ", "male", 18, ("en", "de")),
    "mikko.virtanen": CohortPerson("Mikko Virtanen", "FI", "male", 21, ("en",)),
    "luka.horvat": CohortPerson("Luka Horvat", "HR", "male", 19, ("en",)),
    "elena.popescu": CohortPerson("Elena Popescu", "RO", "female", 17, ("ro", "en", "fr")),
    "martins.ozols": CohortPerson("Mārtiņš Ozols", "LV", "male", 20, ("en", "ru")),
    "ruta.kazlauskiene": CohortPerson("Rūta Kazlauskienė", "LT", "female", 18, ("en", "ru")),
    "carmen.ruiz": CohortPerson("Carmen Ruiz", "ES", "female", 23, ("es", "en", "fr")),
    "stefan.huber": CohortPerson("Stefan Huber", "AT", "male", 20, ("de", "en", "fr")),
    "aoife.byrne": CohortPerson("Aoife Byrne", "IE", "female", 16, ("en",)),
    "giulia.ricci": CohortPerson("Giulia Ricci", "IT", "female", 15, ("it", "en", "fr")),
}

ACTIVE = Pairing.Status.ACTIVE
COMPLETED = Pairing.Status.COMPLETED
PLAN_AGREED = Pairing.Status.PLAN_AGREED
ACCEPTED = Pairing.Status.ACCEPTED


@dataclass(frozen=True)
class CohortPair:
    project: str
    area: str
    mentee: str  # a key of COHORT_MENTEES
    mentor: str  # a key of COHORT_MENTORS
    status: str
    started_months_ago: int = 0  # active and completed pairs; the others start next month
    months: int = 12  # the plan's duration
    missed_months: tuple[int, ...] = ()  # months of the pairing without an online meeting


COHORT_2023 = [
    # EUROMED Police: 11 active, 2 starting. Two pairs missed a month's online meeting.
    CohortPair("euromed-police", "Criminal finances", "hicham.bennani", "pieter.devries",
               ACTIVE, started_months_ago=7),
    CohortPair("euromed-police", "Criminal finances", "sami.trabelsi", "pieter.devries",
               ACTIVE, started_months_ago=7),
    CohortPair("euromed-police", "Criminal finances", "mona.elsayed", "brigitte.lefevre",
               ACTIVE, started_months_ago=6),
    CohortPair("euromed-police", "Criminal finances", "dima.alkhatib", "brigitte.lefevre",
               ACTIVE, started_months_ago=6),
    CohortPair("euromed-police", "Drug crimes", "georges.khoury", "georgios.nikolaidis",
               ACTIVE, started_months_ago=5, missed_months=(3,)),
    CohortPair("euromed-police", "Drug crimes", "yacine.boudiaf", "georgios.nikolaidis",
               ACTIVE, started_months_ago=5),
    CohortPair("euromed-police", "Fundamental rights and organised crime", "rania.awad",
               "helena.lindqvist", ACTIVE, started_months_ago=4),
    CohortPair("euromed-police", "Illicit firearms", "ahmed.almabrouk", "tomasz.wisniewski",
               ACTIVE, started_months_ago=4, missed_months=(2,)),
    CohortPair("euromed-police", "Cybercrime", "noa.friedman", "katrin.vogel",
               ACTIVE, started_months_ago=3),
    CohortPair("euromed-police", "Trafficking in human beings", "fatimazahra.alaoui",
               "ana.ferreira", ACTIVE, started_months_ago=3),
    CohortPair("euromed-police", "Migrant smuggling", "mehdi.jaziri", "matteo.conti",
               ACTIVE, started_months_ago=2),
    CohortPair("euromed-police", "Cybercrime", "tariq.odeh", "katrin.vogel", PLAN_AGREED),
    CohortPair("euromed-police", "Drug crimes", "hassan.mostafa", "jan.novak", ACCEPTED),
    # TOPCOP: 2 implemented, 3 starting.
    CohortPair("topcop", "Analysis", "olena.kovalenko", "mikko.virtanen",
               COMPLETED, started_months_ago=11, months=9),
    CohortPair("topcop", "Illicit firearms", "ion.rusu", "luka.horvat",
               COMPLETED, started_months_ago=10, months=6),
    CohortPair("topcop", "Organised crime", "giorgi.beridze", "elena.popescu", PLAN_AGREED),
    CohortPair("topcop", "Illicit firearms", "andriy.melnyk", "martins.ozols", PLAN_AGREED),
    CohortPair("topcop", "Illicit firearms", "armen.grigoryan", "ruta.kazlauskiene", ACCEPTED),
    # CT INFLOW: 1 finished, 1 active, 2 starting.
    CohortPair("ct-inflow", "Counter-terrorism information exchange", "khaled.alzoubi",
               "carmen.ruiz", COMPLETED, started_months_ago=12, months=9),
    CohortPair("ct-inflow", "Criminal justice response to terrorism", "nawal.chraibi",
               "stefan.huber", ACTIVE, started_months_ago=4),
    CohortPair("ct-inflow", "Counter-terrorism information exchange", "ziad.mansour",
               "aoife.byrne", PLAN_AGREED),
    CohortPair("ct-inflow", "Criminal justice response to terrorism", "amel.gharbi",
               "giulia.ricci", ACCEPTED),
]

# The activity plans' objectives, by thematic area.
COHORT_OBJECTIVES = {
    "Criminal finances": (
        "Trace the proceeds of one of the unit's cases with the mentor's financial "
        "investigation methods",
        "Draft a checklist for asset-freezing requests to EU financial intelligence units",
    ),
    "Drug crimes": (
        "Compare how both services run controlled deliveries",
        "Set up a contact point for port and container intelligence",
    ),
    "Fundamental rights and organised crime": (
        "Review the unit's interview and custody procedures against European human rights "
        "standards",
        "Prepare a training session on proportionality in covert surveillance",
    ),
    "Illicit firearms": (
        "Map the tracing of a seized firearm, from the seizure to an iARMS or Europol request",
        "Write a short guide to converted and reactivated firearms for first responders",
    ),
    "Cybercrime": (
        "Follow electronic evidence from a seized device to court, step by step",
        "Establish contacts for urgent data preservation requests",
    ),
    "Trafficking in human beings": (
        "Compare victim identification indicators and referral to support services",
        "Plan a joint awareness session with the labour inspectorate",
    ),
    "Migrant smuggling": (
        "Follow the financial and online traces of a smuggling network",
        "Learn how a joint investigation team with an EU member state is set up",
    ),
    "Analysis": (
        "Build a network analysis chart from one organised crime case",
        "Introduce a monthly strategic intelligence product in the mentee's unit",
    ),
    "Organised crime": (
        "Compare how both services prioritise high-risk criminal networks",
        "Prepare a request for operational cooperation through Europol",
    ),
    "Counter-terrorism information exchange": (
        "Map the channels for exchanging terrorism-related information with EU services",
        "Draft a procedure for urgent information requests",
    ),
    "Criminal justice response to terrorism": (
        "Follow a terrorism case from investigation to trial, battlefield evidence included",
        "Prepare a joint training for investigators and prosecutors",
    ),
}
# What the online meetings were about, month by month.
COHORT_TOPICS = [
    "Getting to know each other; the activity plan",
    "How our units are organised; who to contact for what",
    "A case of the mentee's unit, step by step",
    "Databases and analysis tools used in investigations",
    "Follow-up of the visit: what to try at home",
    "International cooperation channels: Europol, INTERPOL, liaison officers",
    "Progress on the objectives; the interim report",
    "Legal framework and admissibility of evidence",
    "The mentee's draft guidance for the unit",
    "Training the mentee's colleagues",
    "What comes after the programme; keeping in touch",
    "Looking back; the narrative report",
]
# Where each service receives visits.
VISIT_CITIES = {
    "AM": "Yerevan", "DZ": "Algiers", "EG": "Cairo", "GE": "Tbilisi", "IL": "Tel Aviv",
    "JO": "Amman", "LB": "Beirut", "LY": "Tripoli", "MA": "Rabat", "MD": "Chișinău",
    "PS": "Ramallah", "TN": "Tunis", "UA": "Kyiv",
    "AT": "Vienna", "CZ": "Prague", "DE": "Wiesbaden", "ES": "Madrid", "FI": "Vantaa",
    "FR": "Paris", "GR": "Athens", "HR": "Zagreb", "IE": "Dublin", "IT": "Rome",
    "LT": "Vilnius", "LV": "Riga", "NL": "The Hague", "PL": "Warsaw", "PT": "Lisbon",
    "RO": "Bucharest", "SE": "Stockholm",
}


def cohort_email(local: str) -> str:
    return f"{local}@{COHORT_DOMAIN}"


def _at(day: date, hour: int) -> datetime:
    """A time on a day, in the site's time zone."""
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


def _load_cohort_2023(
    organisation: Organisation,
    projects: list[Project],
    countries: dict[str, Country],
    password_hash: str,
    today: date,
) -> None:
    """The cohort's calls, people and applications are brought up to date on every load; its
    pairings, with everything that goes with them, are made again only when they differ from
    what the demo wants today (a first load, a later day, or a change made in the demo)."""
    by_slug = {project.slug: project for project in projects}
    calls = _load_cohort_calls(organisation, by_slug, countries, today)
    applications = _load_cohort_applications(organisation, by_slug, calls, password_hash, today)
    coordinator = User.objects.get(email=demo_email(Role.COORDINATOR, organisation.slug))
    wanted = [
        _cohort_rows(
            pair, index, project=by_slug[pair.project], call=calls[pair.project, Role.MENTEE],
            mentee_application=applications[pair.project, Role.MENTEE, pair.mentee],
            mentor_application=applications[pair.project, Role.MENTOR, pair.mentor],
            coordinator=coordinator, today=today,
        )
        for index, pair in enumerate(COHORT_2023)
    ]
    existing = Pairing.objects.for_org(organisation).filter(
        call__in=[call for (_slug, role), call in calls.items() if role == Role.MENTEE])
    if _cohort_fingerprint(existing) != Counter(rows.fingerprint() for rows in wanted):
        existing.delete()
        for rows in wanted:
            rows.write()
        _backdate(wanted)
    # Written in bulk, not through the services: their compliance is kept here, as of today.
    compliance_keep(organisation=organisation, today=today, pairing_ids=Pairing.objects.for_org(
        organisation).filter(project__in=projects).values_list("pk", flat=True))


def _load_cohort_calls(
    organisation: Organisation,
    by_slug: dict[str, Project],
    countries: dict[str, Country],
    today: date,
) -> dict[tuple[str, Role], Call]:
    """A closed mentee call and a closed mentor call of 2023 for each project of the cohort."""
    opened = _at(add_months(today, -COHORT_CALLS_OPENED_MONTHS_AGO), 9)
    closed = _at(add_months(today, -COHORT_CALLS_CLOSED_MONTHS_AGO), 17)
    eu = [country for country in countries.values() if country.is_eu_member]
    calls = {}
    for slug in dict.fromkeys(pair.project for pair in COHORT_2023):
        project = by_slug[slug]
        for role, invited in ((Role.MENTEE, list(project.partner_countries.all())),
                              (Role.MENTOR, eu)):
            call = _upsert(
                Call,
                {"organisation": organisation, "project": project,
                 "title": f"{project.name} {role.value}s 2023"},
                {"role_sought": role.value, "status": Call.Status.CLOSED, "opened_at": opened,
                 "closed_at": closed, "deadline": closed},
            )
            if set(call.invited_countries.all()) != set(invited):
                call.invited_countries.set(invited)
            areas = set(project.thematic_areas.all())
            if set(call.thematic_areas.all()) != areas:
                call.thematic_areas.set(areas)
            calls[slug, role] = call
    return calls


def _load_cohort_applications(
    organisation: Organisation,
    by_slug: dict[str, Project],
    calls: dict[tuple[str, Role], Call],
    password_hash: str,
    today: date,
) -> dict[tuple[str, Role, str], Application]:
    """One application per person and project, by (project, role, e-mail local part).

    Every application is shortlisted: matching_pool leaves out the mentees in a live pairing or
    with a completed one, and counts a mentor's live pairings against their places (a mentor
    whose pairings are completed may take mentees again)."""
    submitted = _at(add_months(today, -COHORT_CALLS_CLOSED_MONTHS_AGO) - timedelta(days=20), 11)
    pairs: dict[tuple[str, Role, str], list[CohortPair]] = {}
    for pair in COHORT_2023:
        pairs.setdefault((pair.project, Role.MENTEE, pair.mentee), []).append(pair)
        pairs.setdefault((pair.project, Role.MENTOR, pair.mentor), []).append(pair)
    areas = {(area.project.slug, area.name): area for area in ThematicArea.objects.for_org(
        organisation).filter(project__in=by_slug.values()).select_related("project")}
    applications = {}
    for (slug, role, local), taken in pairs.items():
        person = (COHORT_MENTEES if role == Role.MENTEE else COHORT_MENTORS)[local]
        user = _load_user(cohort_email(local), person.name, password_hash)
        _load_membership(user, organisation, role)
        live = sum(1 for pair in taken if pair.status in Pairing.LIVE)
        area = areas[slug, taken[0].area]
        application = _upsert(
            Application,
            {"organisation": organisation, "call": calls[slug, role], "email": user.email},
            # Ids rather than rows: comparing rows would read each one again.
            {"applicant_id": user.pk, "full_name": person.name, "country_id": person.country,
             "thematic_area_id": area.pk, "agency": DEMO_AGENCIES[person.country],
             "rank": "Inspector" if role == Role.MENTEE else "Chief Inspector",
             "gender": person.gender, "years_of_service": person.years_of_service,
             "mentee_capacity": max(live, 1),
             "motivation": (f"To bring home what works elsewhere against "
                            f"{area.name.lower()}." if role == Role.MENTEE else
                            "To share what my unit has learnt, and to build contacts in the "
                            "partner countries."),
             "status": Application.Status.SHORTLISTED,
             "decision_reason": "Selected for the 2023 cohort.",
             "submitted_at": submitted, "consent_at": submitted,
             "consent_version": participant_services.CONSENT_VERSION},
        )
        for position, language in enumerate(person.languages):
            ApplicationLanguage.objects.get_or_create(
                organisation=organisation, application=application, language=language,
                defaults={"level": ApplicationLanguage.Level.NATIVE if position == 0
                          else ApplicationLanguage.Level.FLUENT},
            )
        applications[slug, role, local] = application
    return applications


# The rows that go with a pairing, and how a pairing reaches them in a query.
COHORT_ROW_KINDS: tuple[tuple[type[models.Model], str], ...] = (
    (PairingEvent, "events"), (ActivityPlan, "plans"), (PlannedVisit, "plans__visits"),
    (Meeting, "meetings"), (Report, "reports"), (Feedback, "feedback"),
    (SelfAssessment, "self_assessments"),
)


@dataclass
class _CohortRows:
    """One pairing of the cohort and every row that goes with it, not yet written, each with
    the time it was made."""

    pairing: Pairing
    made_at: datetime
    rows: list[tuple[TenantModel, datetime]]

    def add(self, row: TenantModel, made_at: datetime) -> None:
        self.rows.append((row, made_at))

    def of(self, model: type[models.Model]) -> list[Any]:
        return [row for row, _made_at in self.rows if isinstance(row, model)]

    def fingerprint(self) -> tuple:
        """What `_cohort_fingerprint` reads of this pairing in the database once written."""
        approved = [plan.start for plan in self.of(ActivityPlan)
                    if plan.status == ActivityPlan.Status.APPROVED]
        accepted = [report for report in self.of(Report)
                    if report.status == Report.Status.ACCEPTED]
        reviewed = [meeting for meeting in self.of(Meeting)
                    if meeting.claim_status in REVIEWED_CLAIMS]
        return (self.pairing.mentee_id, self.pairing.mentor_id, str(self.pairing.status),
                min(approved, default=None), len(accepted), len(reviewed),
                *(len(self.of(model)) for model, _path in COHORT_ROW_KINDS))

    def write(self) -> None:
        self.pairing.full_clean()
        self.pairing.save()
        for row, _made_at in self.rows:
            # Checked but for their foreign keys: each would cost a query, and they point to
            # rows just read or written (the pairing and the plan, saved after these rows were
            # built, give save() their ids).
            row.full_clean(exclude=[field.name for field in row._meta.concrete_fields
                                    if field.is_relation])
            row.save()


def _cohort_fingerprint(pairings: models.QuerySet[Pairing]) -> Counter[tuple]:
    """Each pairing's people, status, approved start, accepted reports and number of rows of
    each kind: what changes when a day passes or someone changes the cohort in the demo."""
    approved = models.Q(plans__status=ActivityPlan.Status.APPROVED)
    accepted = models.Q(reports__status=Report.Status.ACCEPTED)
    reviewed = models.Q(meetings__claim_status__in=REVIEWED_CLAIMS)
    return Counter(pairings.annotate(
        start=models.Min("plans__start", filter=approved),
        accepted=models.Count("reports", filter=accepted, distinct=True),
        reviewed=models.Count("meetings", filter=reviewed, distinct=True),
        **{f"n_{index}": models.Count(path, distinct=True)
           for index, (_model, path) in enumerate(COHORT_ROW_KINDS)},
    ).values_list("mentee_id", "mentor_id", "status", "start", "accepted", "reviewed",
                  *(f"n_{index}" for index in range(len(COHORT_ROW_KINDS)))))


def _backdate(wanted: list[_CohortRows]) -> None:
    """Saving stamps every row with the time of the load; the cohort's history has its own
    times, set afterwards (bulk_update writes them as they are)."""
    by_model: dict[type[TenantModel], list[TenantModel]] = {}
    for rows in wanted:
        for row, made_at in [(rows.pairing, rows.made_at), *rows.rows]:
            row.created_at = row.updated_at = made_at
            by_model.setdefault(type(row), []).append(row)
    for model, rows_of_model in by_model.items():
        model.unscoped.bulk_update(rows_of_model, ["created_at", "updated_at"])


def _cohort_rows(
    pair: CohortPair,
    index: int,
    *,
    project: Project,
    call: Call,
    mentee_application: Application,
    mentor_application: Application,
    coordinator: User,
    today: date,
) -> _CohortRows:
    """A pairing as the coordinator and the pair would have made it: proposed, accepted by
    both, its plan signed and approved, started, its meetings logged and confirmed, its reports
    handed in and accepted. `index` varies the days from one pair to the next."""
    # The demo's applications all have their applicant.
    mentee = cast(User, mentee_application.applicant)
    mentor = cast(User, mentor_application.applicant)
    started = pair.status in (ACTIVE, COMPLETED)
    if started:
        start = add_months(today.replace(day=1), -pair.started_months_ago)
        proposed, approved = start - timedelta(days=56), start - timedelta(days=21)
    else:
        start = add_months(today.replace(day=1), 1)
        proposed, approved = today - timedelta(days=42), today - timedelta(days=7)
    signed = approved - timedelta(days=3) if pair.status != ACCEPTED else today - timedelta(days=2)
    pairing = Pairing(
        organisation=project.organisation, project=project, call=call, mentee=mentee,
        mentor=mentor, mentee_application=mentee_application,
        mentor_application=mentor_application, status=pair.status,
        mentee_accepted_at=_at(proposed + timedelta(days=3), 9),
        mentor_accepted_at=_at(proposed + timedelta(days=5), 16),
    )
    rows = _CohortRows(pairing, _at(proposed, 11), [])

    def move(from_status: str, to_status: str, by: User, at: datetime) -> None:
        rows.add(PairingEvent(organisation=project.organisation, pairing=pairing,
                              from_status=from_status, to_status=to_status, by=by), at)

    move("", Pairing.Status.PROPOSED, coordinator, rows.made_at)
    move(Pairing.Status.PROPOSED, ACCEPTED, mentor, cast(datetime, pairing.mentor_accepted_at))
    if pair.status != ACCEPTED:
        move(ACCEPTED, PLAN_AGREED, coordinator, _at(approved, 10))
    if started:
        move(PLAN_AGREED, ACTIVE, coordinator, _at(start, 9))

    objectives = COHORT_OBJECTIVES[pair.area]
    plan = ActivityPlan(
        organisation=project.organisation, pairing=pairing, version=1,
        objectives="\n".join(f"- {objective}" for objective in objectives), start=start,
        duration_months=pair.months, online_meetings_per_month=project.online_meetings_per_month,
        status=(ActivityPlan.Status.SIGNED if pair.status == ACCEPTED
                else ActivityPlan.Status.APPROVED),
        mentee_signed_at=_at(signed - timedelta(days=2), 15), mentor_signed_at=_at(signed, 15),
    )
    rows.add(plan, _at(signed - timedelta(days=7), 14))
    schedule = Schedule(start, pair.months)
    funded_until = schedule.first_months_end(project.funded_visits_until_month)
    # One visit in each period of the funded visits: the mentee goes to the mentor's service
    # first, then they take turns.
    visits = []
    for number, period in enumerate(schedule.quarters(project.funded_visit_period_months)):
        host = mentor_application if number % 2 == 0 else mentee_application
        visit = PlannedVisit(
            organisation=project.organisation, plan=plan,
            day=min(period.first_day + timedelta(days=20), period.last_day),
            place=f"{VISIT_CITIES[host.country_id]}, {host.country.name}",
        )
        visit.funded = visit.day <= funded_until
        # The first pair plans dearer visits: beyond the ceiling, which the pages warn of.
        visit.estimated_cost = ((VISIT_ESTIMATE_HIGH if index == 0 else VISIT_ESTIMATE)
                                if visit.funded else None)
        rows.add(visit, _at(signed - timedelta(days=7), 14))
        visits.append((visit, host))
    if not started:
        return rows

    held_until = min(today - timedelta(days=2), schedule.end)
    meetings = [
        Meeting(organisation=project.organisation, pairing=pairing, kind=Meeting.Kind.ONLINE,
                day=day, duration_minutes=60 + 15 * (index % 3),
                topics=COHORT_TOPICS[(month.number - 1) % len(COHORT_TOPICS)])
        for month in schedule.months if month.number not in pair.missed_months
        for day in [min(month.first_day + timedelta(days=7 + (5 * index) % 15), month.last_day)]
        if day <= held_until
    ]
    meetings += [
        Meeting(organisation=project.organisation, pairing=pairing,
                kind=Meeting.Kind.IN_PERSON, day=visit.day, duration_minutes=7 * 60,
                topics=f"Study visit: {host.agency}", city=VISIT_CITIES[host.country_id],
                country=host.country, funded=visit.funded,
                cost_amount=Decimal(1150 + 50 * ((index + number) % 8)) if visit.funded else None,
                cost_currency="EUR" if visit.funded else "")
        for number, (visit, host) in enumerate(visits) if visit.day <= held_until
    ]
    for number, meeting in enumerate(m for m in meetings if m.funded):
        _claim_reviewed(meeting, number + index, project=project, coordinator=coordinator,
                        today=today)
    for position, meeting in enumerate(sorted(meetings, key=lambda meeting: meeting.day)):
        logger, partner = (mentee, mentor) if position % 2 == 0 else (mentor, mentee)
        meeting.logged_by, meeting.confirmed_by = logger, partner
        meeting.confirmed_at = _at(meeting.day + timedelta(days=1), 10)
        rows.add(meeting, _at(meeting.day, 18))

    _add_reports(rows, pair, schedule, coordinator=coordinator, today=today)
    _add_self_assessments(rows, pair, schedule, today=today)
    return rows


# The visit budget (issue 16). Demo choices, not facts from the source: EUROMED Police funds
# visits from a budget of 60,000 EUR, at most 5,000 EUR a pair; a visit to Morocco is claimed
# in dirhams, counted with the rate the coordinator recorded; each planned funded visit is
# estimated at 1,200 EUR (one pair's at 1,500, beyond the ceiling). Claims of visits held in
# the last six weeks wait for review; every seventh earlier one was adjusted, the others
# approved as claimed.
VISIT_ESTIMATE, VISIT_ESTIMATE_HIGH = Decimal(1200), Decimal(1500)
DEMO_BUDGETS = {"euromed-police": {"visit_budget": Decimal(60000), "budget_currency": "EUR",
                                   "visit_ceiling_per_pair": Decimal(5000)}}
DEMO_RATES = {"euromed-police": [("MAD", Decimal("0.0920"), "ECB reference rate, January 2024"),
                                 ("TND", Decimal("0.2950"), "ECB reference rate, January 2024")]}
NO_BUDGET = {"visit_budget": None, "budget_currency": "EUR", "visit_ceiling_per_pair": None}
MAD_PER_EUR = Decimal("10.80")
REVIEWED_CLAIMS = (Meeting.Claim.APPROVED, Meeting.Claim.ADJUSTED)


def _claim_reviewed(meeting: Meeting, number: int, *, project: Project, coordinator: User,
                    today: date) -> None:
    """A funded visit's claim as the coordinator left it (see DEMO_BUDGETS)."""
    if project.slug in DEMO_RATES and meeting.country_id == "MA":
        meeting.cost_amount = (cast(Decimal, meeting.cost_amount) * MAD_PER_EUR).quantize(
            Decimal(10))
        meeting.cost_currency = "MAD"
    if meeting.day > today - timedelta(days=42):
        return  # pending
    meeting.claim_reviewed_by = coordinator
    meeting.claim_reviewed_at = _at(meeting.day + timedelta(days=14), 11)
    if number % 7 == 3:
        meeting.claim_status = Meeting.Claim.ADJUSTED
        meeting.approved_amount = (cast(Decimal, meeting.cost_amount) * Decimal("0.9")).quantize(
            Decimal("0.01"))
        meeting.claim_note = "Hotel above the programme's daily rate: adjusted to it."
    else:
        meeting.claim_status = Meeting.Claim.APPROVED
        meeting.approved_amount = meeting.cost_amount


def _load_budgets(organisation: Organisation, projects: list[Project]) -> None:
    """The exchange rates the coordinator recorded (the budgets load with the projects)."""
    coordinator = User.objects.get(email=demo_email(Role.COORDINATOR, organisation.slug))
    for project in projects:
        for currency, rate, note in DEMO_RATES.get(project.slug, []):
            _upsert(ExchangeRate, {"organisation": organisation, "project": project,
                                   "currency": currency},
                    {"rate": rate, "note": note, "recorded_by": coordinator})


def _add_self_assessments(rows: _CohortRows, pair: CohortPair, schedule: Schedule, *,
                          today: date) -> None:
    """Each participant's self-assessment a week into the pairing and, once it is completed,
    with their feedback at the end: modest scores at the start, a point or two more at the
    end (the mentors, more experienced, start higher and gain less)."""
    pairing = rows.pairing
    competencies = list(Competency.objects.for_org(pairing.organisation).filter(
        project=pairing.project, retired_at__isnull=True).order_by("order"))
    moments = [(SelfAssessment.Moment.START, schedule.start + timedelta(days=6))]
    if pair.status == COMPLETED:
        moments.append((SelfAssessment.Moment.END, schedule.end + timedelta(days=10)))
    for offset, author in enumerate((pairing.mentee, pairing.mentor)):
        for moment, day in moments:
            if day > today:
                continue
            assessment = SelfAssessment(organisation=pairing.organisation, pairing=pairing,
                                        author=author, moment=moment,
                                        submitted_at=_at(day, 20 + offset))
            rows.add(assessment, _at(day, 20 + offset))
            for number, competency in enumerate(competencies):
                start = 2 + offset + (len(pair.mentee) + number) % 2
                gain = (1 + (number + offset + 1) % 2) if offset == 0 else number % 2
                score = start if moment == SelfAssessment.Moment.START else min(5, start + gain)
                rows.add(SelfAssessmentAnswer(organisation=pairing.organisation,
                                              assessment=assessment, competency=competency,
                                              score=score), _at(day, 20 + offset))


def _add_reports(rows: _CohortRows, pair: CohortPair, schedule: Schedule, *, coordinator: User,
                 today: date) -> None:
    """The interim report, handed in a few days after the halfway mark and accepted a few
    days later (or still waiting for the coordinator); for a completed pair, both
    participants' feedback and the narrative report, whose acceptance completed the pairing."""
    pairing = rows.pairing
    mentee_application = cast(Application, pairing.mentee_application)
    mentor_application = cast(Application, pairing.mentor_application)
    meetings = sorted(rows.of(Meeting), key=lambda meeting: meeting.day)
    objectives = COHORT_OBJECTIVES[pair.area]

    def report(kind: str, submitted: date, reviewed: date | None, progress: str,
               **texts: str) -> None:
        rows.add(Report(
            organisation=pairing.organisation, pairing=pairing, kind=kind, version=1,
            status=Report.Status.ACCEPTED if reviewed else Report.Status.SUBMITTED,
            # Rated on the Progress scale: most objectives achieved by the end, some well
            # advanced; under way (started or well advanced) at the halfway mark.
            objectives=[{"objective": objective, "progress": progress,
                         "rating": (4 if (len(pair.mentee) + index) % 3 else 3)
                         if kind == Report.Kind.NARRATIVE else 2 + (len(pair.mentee) + index) % 2}
                        for index, objective in enumerate(objectives)],
            meetings_held=[{"day": meeting.day.isoformat(), "kind": meeting.kind,
                            "minutes": meeting.duration_minutes, "topics": meeting.topics,
                            "confirmed": True}
                           for meeting in meetings if meeting.day < submitted],
            last_edited_by=pairing.mentor, submitted_by=pairing.mentee,
            submitted_at=_at(submitted, 17), reviewed_by=coordinator if reviewed else None,
            reviewed_at=_at(reviewed, 10) if reviewed else None, **texts,
        ), _at(submitted - timedelta(days=5), 12))

    interim_submitted = schedule.halfway + timedelta(days=3)
    if interim_submitted < today:
        reviewed = schedule.halfway + timedelta(days=7)
        missed = [number for number in pair.missed_months
                  if schedule.months[number - 1].last_day < interim_submitted]
        report(
            Report.Kind.INTERIM, interim_submitted, reviewed if reviewed < today else None,
            "Under way: started at the first visit and followed up in the monthly meetings.",
            what_worked="The monthly online meetings keep a steady pace, and the first visit "
                        "gave the mentee contacts across the mentor's unit.",
            difficulties=(f"Operations took over in month {missed[0]}: no online meeting "
                          "that month; we caught up the month after." if missed else
                          "Finding a time for the meetings around operations."),
        )
    if pair.status != COMPLETED:
        return
    end = schedule.end
    for author, days, ratings, comments in (
        (pairing.mentee, 10, (5, 4, 5), "The visits opened doors that stay open: I now know "
                                        "whom to call."),
        (pairing.mentor, 11, (4, 4, 4), "Well organised. More time for the visits would "
                                        "help."),
    ):
        satisfaction, objectives_met, support_received = ratings
        rows.add(Feedback(
            organisation=pairing.organisation, pairing=pairing, author=author,
            satisfaction=satisfaction, objectives_met=objectives_met,
            support_received=support_received, would_recommend=True, comments=comments,
        ), _at(end + timedelta(days=days), 19))
    accepted = end + timedelta(days=18)
    report(
        Report.Kind.NARRATIVE, end + timedelta(days=12), accepted,
        "Achieved: tried on a live case in the mentee's unit, and written down for the unit.",
        outcomes_mentee_service=f"The {mentee_application.agency} has taken up two practices "
                                f"seen at the {mentor_application.agency}, and the mentee "
                                "now trains colleagues in them.",
        outcomes_mentor_service=f"The {mentor_application.agency} has a direct contact in "
                                f"{mentee_application.country.name}, already used in one "
                                "case.",
        cooperation="Both units exchange information through the established channels and "
                    "keep in touch after the programme.",
        lessons="Agreeing concrete objectives early, and preparing each visit with a list of "
                "questions, made the most of the time.",
        recommendations="Keep the first visit early in the pairing; give the pairs a shared "
                        "space for documents.",
    )
    rows.add(PairingEvent(organisation=pairing.organisation, pairing=pairing,
                          from_status=ACTIVE, to_status=COMPLETED, by=coordinator),
             _at(accepted, 10))


# -- Programme activities and Momentum MENA's advisory board ------------------------------------
# Demo choices on the source's facts: Momentum MENA's advisory board is "one representative
# nominated by each partner country (preferably from a training academy)" meeting "at least twice
# a year"; its programme runs online specialised trainings, leadership courses and international
# conferences. The people, places and texts are invented.
BOARD_DOMAIN = "board.interpol.demo"
BOARD_MEMBERS: dict[str, tuple[str, str]] = {
    "DZ": ("Nadia Boudiaf", "Director of studies, École supérieure de police, Algiers"),
    "EG": ("Hany El-Sayed", "Head of international training, Police Academy, Cairo"),
    "JO": ("Rania Al-Masri", "Deputy director, Royal Police Academy, Amman"),
    "LB": ("Joseph Khoury", "Head of training, Internal Security Forces Academy"),
    "MA": ("Latifa Bennani", "Director of continuing training, Institut royal de police"),
    "PS": ("Samer Odeh", "Training directorate, Palestinian Civil Police"),
    "TN": ("Mouna Trabelsi", "Director, École nationale de police"),
}
BOARD_SINCE = date(2023, 1, 1)


@dataclass(frozen=True)
class DemoActivity:
    org: str
    project: str
    kind: str
    title: str
    starts_on: date
    ends_on: date
    place: tuple[str, str] | None  # (city, country code); None: online
    description: str = ""
    agenda: str = ""
    minutes: str = ""
    decisions: str = ""
    areas: tuple[str, ...] = ()
    # Who is invited, by demo role ("mentee", "mentor"...) or "board", with their answer and
    # whether they attended ("" while it has not happened).
    invited: tuple[tuple[str, str, str], ...] = ()


K = Activity.Kind
BOARD_INVITED = (("board", "confirmed", "yes"),)
DEMO_ACTIVITIES: list[DemoActivity] = [
    DemoActivity(
        "interpol", "momentum-mena", K.BOARD_MEETING, "Advisory board, first meeting of 2023",
        date(2023, 3, 21), date(2023, 3, 21), None,
        agenda="1. The 2023 cohort: selection and pairing\n2. Training needs of the partner "
               "countries\n3. Dates of the leadership course",
        minutes="The coordinator presented the selection of the 2023 cohort. Each partner "
                "country's academy described its training needs; Jordan and Morocco asked for "
                "more on open source investigations. The board reviewed the draft programme "
                "of the leadership course.",
        decisions="1. Add an online specialised training on open source investigations in "
                  "May.\n2. Hold the leadership course in Amman in June.\n3. Meet again in "
                  "the autumn.",
        invited=BOARD_INVITED),
    DemoActivity(
        "interpol", "momentum-mena", K.BOARD_MEETING, "Advisory board, second meeting of 2023",
        date(2023, 10, 17), date(2023, 10, 17), ("Lyon", "FR"),
        agenda="1. Results of the trainings and the leadership course\n2. Interim reports of "
               "the pairs\n3. The international conference",
        minutes="The board heard the results of the year's trainings and of the leadership "
                "course. The interim reports show most pairs meeting every month. Lebanon and "
                "Tunisia proposed speakers for the conference.",
        decisions="1. Open the 2024 call for mentees in January.\n2. Invite alumni to the "
                  "operational field exercise.\n3. Publish the conference report.",
        invited=BOARD_INVITED),
    DemoActivity(
        "interpol", "momentum-mena", K.TRAINING,
        "Online specialised training: open source investigations",
        date(2023, 5, 15), date(2023, 5, 19), None,
        description="Five mornings of online training on open source investigations for the "
                    "mentees and their mentors.",
        areas=("Open source investigations",),
        invited=(("mentee", "confirmed", "yes"), ("mentor", "confirmed", "yes"),
                 ("focal_point", "declined", "no"))),
    DemoActivity(
        "interpol", "momentum-mena", K.LEADERSHIP, "Leadership course for women in policing",
        date(2023, 6, 12), date(2023, 6, 16), ("Amman", "JO"),
        description="A week on leading teams, negotiating and public speaking.",
        invited=(("mentee", "confirmed", "yes"), ("mentor", "confirmed", "no"))),
    DemoActivity(
        "interpol", "momentum-mena", K.CONFERENCE,
        "International conference: women in law enforcement",
        date(2023, 11, 7), date(2023, 11, 8), ("Lyon", "FR"),
        description="The programme's mentees, mentors, academies and partners meet at INTERPOL's "
                    "General Secretariat.",
        invited=(("mentee", "confirmed", "yes"), ("mentor", "confirmed", "yes"),
                 ("focal_point", "confirmed", "yes"), ("observer", "confirmed", "yes"),
                 ("board", "confirmed", "yes"))),
]
# EUROMED Police's activities run with its cohort, whose dates count from the load: its
# regional conference was ten weeks ago and its advisory board met six weeks ago; the webinar
# is coming (three weeks after the load), so that its invited can still answer.
UPCOMING_WEBINAR_DAYS = 21
EUROMED_CONFERENCE_DAYS_AGO = 70
EUROMED_BOARD_MEETING_DAYS_AGO = 42
EUROMED_BOARD_DOMAIN = "board.cepol.demo"
# Demo choices: EUROMED Police's advisory board, a training academy of three partner countries.
EUROMED_BOARD_MEMBERS: dict[str, tuple[str, str]] = {
    "MA": ("Karim Tazi", "Director of training, Institut royal de police, Kénitra"),
    "TN": ("Leila Ben Salem", "Head of studies, École nationale de police, Salammbô"),
    "JO": ("Omar Haddad", "Head of international cooperation, Royal Police Academy, Amman"),
}


def _demo_activities(today: date) -> list[DemoActivity]:
    upcoming = today + timedelta(days=UPCOMING_WEBINAR_DAYS)
    conference = today - timedelta(days=EUROMED_CONFERENCE_DAYS_AGO)
    board = today - timedelta(days=EUROMED_BOARD_MEETING_DAYS_AGO)
    return [*DEMO_ACTIVITIES, DemoActivity(
        "cepol", "euromed-police", K.CONFERENCE,
        "EUROMED Police regional conference on financial investigations",
        conference, conference + timedelta(days=1), ("Rabat", "MA"),
        description="Heads of financial investigation units of the partner countries and EU "
                    "experts on following the money.",
        areas=("Criminal finances",),
        invited=(("mentee", "confirmed", "yes"), ("mentor", "confirmed", "yes"),
                 ("focal_point", "confirmed", "yes"), ("observer", "declined", "no"),
                 ("board", "confirmed", "yes"))), DemoActivity(
        "cepol", "euromed-police", K.BOARD_MEETING, "Advisory board: the cohort at mid-term",
        board, board, None,
        agenda="1. The cohort's compliance and interim reports\n2. The visit budget\n"
               "3. Thematic areas of the next call",
        minutes="The coordinator presented the cohort at mid-term: most pairs meet every month "
                "and two missed a month. The visit budget is a third used. The academies asked "
                "for cybercrime and migrant smuggling in the next call.",
        decisions="1. Remind the pairs behind on their online meetings.\n2. Add cybercrime "
                  "and migrant smuggling to the next call.\n3. Meet again at the end of the "
                  "cohort.",
        invited=BOARD_INVITED), DemoActivity(
        "cepol", "euromed-police", K.WEBINAR, "Webinar: cryptocurrencies in criminal "
        "investigations", upcoming, upcoming, None,
        description="One hour online with a Europol expert, then questions.",
        invited=(("mentee", "invited", ""), ("mentor", "confirmed", ""),
                 ("focal_point", "invited", "")))]


def _load_activities(organisations: dict[str, Organisation], projects: dict[str, list[Project]],
                     countries: dict[str, Country], password_hash: str, today: date) -> None:
    boards: dict[str, list[User]] = {}
    for org, slug, members, domain, since in (
            ("interpol", "momentum-mena", BOARD_MEMBERS, BOARD_DOMAIN, BOARD_SINCE),
            ("cepol", "euromed-police", EUROMED_BOARD_MEMBERS, EUROMED_BOARD_DOMAIN,
             add_months(today, -9).replace(day=1))):
        organisation = organisations[org]
        project = next(p for p in projects[org] if p.slug == slug)
        board = boards.setdefault(org, [])
        for code in sorted(members):
            name, role = members[code]
            user = _load_user(f"{code.lower()}@{domain}", name, password_hash)
            _load_membership(user, organisation, Role.OBSERVER)
            _upsert(AdvisoryBoardMember, {"organisation": organisation, "project": project,
                                          "person": user},
                    {"country": countries[code], "role": role, "since": since, "until": None})
            board.append(user)
    for wanted in _demo_activities(today):
        organisation = organisations[wanted.org]
        project = next(p for p in projects[wanted.org] if p.slug == wanted.project)
        city, country = wanted.place or ("", "")
        activity = _upsert(Activity, {"organisation": organisation, "project": project,
                                      "title": wanted.title}, {
            "kind": wanted.kind, "starts_on": wanted.starts_on, "ends_on": wanted.ends_on,
            "online": wanted.place is None, "city": city,
            "country": countries[country] if country else None,
            "description": wanted.description, "agenda": wanted.agenda,
            "minutes": wanted.minutes, "decisions": wanted.decisions})
        areas = set(ThematicArea.objects.for_org(organisation).filter(
            project=project, name__in=wanted.areas))
        if set(activity.thematic_areas.all()) != areas:
            activity.thematic_areas.set(areas)
        invited_at = _at(wanted.starts_on - timedelta(days=30), 9)
        for who, response, attended in wanted.invited:
            people = boards[wanted.org] if who == "board" else [User.objects.get(
                email=demo_email(Role(who), wanted.org))]
            for person in people:
                _upsert(ActivityParticipant, {"organisation": organisation,
                                              "activity": activity, "person": person}, {
                    "invited_at": invited_at, "response": response,
                    "responded_at": (None if response == "invited"
                                     else invited_at + timedelta(days=2)),
                    "attended": attended or ActivityParticipant.Attended.UNKNOWN})


# --- Donor indicators --------------------------------------------------------------------------
# EUROMED Police reports to its donor on the cohort's programme year (from the first day of the
# month eight months before the load, so that the cohort's year runs through it), with targets
# from its 2023 figures: 11 active pairs and 2 starting (13 officers), its 9 partner countries,
# a meeting a month, a visit a quarter for each pair. Demo choices, apart from those figures.
INDICATOR_YEAR_STARTS_MONTHS_AGO = 8
DEMO_INDICATORS: list[tuple[str, str, Decimal]] = [
    (Indicator.Metric.OFFICERS_MENTORED, "Output 1.1 Officers mentored", Decimal(13)),
    (Indicator.Metric.WOMEN_SHARE, "Output 1.2 Women among them (%)", Decimal(40)),
    (Indicator.Metric.COUNTRIES, "Output 1.3 Partner countries reached", Decimal(9)),
    (Indicator.Metric.MEETINGS_PER_PAIR, "Output 2.1 Meetings per pair", Decimal(10)),
    (Indicator.Metric.VISITS_FUNDED, "Output 2.2 Study visits funded", Decimal(26)),
    (Indicator.Metric.BUDGET_USED, "Output 2.3 Visit budget spent", Decimal(45000)),
    (Indicator.Metric.COMPLETED_ON_TIME, "Outcome 1 Pairs completed on time", Decimal(11)),
    (Indicator.Metric.COMPETENCY_GAIN, "Outcome 2 Competency gain (1 to 5)", Decimal(1)),
    (Indicator.Metric.ACTIVITIES_HELD, "Output 3.1 Regional activities held", Decimal(3)),
    (Indicator.Metric.ATTENDANCE, "Output 3.2 Attendance (%)", Decimal(80)),
]


def _load_indicators(organisation: Organisation, projects: list[Project], today: date) -> None:
    euromed = next(p for p in projects if p.slug == "euromed-police")
    start = add_months(today, -INDICATOR_YEAR_STARTS_MONTHS_AGO).replace(day=1)
    end = add_months(start, 12) - timedelta(days=1)
    for metric, reference, target in DEMO_INDICATORS:
        _upsert(Indicator, {"organisation": organisation, "project": euromed, "metric": metric},
                {"reference": reference, "target": target, "period_start": start,
                 "period_end": end})


def _account_lines(account: DemoAccount, label: str) -> list[str]:
    lines = [f"  {label:<22}{account.email:<38}{account.full_name}"]
    indent = " " * 24
    if account.totp_secret:
        lines.append(f"{indent}TOTP secret:    {account.totp_secret}")
        codes = "  ".join(account.recovery_codes) or "none left"
        lines.append(f"{indent}recovery codes: {codes}  (each works once)")
    return lines


def summary_lines(summary: DemoSummary) -> list[str]:
    """A table for the terminal of whoever just loaded the demo."""
    site = settings.SITE_URL
    lines = [
        "Demo data loaded.",
        "",
        f"Sign in at    {site}{reverse('account_login')}",
        f"Password      {DEMO_PASSWORD}  (every demo account)",
        "Admins and coordinators also need a code from an authenticator app: add the TOTP secret",
        "to the app (as a key entered by hand), or use a recovery code instead.",
    ]
    for organisation in summary.organisations:
        lines += ["", f"{organisation.name}  {site}/{organisation.slug}/"]
        for account in organisation.accounts:
            lines += _account_lines(account, account.roles)
    multi = summary.multi_role
    lines += ["", "One person, roles in two organisations (to try the role switcher)"]
    lines += _account_lines(multi, "Several roles")
    lines.append(f"{'':<24}{'roles:':<16}{multi.roles}")
    return lines
