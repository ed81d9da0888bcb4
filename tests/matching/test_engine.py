"""The matching engine (matching/proposals/engine.py): plain Python, no database.

One hand-made case per rule where that rule decides the outcome, the case greedy gets wrong,
determinism, property tests on random small projects (optimal, within the rules, within capacity,
and the vectorised scores agree with the one-pair definition), and speed.
"""

import random
import time
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.proposals.bench import RULES, population
from matching.proposals.engine import (
    CAPACITY_EXHAUSTED,
    NO_MENTORS,
    MatchResult,
    Mentee,
    Mentor,
    Pair,
    broken_rules,
    greedy,
    match,
    pair_score,
    score_matrix,
)
from programmes.rules import Rules, Weights


def tee(
    id: int,
    *,
    country: str = "MA",
    area: int = 1,
    languages: tuple[str, ...] = ("fr",),
    seniority: int = 5,
    gender: str = "",
) -> Mentee:
    return Mentee(id, f"Mentee {id}", country, area, frozenset(languages), seniority, gender)


def tor(
    id: int,
    *,
    country: str = "FR",
    areas: tuple[int, ...] = (1,),
    languages: tuple[str, ...] = ("fr",),
    seniority: int = 12,
    gender: str = "",
    capacity: int = 1,
) -> Mentor:
    return Mentor(
        id,
        f"Mentor {id}",
        country,
        frozenset(areas),
        frozenset(languages),
        seniority,
        gender,
        capacity,
    )


def pairs_of(result: MatchResult) -> dict[int, int]:
    return {p.mentee_id: p.mentor_id for p in result.pairs}


# --- Score and explanation. ---


def test_score_and_explanation_name_each_term():
    rules = Rules(preferred_mentor_gender="female")
    mentee = tee(1, area=3, languages=("ar", "fr", "en"), seniority=5)
    mentor = tor(2, areas=(3, 4), languages=("fr", "ar"), seniority=12, gender="female")
    score, explanation = pair_score(
        mentee, mentor, rules, area_names={3: "Criminal finances"}, language_names={}
    )
    assert explanation == [
        "Same thematic area: Criminal finances (+40)",
        "Common languages: ar, fr (+10)",
        "Mentor 7 years more senior (+14)",
        "Preferred mentor gender: female (+15)",
    ]
    assert score == 40 + 10 + 14 + 15
    result = match([mentee], [mentor], rules, area_names={3: "Criminal finances"})
    assert result.pairs == [Pair(1, 2, score, explanation)]
    assert result.total_score == score
    assert result.unmatched == {}
    assert result.free_places == {}


def test_seniority_points_are_capped_and_ids_stand_in_for_missing_names():
    score, explanation = pair_score(tee(1, seniority=2), tor(2, seniority=30), Rules())
    assert score == 40 + 5 + 10 * 2
    assert explanation == [
        "Same thematic area: 1 (+40)",
        "Common languages: fr (+5)",
        "Mentor 28 years more senior (+20, capped at 10 years)",
    ]


def test_weights_are_the_coordinators_to_tune():
    rules = Rules(weights=Weights(same_area=100, per_common_language=0, seniority_gap=1))
    score, _ = pair_score(tee(1, seniority=5), tor(2, seniority=8), rules)
    assert score == 100 + 0 + 3
    with pytest.raises(ValueError, match="preference"):
        Weights(preference=-1)


# --- One case per hard rule, where that rule decides. ---


def test_language_rule():
    mentee = tee(1, languages=("ar",))
    english, arabic = tor(10, languages=("en",)), tor(11, languages=("ar", "en"))
    assert pairs_of(match([mentee], [english, arabic], Rules())) == {1: 11}
    result = match([mentee], [english], Rules())
    assert result.pairs == []
    assert result.unmatched == {1: "no mentor with a common working language"}
    assert result.free_places == {10: 1}
    assert broken_rules(mentee, english, Rules()) == ["no common working language"]


def test_mentor_from_another_country():
    mentee = tee(1, country="FR")
    compatriot, foreigner = tor(10, country="FR", seniority=30), tor(11, country="BE")
    assert pairs_of(match([mentee], [compatriot, foreigner], Rules())) == {1: 11}
    assert match([mentee], [compatriot], Rules()).unmatched == {1: "no mentor from another country"}
    assert broken_rules(mentee, compatriot, Rules()) == [
        "mentor from the same country as the mentee"
    ]


def test_mentor_country_rule():
    rules = Rules(mentor_countries=frozenset({"FR", "DE"}))
    mentee = tee(1)
    outsider, member = tor(10, country="GB", seniority=30), tor(11, country="DE")
    assert pairs_of(match([mentee], [outsider, member], rules)) == {1: 11}
    assert pairs_of(match([mentee], [outsider], Rules())) == {1: 10}  # no rule, no problem
    assert match([mentee], [outsider], rules).unmatched == {1: "no mentor from an allowed country"}
    assert broken_rules(mentee, outsider, rules) == ["mentor's country is not an allowed country"]


