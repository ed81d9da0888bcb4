"""participants/eligibility.py on its own, without a database: each criterion of a call decides
a case by itself, and says which criterion it is."""

from dataclasses import replace

import pytest

from participants.eligibility import Candidate, Criteria, eligibility_problems

AREA, OTHER_AREA = 7, 8

CRITERIA = Criteria(
    invited_country_codes=frozenset({"MA"}),
    thematic_area_ids=frozenset({AREA}),
    min_years_of_service=5,
    working_languages=frozenset({"fr", "en"}),
    female_only=True,
)

# Meets every criterion above.
ELIGIBLE = Candidate(
    country_code="MA", thematic_area_id=AREA, years_of_service=9, gender="female",
    languages=frozenset({"fr", "ar"}),
)

EMPTY_CRITERIA = Criteria(
    invited_country_codes=frozenset({"MA"}),
    thematic_area_ids=frozenset(),
    min_years_of_service=0,
    working_languages=frozenset(),
    female_only=False,
)


def test_an_eligible_candidate_has_no_problems():
    assert eligibility_problems(ELIGIBLE, CRITERIA) == {}


def test_a_candidate_exactly_at_the_minimum_years_is_eligible():
    assert eligibility_problems(replace(ELIGIBLE, years_of_service=5), CRITERIA) == {}


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"country_code": "JO"}, "country",
     "Country: this call does not invite candidates from here."),
    ({"thematic_area_id": OTHER_AREA}, "thematic_area",
     "Thematic area: this call does not ask for it."),
    ({"thematic_area_id": None}, "thematic_area",
     "Thematic area: this call does not ask for it."),
    ({"years_of_service": 4}, "years_of_service",
     "Years of service: this call asks for at least 5."),
    ({"years_of_service": 0}, "years_of_service",
     "Years of service: this call asks for at least 5."),
    ({"years_of_service": None}, "years_of_service",
     "Years of service: this call asks for at least 5."),
    ({"languages": frozenset({"ar", "de"})}, "languages",
     "Working languages: this call asks for at least one of English, French."),
    ({"languages": frozenset()}, "languages",
     "Working languages: this call asks for at least one of English, French."),
    ({"gender": "male"}, "gender", "Eligibility: this call is for female officers only."),
    ({"gender": ""}, "gender", "Eligibility: this call is for female officers only."),
    ({"gender": "undisclosed"}, "gender", "Eligibility: this call is for female officers only."),
], ids=["country-not-invited", "area-not-asked", "area-missing", "service-below-minimum",
        "service-zero", "service-missing", "no-common-language", "no-language-at-all",
        "female-only-male", "female-only-no-gender", "female-only-undisclosed"])
def test_each_criterion_decides_a_case_by_itself(change, field, message):
    problems = eligibility_problems(replace(ELIGIBLE, **change), CRITERIA)
    assert problems == {field: message}


def test_the_language_message_lists_every_wanted_language_in_order():
    criteria = replace(CRITERIA, working_languages=frozenset({"ru", "ar", "fr"}))
    candidate = replace(ELIGIBLE, languages=frozenset({"de"}))
    assert eligibility_problems(candidate, criteria)["languages"] == (
        "Working languages: this call asks for at least one of Arabic, French, Russian."
    )


def test_one_common_language_is_enough():
    candidate = replace(ELIGIBLE, languages=frozenset({"en", "de", "it"}))
    assert "languages" not in eligibility_problems(candidate, CRITERIA)


def test_every_unmet_criterion_is_listed():
    candidate = Candidate(country_code="JO", thematic_area_id=OTHER_AREA, years_of_service=1,
                          gender="male", languages=frozenset({"de"}))
    problems = eligibility_problems(candidate, CRITERIA)
    assert set(problems) == {"country", "thematic_area", "years_of_service", "languages",
                             "gender"}


@pytest.mark.parametrize("candidate", [
    Candidate(country_code="MA", thematic_area_id=None, years_of_service=None, gender="",
              languages=frozenset()),
    Candidate(country_code="MA", thematic_area_id=OTHER_AREA, years_of_service=0,
              gender="male", languages=frozenset({"de"})),
    Candidate(country_code="MA", thematic_area_id=AREA, years_of_service=30,
              gender="undisclosed", languages=frozenset({"ar"})),
], ids=["nothing-given", "male-other-area-german", "undisclosed"])
def test_empty_criteria_accept_anyone_from_an_invited_country(candidate):
    assert eligibility_problems(candidate, EMPTY_CRITERIA) == {}


def test_empty_criteria_still_check_the_country():
    candidate = replace(ELIGIBLE, country_code="FR")
    assert set(eligibility_problems(candidate, EMPTY_CRITERIA)) == {"country"}
