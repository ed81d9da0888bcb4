"""A project's rules as one plain object: what activity plans must keep (matching/plans/rules.py),
the rhythm compliance and reminders hold a pairing to (matching/meetings/compliance.py) and how
the matching engine pairs people (matching/proposals/engine.py). Plain Python, no Django: the
project builds its own (`Project.rules`, from its rule fields), the matching pool adds the
countries and the related areas it reads from the database, and tests build one directly. The
defaults are CEPOL's."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Weights:
    """The points of the matching engine's soft score: what a coordinator tunes per project."""

    same_area: int = 40
    related_area: int = 20
    per_common_language: int = 5
    seniority_gap: int = 2  # per year of gap, up to the engine's SENIORITY_CAP_YEARS
    preference: int = 15

    def __post_init__(self) -> None:
        # Negative points would make leaving someone unmatched better than an allowed pair, which
        # the solver would then silently do: refuse them instead.
        for name, value in vars(self).items():
            if value < 0:
                raise ValueError(f"Weight {name} cannot be negative ({value}).")


@dataclass(frozen=True)
class Rules:
    # The activity plan and its meetings.
    duration_min_months: int = 3
    duration_max_months: int = 12
    first_visit_within_months: int = 3
    funded_visit_period_months: int = 3  # at most one funded visit in each such period
    funded_visits_until_month: int = 12
    online_meetings_per_month: int = 1
    # The reports.
    interim_report_grace_days: int = 14
    narrative_report_due_days: int = 30  # after the end
    narrative_report_grace_days: int = 14
    # Matching. `None` for a country set means any country.
    mentor_countries: frozenset[str] | None = None  # e.g. the EU member states
    mentee_countries: frozenset[str] | None = None  # e.g. the project's partner countries
    reverse: bool = False  # reverse mentoring: the mentor is the more junior one
    preferred_mentor_gender: str | None = None  # e.g. "female" for Momentum MENA
    # Areas close enough to mentor in; read both ways (1 -> {2} also makes 2 related to 1).
    related_areas: dict[int, frozenset[int]] = field(default_factory=dict)
    weights: Weights = field(default_factory=Weights)

    def related_to(self, area: int) -> frozenset[int]:
        """The areas related to `area`, in either direction, never `area` itself."""
        found = set(self.related_areas.get(area, frozenset()))
        found.update(other for other, related in self.related_areas.items() if area in related)
        found.discard(area)
        return frozenset(found)
