"""Whether a candidate meets a call's criteria. Plain Python, so every rule is easy to test;
each refusal names the criterion."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from programmes.models import WORKING_LANGUAGES


@dataclass(frozen=True)
class Candidate:
    country_code: str
    thematic_area_id: int | None
    years_of_service: int | None
    gender: str
    languages: frozenset[str]


@dataclass(frozen=True)
class Criteria:
    invited_country_codes: frozenset[str]
    thematic_area_ids: frozenset[int]
    min_years_of_service: int
    working_languages: frozenset[str]
    female_only: bool


def eligibility_problems(candidate: Candidate, criteria: Criteria) -> dict[str, str]:
    """Field name → the criterion that is not met. Empty when the candidate is eligible."""
    problems: dict[str, str] = {}
    if candidate.country_code not in criteria.invited_country_codes:
        problems["country"] = _("Country: this call does not invite candidates from here.")
    if criteria.thematic_area_ids and candidate.thematic_area_id not in criteria.thematic_area_ids:
        problems["thematic_area"] = _("Thematic area: this call does not ask for it.")
    if criteria.min_years_of_service and (
        candidate.years_of_service is None
        or candidate.years_of_service < criteria.min_years_of_service
    ):
        problems["years_of_service"] = _(
            "Years of service: this call asks for at least %(years)s."
        ) % {"years": criteria.min_years_of_service}
    if criteria.working_languages and not candidate.languages & criteria.working_languages:
        names = dict(WORKING_LANGUAGES)
        wanted = ", ".join(str(names[code]) for code in sorted(criteria.working_languages))
        problems["languages"] = _(
            "Working languages: this call asks for at least one of %(languages)s."
        ) % {"languages": wanted}
    if criteria.female_only and candidate.gender != "female":
        problems["gender"] = _("Eligibility: this call is for female officers only.")
    return problems