def test_mentee_country_rule():
    rules = Rules(mentee_countries=frozenset({"MA", "TN"}))
    partner, other = tee(1, country="TN"), tee(2, country="TR", seniority=1)
    result = match([partner, other], [tor(10, capacity=2)], rules)
    assert pairs_of(result) == {1: 10}
    assert result.unmatched == {2: "mentee's country is not a partner country"}
    assert result.free_places == {10: 1}


def test_thematic_area_and_related_area():
    mentee = tee(1, area=1)
    same, neighbour = tor(10, areas=(1,)), tor(11, areas=(2, 5), seniority=30)
    # Related areas are read both ways: declared as 2 -> 1, used as 1 -> 2.
    rules = Rules(related_areas={2: frozenset({1})})
    assert pairs_of(match([mentee], [same, neighbour], rules)) == {1: 10}  # same area beats related

    result = match([mentee], [neighbour], rules, area_names={1: "Cybercrime", 2: "Fraud"})
    assert pairs_of(result) == {1: 11}
    assert result.pairs[0].explanation[0] == "Related thematic area: Fraud for Cybercrime (+20)"
    assert result.pairs[0].score == 20 + 5 + 20

    assert match([mentee], [neighbour], Rules()).unmatched == {1: "no mentor in that thematic area"}
    assert broken_rules(mentee, neighbour, Rules()) == [
        "mentor does not cover the mentee's thematic area or a related one"
    ]


def test_seniority_rule():
    mentee = tee(1, seniority=10)
    junior, peer, senior = tor(10, seniority=4), tor(11, seniority=10), tor(12, seniority=11)
    assert pairs_of(match([mentee], [junior, peer, senior], Rules())) == {1: 12}
    assert match([mentee], [junior, peer], Rules()).unmatched == {1: "no more senior mentor"}
    assert broken_rules(mentee, peer, Rules()) == ["mentor is not more senior than the mentee"]


def test_reverse_mentoring_wants_a_more_junior_mentor():
    rules = Rules(reverse=True)
    mentee = tee(1, seniority=20)
    junior, senior = tor(10, seniority=12), tor(11, seniority=30)
    result = match([mentee], [junior, senior], rules)
    assert pairs_of(result) == {1: 10}
    assert result.pairs[0].explanation[2] == "Mentor 8 years more junior (+16)"
    assert match([mentee], [senior], rules).unmatched == {1: "no more junior mentor"}
    assert broken_rules(mentee, senior, rules) == [
        "mentor is not more junior than the mentee (reverse mentoring)"
    ]


def test_preference_breaks_a_tie():
    mentee = tee(1)
    # Same mentor twice but for gender; the male one has the lower id, so ties would favour him.
    male, female = tor(10, gender="male"), tor(11, gender="female")
    rules = Rules(preferred_mentor_gender="female")
    result = match([mentee], [male, female], rules)
    assert pairs_of(result) == {1: 11}
    assert "Preferred mentor gender: female (+15)" in result.pairs[0].explanation
    assert result.free_places == {10: 1}


def test_preference_is_soft_not_a_rule():
    rules = Rules(preferred_mentor_gender="female")
    result = match([tee(1)], [tor(10, gender="male")], rules)
    assert pairs_of(result) == {1: 10}
    assert not any("Preferred" in line for line in result.pairs[0].explanation)


def test_capacity_lets_one_mentor_take_several_mentees():
    mentees = [tee(1), tee(2), tee(3, seniority=1)]
    assert pairs_of(match(mentees[:2], [tor(10, capacity=2)], Rules())) == {1: 10, 2: 10}
    result = match(mentees, [tor(10, capacity=2)], Rules())
    assert len(result.pairs) == 2
    # The most junior mentee scores higher with this mentor (bigger gap), so keeps a place.
    assert pairs_of(result)[3] == 10
    assert result.free_places == {}
    assert match(mentees[:2], [tor(10, capacity=3)], Rules()).free_places == {10: 1}


def test_capacity_exhausted():
    # Both may have the only mentor; the one with the better score gets the single place.
    result = match([tee(1, seniority=8), tee(2, seniority=3)], [tor(10)], Rules())
    assert pairs_of(result) == {2: 10}
    assert result.unmatched == {1: CAPACITY_EXHAUSTED}
    assert result.free_places == {}


