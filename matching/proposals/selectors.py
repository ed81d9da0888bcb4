"""The pool the engine matches: the shortlisted mentees and accepted mentors of a project (or of
one call), with the project's rules and the related thematic areas."""

from dataclasses import dataclass, replace
from functools import cached_property

from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet

from matching.models import Pairing
from matching.pairings.selectors import WORKING_LEVELS
from matching.proposals import engine
from participants.models import (
    Application,
    ApplicationLanguage,
    Membership,
    Role,
)
from programmes.models import (
    WORKING_LANGUAGES,
    Call,
    Country,
    Project,
    ThematicArea,
)
from programmes.rules import Rules

S = Pairing.Status


@dataclass(frozen=True)
class Pool:
    """What the engine matches, and the applications its ids (application ids) stand for."""

    project: Project
    call: Call | None
    mentees: list[engine.Mentee]
    mentors: list[engine.Mentor]
    rules: Rules
    applications: dict[int, Application]
    area_names: dict[int, str]
    language_names: dict[str, str]

    def mentee_applications(self) -> list[Application]:
        return sorted((self.applications[m.id] for m in self.mentees),
                      key=lambda a: (a.full_name.casefold(), a.pk))

    def mentor_applications(self) -> list[Application]:
        return sorted((self.applications[m.id] for m in self.mentors),
                      key=lambda a: (a.full_name.casefold(), a.pk))

    @cached_property
    def _mentors_by_id(self) -> dict[int, engine.Mentor]:
        return {m.id: m for m in self.mentors}

    @cached_property
    def _mentees_by_id(self) -> dict[int, engine.Mentee]:
        return {m.id: m for m in self.mentees}

    def mentor(self, application_id: int) -> engine.Mentor | None:
        return self._mentors_by_id.get(application_id)

    def mentee(self, application_id: int) -> engine.Mentee | None:
        return self._mentees_by_id.get(application_id)


def matching_calls(project: Project) -> QuerySet[Call]:
    """The mentee calls whose shortlist a coordinator may match on its own."""
    return Call.objects.for_org(project.organisation).filter(
        project=project, role_sought=Call.RoleSought.MENTEE
    ).order_by("-created_at")


def _shortlisted(project: Project, role: str) -> QuerySet[Application]:
    """Shortlisted applications of the project's calls for this role, from people who hold the
    role in the organisation (a pairing is made between members)."""
    member = Membership.objects.for_org(project.organisation).filter(
        user=OuterRef("applicant"), role=role
    )
    return (
        Application.objects.for_org(project.organisation)
        .filter(call__project=project, call__role_sought=role,
                status=Application.Status.SHORTLISTED, applicant__isnull=False)
        .filter(Exists(member))
        .select_related("country", "thematic_area", "applicant")
        .prefetch_related(
            Prefetch("languages", queryset=ApplicationLanguage.objects.for_org(
                project.organisation).filter(level__in=WORKING_LEVELS)),
            Prefetch("expertise_areas", queryset=ThematicArea.objects.for_org(
                project.organisation)),
        )
        .order_by("applicant_id", "-submitted_at", "-pk")
    )


def _newest_per_person(applications: QuerySet[Application]) -> list[Application]:
    # Someone shortlisted in two calls of the project is one person to pair: their newest
    # application speaks for them.
    seen: set[int | None] = set()
    kept = []
    for application in applications:
        if application.applicant_id not in seen:
            seen.add(application.applicant_id)
            kept.append(application)
    return kept


def matching_pool(*, project: Project, call: Call | None = None) -> Pool:
    """Shortlisted mentees (of the project, or of one of its calls) who are not in a live
    pairing and have not completed one on that application, and shortlisted mentors with places
    left, as the engine's dataclasses."""
    organisation = project.organisation
    live = Pairing.objects.for_org(organisation).filter(project=project, status__in=Pairing.LIVE)
    paired_mentees = set(live.values_list("mentee_id", flat=True))
    mentor_load: dict[int | None, int] = dict(
        live.values_list("mentor_id").annotate(n=Count("pk")).values_list("mentor_id", "n"))

    # A mentee whose pairing was completed has had their programme: that application is used.
    # (Never NULL in the subquery: NOT IN a list holding NULL would leave nobody.)
    mentee_qs = _shortlisted(project, Role.MENTEE).exclude(pk__in=Pairing.objects.for_org(
        organisation).filter(status=S.COMPLETED, mentee_application__isnull=False)
        .values("mentee_application"))
    if call is not None:
        mentee_qs = mentee_qs.filter(call=call)
    mentee_apps = [a for a in _newest_per_person(mentee_qs) if a.applicant_id not in paired_mentees]
    mentor_apps = _newest_per_person(_shortlisted(project, Role.MENTOR))

    def languages(application: Application) -> frozenset[str]:
        return frozenset(row.language for row in application.languages.all())

    mentees = [
        engine.Mentee(id=a.pk, name=a.full_name, country=a.country_id, area=a.thematic_area_id,
                      languages=languages(a), seniority=a.years_of_service or 0,
                      gender=a.gender)
        for a in mentee_apps
    ]
    mentors = []
    for a in mentor_apps:
        places = a.mentee_capacity - mentor_load.get(a.applicant_id, 0)
        if places > 0:
            mentors.append(engine.Mentor(
                id=a.pk, name=a.full_name, country=a.country_id,
                areas=frozenset({a.thematic_area_id, *(x.pk for x in a.expertise_areas.all())}),
                languages=languages(a), seniority=a.years_of_service or 0, gender=a.gender,
                capacity=places,
            ))
    applications = {a.pk: a for a in [*mentee_apps, *mentor_apps]}
    areas = ThematicArea.objects.for_org(organisation).filter(project=project)
    related: dict[int, set[int]] = {}
    for left, right in ThematicArea.related_areas.through.objects.filter(
        from_thematicarea__in=areas
    ).values_list("from_thematicarea_id", "to_thematicarea_id"):
        related.setdefault(left, set()).add(right)
    eu = frozenset(Country.objects.filter(is_eu_member=True).values_list("code", flat=True))
    partners = frozenset(project.partner_countries.values_list("code", flat=True))
    rules = replace(
        project.rules,
        mentor_countries=eu if project.mentors_from_eu_only else None,
        mentee_countries=partners if project.mentees_from_partner_countries_only else None,
        related_areas={area: frozenset(others) for area, others in related.items()},
    )
    return Pool(
        project=project, call=call, mentees=mentees, mentors=mentors, rules=rules,
        applications=applications, area_names=dict(areas.values_list("pk", "name")),
        language_names={code: str(name) for code, name in WORKING_LANGUAGES},
    )
