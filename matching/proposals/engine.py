"""The matching engine (issue 4): proposes mentee-mentor pairs for one project.

Plain Python on purpose: no Django, no ORM, no views. The web layer turns shortlisted mentees and
accepted mentors into the dataclasses below, calls `match`, and shows the result to a coordinator,
who stays free to override any pair (`broken_rules` says what such an override breaks).

How it works:
- Hard rules decide whether a pair may be proposed at all (common language, different countries,
  allowed countries, thematic area, seniority).
- A soft score, with weights a coordinator tunes per project, ranks the pairs that may be proposed.
- The whole assignment is solved at once for the best total score (an assignment problem on a
  mentee x mentor-place matrix, solved by scipy), so one early good pair never costs two later
  ones, as it can with a greedy pass (kept here as `greedy`, the baseline the tests compare with).
- The same input gives the same output: people are sorted by id before anything else.
- The rules are the project's one rules object (programmes/rules.py), read here for matching.

Every explanation and reason is a `Text` (matching/texts.py): a plain English string that also
keeps its template and values, so the web layer shows it in the reader's language
(`matching.templatetags`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment

from matching.texts import Text, gettext_noop
from programmes.rules import Rules

BoolMatrix = npt.NDArray[np.bool_]
IntMatrix = npt.NDArray[np.int64]

# Seniority gaps beyond this many years earn no more points: a mentor 30 years more senior is not
# three times better than one 10 years more senior, and an uncapped gap would swamp the other terms.
SENIORITY_CAP_YEARS = 10


@dataclass(frozen=True)
class Mentee:
    id: int
    name: str
    country: str  # a country code, compared as is
    area: int  # the thematic area the mentee applied for
    languages: frozenset[str]  # working language codes
    seniority: int  # years of professional experience
    gender: str = ""


@dataclass(frozen=True)
class Mentor:
    id: int
    name: str
    country: str
    areas: frozenset[int]  # the thematic areas the mentor can cover
    languages: frozenset[str]
    seniority: int
    gender: str = ""
    capacity: int = 1  # how many mentees this mentor accepts in the project

    def __post_init__(self) -> None:
        if self.capacity < 0:
            raise ValueError(f"Mentor {self.id}: capacity cannot be negative ({self.capacity}).")


@dataclass(frozen=True)
class Pair:
    mentee_id: int
    mentor_id: int
    score: int
    explanation: list[Text]


@dataclass(frozen=True)
class MatchResult:
    pairs: list[Pair]  # sorted by mentee id
    unmatched: dict[int, Text]  # mentee id -> why no pair was proposed, by mentee id
    total_score: int
    free_places: dict[int, int]  # mentor id -> places left, only mentors with places left


class Rule(StrEnum):
    """The hard rules, in the order they are reported: the first of equally strong reasons wins.

    The mentee's own country comes first because when it is not a partner country nothing else
    about the candidates matters.
    """

    MENTEE_COUNTRY = "mentee_country"
    LANGUAGE = "language"
    AREA = "area"
    OTHER_COUNTRY = "other_country"
    MENTOR_COUNTRY = "mentor_country"
    SENIORITY = "seniority"


# What a broken rule means for one pair (warning a coordinator who overrides a pair by hand).
PAIR_MESSAGES: dict[Rule, Text] = {
    Rule.MENTEE_COUNTRY: Text(gettext_noop("mentee's country is not a partner country")),
    Rule.LANGUAGE: Text(gettext_noop("no common working language")),
    Rule.AREA: Text(gettext_noop(
        "mentor does not cover the mentee's thematic area or a related one")),
    Rule.OTHER_COUNTRY: Text(gettext_noop("mentor from the same country as the mentee")),
    Rule.MENTOR_COUNTRY: Text(gettext_noop("mentor's country is not an allowed country")),
    Rule.SENIORITY: Text(gettext_noop("mentor is not more senior than the mentee")),
}
REVERSE_SENIORITY_PAIR_MESSAGE = Text(gettext_noop(
    "mentor is not more junior than the mentee (reverse mentoring)"))

# Why a mentee got no pair, when a rule ruled out every mentor.
UNMATCHED_MESSAGES: dict[Rule, Text] = {
    Rule.MENTEE_COUNTRY: Text(gettext_noop("mentee's country is not a partner country")),
    Rule.LANGUAGE: Text(gettext_noop("no mentor with a common working language")),
    Rule.AREA: Text(gettext_noop("no mentor in that thematic area")),
    Rule.OTHER_COUNTRY: Text(gettext_noop("no mentor from another country")),
    Rule.MENTOR_COUNTRY: Text(gettext_noop("no mentor from an allowed country")),
    Rule.SENIORITY: Text(gettext_noop("no more senior mentor")),
}
REVERSE_SENIORITY_UNMATCHED_MESSAGE = Text(gettext_noop("no more junior mentor"))
NO_MENTORS = Text(gettext_noop("no mentors to match with"))
CAPACITY_EXHAUSTED = Text(gettext_noop("capacity exhausted"))


# --- One pair at a time: the reference definitions, also used for explanations and overrides. ---


def broken_rules(mentee: Mentee, mentor: Mentor, rules: Rules) -> list[Text]:
    """The hard rules this pair breaks, in plain words; empty when the pair may be proposed."""
    broken: list[Text] = []
    for rule in Rule:
        if not _pair_passes(rule, mentee, mentor, rules):
            if rule is Rule.SENIORITY and rules.reverse:
                broken.append(REVERSE_SENIORITY_PAIR_MESSAGE)
            else:
                broken.append(PAIR_MESSAGES[rule])
    return broken


def _pair_passes(rule: Rule, mentee: Mentee, mentor: Mentor, rules: Rules) -> bool:
    match rule:
        case Rule.MENTEE_COUNTRY:
            return rules.mentee_countries is None or mentee.country in rules.mentee_countries
        case Rule.LANGUAGE:
            return bool(mentee.languages & mentor.languages)
        case Rule.AREA:
            return mentee.area in mentor.areas or bool(mentor.areas & rules.related_to(mentee.area))
        case Rule.OTHER_COUNTRY:
            return mentor.country != mentee.country
        case Rule.MENTOR_COUNTRY:
            return rules.mentor_countries is None or mentor.country in rules.mentor_countries
        case Rule.SENIORITY:
            return _seniority_gap(mentee, mentor, rules) > 0


def _seniority_gap(mentee: Mentee, mentor: Mentor, rules: Rules) -> int:
    """Years by which the mentor is on the right side: more senior, or more junior in reverse."""
    gap = mentor.seniority - mentee.seniority
    return -gap if rules.reverse else gap


def pair_score(
    mentee: Mentee,
    mentor: Mentor,
    rules: Rules,
    *,
    area_names: Mapping[int, str] | None = None,
    language_names: Mapping[str, str] | None = None,
) -> tuple[int, list[Text]] | None:
    """The soft score of a pair and why, one string per term; None if a hard rule is broken.

    Names are only for the explanation; without them areas show as ids and languages as codes.
    """
    if broken_rules(mentee, mentor, rules):
        return None
    weights = rules.weights
    score = 0
    explanation: list[Text] = []

    area = _area_name(mentee.area, area_names)
    if mentee.area in mentor.areas:
        score += weights.same_area
        explanation.append(Text(gettext_noop("Same thematic area: %(area)s (+%(points)s)"),
                                area=area, points=weights.same_area))
    else:
        # The area rule passed, so the mentor covers at least one related area.
        via = ", ".join(
            _area_name(a, area_names) for a in sorted(mentor.areas & rules.related_to(mentee.area))
        )
        score += weights.related_area
        explanation.append(Text(
            gettext_noop("Related thematic area: %(via)s for %(area)s (+%(points)s)"),
            via=via, area=area, points=weights.related_area,
        ))

    common = sorted(mentee.languages & mentor.languages)
    points = len(common) * weights.per_common_language
    score += points
    names = ", ".join((language_names or {}).get(code, code) for code in common)
    # The codes too, so that each reader gets the names in their own language.
    explanation.append(Text(gettext_noop("Common languages: %(languages)s (+%(points)s)"),
                            languages=names, points=points, language_codes=",".join(common)))

    gap = _seniority_gap(mentee, mentor, rules)
    points = min(gap, SENIORITY_CAP_YEARS) * weights.seniority_gap
    score += points
    explanation.append(Text(_seniority_template(gap, rules.reverse), years=gap, points=points,
                            cap=SENIORITY_CAP_YEARS))

    if rules.preferred_mentor_gender is not None and mentor.gender == rules.preferred_mentor_gender:
        score += weights.preference
        explanation.append(Text(gettext_noop("Preferred mentor gender: %(gender)s (+%(points)s)"),
                                gender=rules.preferred_mentor_gender, points=weights.preference))
    return score, explanation


def _seniority_template(gap: int, reverse: bool) -> str:
    # Whole sentences, one per case, so that each language can word them its own way.
    if gap == 1:
        return (gettext_noop("Mentor 1 year more junior (+%(points)s)") if reverse
                else gettext_noop("Mentor 1 year more senior (+%(points)s)"))
    if gap > SENIORITY_CAP_YEARS:
        return (gettext_noop("Mentor %(years)s years more junior (+%(points)s, capped at "
                             "%(cap)s years)") if reverse
                else gettext_noop("Mentor %(years)s years more senior (+%(points)s, capped at "
                                  "%(cap)s years)"))
    return (gettext_noop("Mentor %(years)s years more junior (+%(points)s)") if reverse
            else gettext_noop("Mentor %(years)s years more senior (+%(points)s)"))


def _area_name(area: int, area_names: Mapping[int, str] | None) -> str:
    return (area_names or {}).get(area, str(area))


# --- Everyone at once: the same rules and score, vectorised over a mentee x mentor matrix. ---


@dataclass(frozen=True)
class ScoreMatrix:
    """`pair_score` and the hard rules for every mentee x mentor, people sorted by id."""

    mentees: list[Mentee]
    mentors: list[Mentor]
    scores: IntMatrix  # meaningful only where feasible
    passes: dict[Rule, BoolMatrix]  # per rule: does the pair pass it
    feasible: BoolMatrix  # passes every rule


def score_matrix(mentees: Iterable[Mentee], mentors: Iterable[Mentor], rules: Rules) -> ScoreMatrix:
    """Scores and rule checks of all pairs with numpy, so 2,000 x 2,000 takes well under a second.

    Must agree with `pair_score` and `broken_rules` cell by cell (a property test checks it).
    """
    tees = _sorted_unique(mentees, "mentee")
    tors = _sorted_unique(mentors, "mentor")
    n, m = len(tees), len(tors)
    weights = rules.weights

    # Countries and languages become small integer codes, so comparisons are array operations.
    people: list[Mentee | Mentor] = [*tees, *tors]
    countries = {c: i for i, c in enumerate(sorted({p.country for p in people}))}
    tee_country = np.array([countries[p.country] for p in tees], dtype=np.int64)
    tor_country = np.array([countries[p.country] for p in tors], dtype=np.int64)
    languages = {
        c: i for i, c in enumerate(sorted({c for p in people for c in p.languages}))
    }
    tee_langs = _indicator([p.languages for p in tees], languages)
    tor_langs = _indicator([p.languages for p in tors], languages)
    # A float product is exact for these small counts and uses BLAS, much faster than int matmul.
    common = np.rint(tee_langs @ tor_langs.T).astype(np.int64)

    # Areas: which mentor covers which area, and which areas count as related to which.
    area_ids = sorted({p.area for p in tees} | {a for p in tors for a in p.areas})
    areas = {a: i for i, a in enumerate(area_ids)}
    tor_areas = _indicator([p.areas for p in tors], areas)
    # Related areas nobody holds cannot make a pair: leave them out of the matrix.
    known = frozenset(area_ids)
    related = _indicator([rules.related_to(a) & known for a in area_ids], areas)
    tee_area = np.array([areas[p.area] for p in tees], dtype=np.int64)
    same_area = tor_areas.T[tee_area] > 0
    related_area = (related[tee_area] @ tor_areas.T) > 0

    gap = (
        np.array([p.seniority for p in tors], dtype=np.int64)[None, :]
        - np.array([p.seniority for p in tees], dtype=np.int64)[:, None]
    )
    if rules.reverse:
        gap = -gap

    passes: dict[Rule, BoolMatrix] = {
        Rule.MENTEE_COUNTRY: np.broadcast_to(
            _allowed([p.country for p in tees], rules.mentee_countries)[:, None], (n, m)
        ),
        Rule.LANGUAGE: common > 0,
        Rule.AREA: same_area | related_area,
        Rule.OTHER_COUNTRY: tee_country[:, None] != tor_country[None, :],
        Rule.MENTOR_COUNTRY: np.broadcast_to(
            _allowed([p.country for p in tors], rules.mentor_countries)[None, :], (n, m)
        ),
        Rule.SENIORITY: gap > 0,
    }
    feasible = np.logical_and.reduce(list(passes.values()))

    preferred = np.array(
        [
            rules.preferred_mentor_gender is not None and p.gender == rules.preferred_mentor_gender
            for p in tors
        ],
        dtype=bool,
    )
    scores = (
        np.where(same_area, weights.same_area, np.where(related_area, weights.related_area, 0))
        + common * weights.per_common_language
        + np.clip(gap, 0, SENIORITY_CAP_YEARS) * weights.seniority_gap
        + preferred[None, :] * weights.preference
    ).astype(np.int64)
    return ScoreMatrix(tees, tors, scores, passes, feasible)


def _sorted_unique[T: (Mentee, Mentor)](people: Iterable[T], kind: str) -> list[T]:
    # Sorting by id is what makes the result independent of the input order.
    ordered = sorted(people, key=lambda p: p.id)
    for before, after in pairwise(ordered):
        if before.id == after.id:
            raise ValueError(f"Duplicate {kind} id {after.id}.")
    return ordered


def _indicator[K](sets: Sequence[Iterable[K]], index: Mapping[K, int]) -> npt.NDArray[np.float64]:
    """Rows of 0/1: row i has a 1 in the column of each member of sets[i]."""
    matrix = np.zeros((len(sets), len(index)), dtype=np.float64)
    for row, members in enumerate(sets):
        matrix[row, [index[k] for k in members]] = 1.0
    return matrix


def _allowed(countries: list[str], allowed: frozenset[str] | None) -> npt.NDArray[np.bool_]:
    if allowed is None:
        return np.ones(len(countries), dtype=bool)
    return np.array([c in allowed for c in countries], dtype=bool)


# --- Solving. ---


def match(
    mentees: Iterable[Mentee],
    mentors: Iterable[Mentor],
    rules: Rules,
    *,
    area_names: Mapping[int, str] | None = None,
    language_names: Mapping[str, str] | None = None,
) -> MatchResult:
    """The pairs with the best total score, every mentor within capacity, solved at once."""
    sm = score_matrix(mentees, mentors, rules)
    n = len(sm.mentees)
    capacity = np.array([p.capacity for p in sm.mentors], dtype=np.int64)

    # Only mentees with at least one allowed mentor, and mentors with at least one allowed mentee,
    # take part; a mentor never needs more places than it has allowed mentees. This shrinks the
    # problem without changing its answer.
    rows = np.flatnonzero(sm.feasible.any(axis=1))
    places = np.minimum(capacity, sm.feasible.sum(axis=0))
    # One column per place: a mentor with capacity 2 appears twice, so a plain one-to-one
    # assignment respects capacities.
    slot_mentor = np.repeat(np.arange(len(sm.mentors)), places)

    chosen: list[tuple[int, int]] = []  # (mentee index, mentor index)
    if len(rows) and len(slot_mentor):
        # Not a large negative sentinel for forbidden cells: the solver must fill min(rows, places)
        # cells, so a large penalty would make it maximise the number of pairs first and the score
        # only second (one 100-point pair would lose to two 1-point pairs). Instead a forbidden cell
        # is worth 0, the same as leaving the mentee unpaired, and an allowed pair is worth
        # score * K + 1 with K above any possible number of pairs: the best total score wins, and
        # among equal totals, more pairs. Every allowed cell is >= 1 because weights are >= 0.
        k = min(len(rows), len(slot_mentor)) + 1
        sub_feasible = sm.feasible[np.ix_(rows, slot_mentor)]
        value = np.where(sub_feasible, sm.scores[np.ix_(rows, slot_mentor)] * k + 1, 0)
        row_ind, col_ind = linear_sum_assignment(value, maximize=True)
        for r, c in zip(row_ind.tolist(), col_ind.tolist(), strict=True):
            if sub_feasible[r, c]:  # drop the "assignments" to forbidden cells: nobody was paired
                chosen.append((int(rows[r]), int(slot_mentor[c])))
    return _result(sm, rules, chosen, n, area_names, language_names)


def greedy(
    mentees: Iterable[Mentee],
    mentors: Iterable[Mentor],
    rules: Rules,
    *,
    area_names: Mapping[int, str] | None = None,
    language_names: Mapping[str, str] | None = None,
) -> MatchResult:
    """The baseline: take the best-scoring allowed pair, then the next, one by one.

    Ties go to the lower mentee id, then the lower mentor id, so it is deterministic too.
    """
    sm = score_matrix(mentees, mentors, rules)
    n = len(sm.mentees)
    left = [p.capacity for p in sm.mentors]
    tee_idx, tor_idx = np.nonzero(sm.feasible)
    cell_scores = sm.scores[tee_idx, tor_idx]
    # np.lexsort sorts by the last key first: score descending, then mentee, then mentor.
    order = np.lexsort((tor_idx, tee_idx, -cell_scores))
    paired = np.zeros(n, dtype=bool)
    chosen: list[tuple[int, int]] = []
    for i, j in zip(tee_idx[order].tolist(), tor_idx[order].tolist(), strict=True):
        if not paired[i] and left[j] > 0:
            paired[i] = True
            left[j] -= 1
            chosen.append((i, j))
    return _result(sm, rules, chosen, n, area_names, language_names)


def _result(
    sm: ScoreMatrix,
    rules: Rules,
    chosen: list[tuple[int, int]],
    n: int,
    area_names: Mapping[int, str] | None,
    language_names: Mapping[str, str] | None,
) -> MatchResult:
    pairs: list[Pair] = []
    used = [0] * len(sm.mentors)
    paired: set[int] = set()
    for i, j in sorted(chosen):
        mentee, mentor = sm.mentees[i], sm.mentors[j]
        scored = pair_score(
            mentee, mentor, rules, area_names=area_names, language_names=language_names
        )
        # The explanation comes from the one-pair definition; it must agree with the matrix.
        if scored is None or scored[0] != int(sm.scores[i, j]):
            raise AssertionError(
                f"Score matrix disagrees with pair_score for {mentee.id}, {mentor.id}"
            )
        pairs.append(Pair(mentee.id, mentor.id, scored[0], scored[1]))
        used[j] += 1
        paired.add(i)

    unmatched: dict[int, Text] = {}
    for i in range(n):
        if i not in paired:
            unmatched[sm.mentees[i].id] = _unmatched_reason(sm, rules, i)
    free_places = {
        p.id: p.capacity - used[j] for j, p in enumerate(sm.mentors) if p.capacity > used[j]
    }
    return MatchResult(pairs, unmatched, sum(p.score for p in pairs), free_places)


def _unmatched_reason(sm: ScoreMatrix, rules: Rules, i: int) -> Text:
    """Why mentee i got no pair, in plain words."""
    if not sm.mentors:
        return NO_MENTORS
    if sm.feasible[i].any():
        # Someone was allowed, but their places went to pairs that made a better total.
        return CAPACITY_EXHAUSTED
    # No mentor passes every rule: name the rule that ruled out the most mentors (the first rule in
    # `Rule` order among equals), as the most useful thing for a coordinator to act on.
    eliminated = {rule: int((~ok[i]).sum()) for rule, ok in sm.passes.items()}
    worst = max(Rule, key=lambda rule: eliminated[rule])  # max keeps the first of equal keys
    if worst is Rule.SENIORITY and rules.reverse:
        return REVERSE_SENIORITY_UNMATCHED_MESSAGE
    return UNMATCHED_MESSAGES[worst]