def test_reason_names_the_rule_that_ruled_out_most_mentors():
    mentee = tee(1, languages=("ar",), area=1)
    mentors = [
        tor(10, languages=("en",)),
        tor(11, languages=("de",)),
        tor(12, languages=("ar",), areas=(2,)),
    ]
    assert match([mentee], mentors, Rules()).unmatched == {
        1: "no mentor with a common working language"
    }
    mentors.append(tor(13, languages=("ar",), areas=(3,)))
    mentors.append(tor(14, languages=("ar",), areas=(4,)))
    assert match([mentee], mentors, Rules()).unmatched == {1: "no mentor in that thematic area"}
    # On a tie, the first rule in the documented order wins: language before area.
    tie = [tor(10, languages=("en",)), tor(12, languages=("ar",), areas=(2,))]
    assert match([mentee], tie, Rules()).unmatched == {
        1: "no mentor with a common working language"
    }


def test_broken_rules_lists_every_broken_rule_in_order():
    rules = Rules(mentor_countries=frozenset({"FR"}), mentee_countries=frozenset({"MA"}))
    mentee = tee(1, country="DE", languages=("en",), seniority=20)
    mentor = tor(2, country="DE", areas=(9,), seniority=3)
    assert broken_rules(mentee, mentor, rules) == [
        "mentee's country is not a partner country",
        "no common working language",
        "mentor does not cover the mentee's thematic area or a related one",
        "mentor from the same country as the mentee",
        "mentor's country is not an allowed country",
        "mentor is not more senior than the mentee",
    ]
    assert pair_score(mentee, mentor, rules) is None
    assert broken_rules(tee(1), tor(2), rules) == []


def test_empty_sides_and_bad_input():
    result = match([tee(1)], [], Rules())
    assert result == MatchResult([], {1: NO_MENTORS}, 0, {})
    assert match([], [tor(10, capacity=2)], Rules()) == MatchResult([], {}, 0, {10: 2})
    with pytest.raises(ValueError, match="Duplicate mentee id 1"):
        match([tee(1), tee(1)], [tor(10)], Rules())
    with pytest.raises(ValueError, match="capacity"):
        tor(10, capacity=-1)


# --- Optimal, not greedy. ---


def test_optimal_beats_greedy():
    # A can take X (65) or Y (63); B can only take X (65): Y speaks no French.
    # Greedy takes A-X first and leaves B out (65); the optimum is A-Y + B-X (128).
    a, b = tee(1, languages=("fr", "en")), tee(2, languages=("fr",))
    x, y = tor(10, seniority=15), tor(11, languages=("en",), seniority=14)
    baseline = greedy([a, b], [x, y], Rules())
    assert pairs_of(baseline) == {1: 10}
    assert baseline.total_score == 65
    assert baseline.unmatched == {2: CAPACITY_EXHAUSTED}

    result = match([a, b], [x, y], Rules())
    assert pairs_of(result) == {1: 11, 2: 10}
    assert result.total_score == 63 + 65
    assert result.unmatched == {}


def test_best_total_beats_most_pairs():
    # A can take X (100) or Y (1); B can only take X (1). One strong pair (100) is worth more than
    # two weak ones (1 + 1): the engine maximises the total score, not the number of pairs.
    weights = Weights(same_area=100, related_area=1, per_common_language=0, seniority_gap=0)
    rules = Rules(related_areas={1: frozenset({2, 3})}, weights=weights)
    a, b = tee(1, area=1), tee(2, area=2)
    x, y = tor(10, areas=(1,)), tor(11, areas=(3,))
    result = match([a, b], [x, y], rules)
    assert pairs_of(result) == {1: 10}
    assert result.total_score == 100
    assert result.unmatched == {2: CAPACITY_EXHAUSTED}
    assert result.free_places == {11: 1}


def test_same_input_in_another_order_gives_the_same_result():
    mentees, mentors = population(120, 90, seed=7)
    first = match(mentees, mentors, RULES)
    shuffled_tees, shuffled_tors = mentees[:], mentors[:]
    random.Random(3).shuffle(shuffled_tees)
    random.Random(4).shuffle(shuffled_tors)
    again = match(shuffled_tees, shuffled_tors, RULES)
    assert again == first
    assert list(again.unmatched.items()) == list(first.unmatched.items())
    assert list(again.free_places.items()) == list(first.free_places.items())
    assert greedy(shuffled_tees, shuffled_tors, RULES) == greedy(mentees, mentors, RULES)


# --- Properties on random small projects. ---

COUNTRIES = ["AA", "BB", "CC", "DD"]
LANGUAGES = ["en", "fr", "ar"]


