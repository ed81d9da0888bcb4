"""Demo data: the real programmes described in programmes/data/programmes.yaml, and one sign-in
per role per organisation. `manage.py load_demo` runs `load_demo()` and prints
`summary_lines()`. Loading again changes nothing: every row is looked up first and written only
when it differs from what the demo wants."""

import base64
import hashlib
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from participants import services as participant_services
from participants.models import MFA_ROLES, Membership, Role, User
from participants.selectors import projects_of_membership
from programmes.models import Call, Country, Organisation, Project, ThematicArea
from programmes.services import RULE_FIELDS

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
    rules = {name: Project._meta.get_field(name).default for name in RULE_FIELDS}
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
    _load_shortlists(organisations["cepol"], projects["cepol"], countries, password_hash)
    _load_cohort_2023(organisations["cepol"], projects["cepol"], countries, password_hash, today)
    return DemoSummary(
        organisations=summaries,
        multi_role=_load_multi_role(organisations, projects, password_hash),
    )


# Open calls to try the road to a shortlist. Demo choices, not facts from the source: the
# programmes publish no calls. (org, project, title, role sought, invited country codes or None
# for the project's partners, extra fields).
DEMO_CALLS = [
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
    from participants.models import Application, ApplicationLanguage

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
