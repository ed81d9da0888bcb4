"""Times the matching engine on growing random populations: `python -m matching.proposals.bench`.

`population` is also what the speed test uses, so the test and this table measure the same thing.
The populations look like a real EU-funded programme: mentors mostly from EU member states,
mentees mostly from partner countries, English widely shared, a few related thematic areas.
"""

from __future__ import annotations

import time

import numpy as np

from matching.proposals.engine import Mentee, Mentor, greedy, match
from programmes.rules import Rules

EU_COUNTRIES = ("AT", "BE", "DE", "ES", "FI", "FR", "GR", "IT", "NL", "PL", "PT", "SE")
PARTNER_COUNTRIES = ("DZ", "EG", "JO", "LB", "LY", "MA", "PS", "TN")
# How many speak each language, mentees and mentors alike (everyone speaks at least one).
LANGUAGE_SHARE = {"en": 0.8, "fr": 0.35, "ar": 0.3, "es": 0.15, "de": 0.15, "it": 0.1}
AREAS = 10
SIZES = (100, 500, 1000, 2000)

RULES = Rules(
    mentor_countries=frozenset(EU_COUNTRIES),
    mentee_countries=frozenset(PARTNER_COUNTRIES),
    preferred_mentor_gender="female",
    related_areas={0: frozenset({1}), 2: frozenset({3}), 4: frozenset({5, 6})},
)


def population(n_mentees: int, n_mentors: int, seed: int) -> tuple[list[Mentee], list[Mentor]]:
    """A reproducible random project: the same arguments always give the same people."""
    rng = np.random.default_rng(seed)
    everyone = EU_COUNTRIES + PARTNER_COUNTRIES

    def country(home: tuple[str, ...]) -> str:
        # One in ten comes from outside the usual side, so the country rules have work to do.
        return str(rng.choice(home if rng.random() < 0.9 else everyone))

    def languages() -> frozenset[str]:
        spoken = frozenset(c for c, share in LANGUAGE_SHARE.items() if rng.random() < share)
        return spoken or frozenset({str(rng.choice(list(LANGUAGE_SHARE)))})

    mentees = [
        Mentee(
            id=i,
            name=f"Mentee {i}",
            country=country(PARTNER_COUNTRIES),
            area=int(rng.integers(AREAS)),
            languages=languages(),
            seniority=int(rng.integers(2, 16)),
            gender=str(rng.choice(["female", "male"])),
        )
        for i in range(1, n_mentees + 1)
    ]
    mentors = [
        Mentor(
            id=i,
            name=f"Mentor {i}",
            country=country(EU_COUNTRIES),
            areas=frozenset(
                int(a) for a in rng.choice(AREAS, size=int(rng.integers(1, 4)), replace=False)
            ),
            languages=languages(),
            seniority=int(rng.integers(8, 36)),
            gender=str(rng.choice(["female", "male"], p=[0.4, 0.6])),
            capacity=int(rng.choice([1, 2], p=[0.7, 0.3])),
        )
        for i in range(1, n_mentors + 1)
    ]
    return mentees, mentors


def main() -> None:
    print(
        f"{'size':>11}  {'match s':>8}  {'pairs':>5}  {'total':>7}  {'greedy s':>8}  {'greedy':>7}"
    )
    for size in SIZES:
        mentees, mentors = population(size, size, seed=size)
        start = time.perf_counter()
        result = match(mentees, mentors, RULES)
        seconds = time.perf_counter() - start
        start = time.perf_counter()
        baseline = greedy(mentees, mentors, RULES)
        greedy_seconds = time.perf_counter() - start
        print(
            f"{size:>5} x {size:<5}  {seconds:>8.2f}  {len(result.pairs):>5}  "
            f"{result.total_score:>7}  {greedy_seconds:>8.2f}  {baseline.total_score:>7}"
        )


if __name__ == "__main__":
    main()