@st.composite
def projects(draw, max_mentees: int = 12, max_mentors: int = 10) -> tuple:
    langs = st.frozensets(st.sampled_from(LANGUAGES), max_size=3)
    gender = st.sampled_from(["female", "male"])
    mentees = [
        Mentee(
            i,
            f"t{i}",
            draw(st.sampled_from(COUNTRIES)),
            draw(st.integers(0, 3)),
            draw(langs),
            draw(st.integers(0, 20)),
            draw(gender),
        )
        for i in draw(st.lists(st.integers(1, 99), max_size=max_mentees, unique=True))
    ]
    mentors = [
        Mentor(
            i,
            f"m{i}",
            draw(st.sampled_from(COUNTRIES)),
            draw(st.frozensets(st.integers(0, 3), max_size=3)),
            draw(langs),
            draw(st.integers(0, 20)),
            draw(gender),
            draw(st.integers(1, 3)),
        )
        for i in draw(st.lists(st.integers(1, 99), max_size=max_mentors, unique=True))
    ]
    countries = st.none() | st.frozensets(st.sampled_from(COUNTRIES), min_size=1)
    rules = Rules(
        mentor_countries=draw(countries),
        mentee_countries=draw(countries),
        reverse=draw(st.booleans()),
        preferred_mentor_gender=draw(st.none() | gender),
        related_areas=draw(
            st.dictionaries(st.integers(0, 3), st.frozensets(st.integers(0, 3)), max_size=3)
        ),
        weights=Weights(*(draw(st.integers(0, 50)) for _ in range(5))),
    )
    return mentees, mentors, rules


def check_result(result: MatchResult, mentees: list[Mentee], mentors: list[Mentor], rules: Rules):
    by_tee = {p.id: p for p in mentees}
    by_tor = {p.id: p for p in mentors}
    paired = [p.mentee_id for p in result.pairs]
    assert len(paired) == len(set(paired)), "a mentee paired twice"
    assert set(paired) | set(result.unmatched) == set(by_tee)
    assert not set(paired) & set(result.unmatched)
    used: dict[int, int] = {}
    for pair in result.pairs:
        mentee, mentor = by_tee[pair.mentee_id], by_tor[pair.mentor_id]
        assert broken_rules(mentee, mentor, rules) == []
        assert pair_score(mentee, mentor, rules) == (pair.score, pair.explanation)
        used[mentor.id] = used.get(mentor.id, 0) + 1
    for mentor in mentors:
        assert used.get(mentor.id, 0) <= mentor.capacity, "a mentor over capacity"
        left = mentor.capacity - used.get(mentor.id, 0)
        assert result.free_places.get(mentor.id, 0) == left
    assert result.total_score == sum(p.score for p in result.pairs)
    for mentee_id, reason in result.unmatched.items():
        allowed = [m for m in mentors if not broken_rules(by_tee[mentee_id], m, rules)]
        # "capacity exhausted" exactly when someone was allowed, and all their places are taken.
        assert (reason == CAPACITY_EXHAUSTED) == bool(allowed)
        assert all(m.id not in result.free_places for m in allowed)


@settings(max_examples=200, deadline=None)
@given(projects())
def test_match_is_valid_and_never_worse_than_greedy(project):
    mentees, mentors, rules = project
    result, baseline = match(mentees, mentors, rules), greedy(mentees, mentors, rules)
    check_result(result, mentees, mentors, rules)
    check_result(baseline, mentees, mentors, rules)
    assert result.total_score >= baseline.total_score


@settings(max_examples=200, deadline=None)
@given(projects(max_mentees=6, max_mentors=4))
def test_match_finds_the_best_total(project):
    """Against an exhaustive search: every mentee takes one mentor with a place left, or none."""
    mentees, mentors, rules = project
    scores = [[pair_score(t, m, rules) for m in mentors] for t in mentees]

    @cache
    def best(i: int, places: tuple[int, ...]) -> int:
        if i == len(mentees):
            return 0
        found = best(i + 1, places)
        for j, scored in enumerate(scores[i]):
            if scored is not None and places[j] > 0:
                left = (*places[:j], places[j] - 1, *places[j + 1 :])
                found = max(found, scored[0] + best(i + 1, left))
        return found

    assert match(mentees, mentors, rules).total_score == best(0, tuple(m.capacity for m in mentors))


@settings(max_examples=100, deadline=None)
@given(projects())
def test_score_matrix_agrees_with_pair_score(project):
    mentees, mentors, rules = project
    sm = score_matrix(mentees, mentors, rules)
    for i, mentee in enumerate(sm.mentees):
        for j, mentor in enumerate(sm.mentors):
            scored = pair_score(mentee, mentor, rules)
            assert bool(sm.feasible[i, j]) == (scored is not None)
            if scored is not None:
                assert int(sm.scores[i, j]) == scored[0]


# --- Speed. ---


def test_500_by_500_under_a_second():
    mentees, mentors = population(500, 500, seed=1)
    start = time.perf_counter()
    result = match(mentees, mentors, RULES)
    assert time.perf_counter() - start < 1.0
    assert len(result.pairs) > 400  # a realistic population, not an empty problem
