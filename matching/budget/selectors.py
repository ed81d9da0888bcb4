"""The budget's figures: planned, claimed, approved, used and left, by country and by period.

Definitions (the donor indicators read them from here; `budget_figures` is pure: it reads, and
takes no actor — the caller has checked access):

- A *claim* is a funded visit (Meeting.funded) with its costs (cost_amount, cost_currency).
- *claimed*: the claims' costs, per currency as claimed, never added across currencies.
- *used*: the approved and adjusted claims' approved amounts, each converted to the budget's
  currency with the latest rate the coordinator recorded for the claim's currency (1 for the
  budget's own currency), rounded to the cent claim by claim, then added.
- *pending*: the claims waiting for review, converted the same way.
- *unconverted*: the approved or pending amounts in a currency without a recorded rate, per
  currency: shown, never counted ("not counted: no rate recorded for MAD").
- *left*: budget - used; *available*: left - pending (what remains if every pending claim
  were approved as claimed). None without a budget.
- *visits_funded*: the funded visits held (their day) in [start, end] whose claim is approved
  or adjusted. A refused claim, a pending one and a funded visit without costs do not count.
- *planned*: the estimated costs of the funded visits of each pairing's latest plan version.
- Periods are calendar quarters of the visit's day ("2026-Q1"); countries are the mentee's.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from django.db.models import Max, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from matching.models import ActivityPlan, ExchangeRate, Meeting, Pairing, PlannedVisit
from programmes.cldr import country_name
from programmes.models import Project

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
REVIEWED = (Meeting.Claim.APPROVED, Meeting.Claim.ADJUSTED)


def convert(amount: Decimal, rate: Decimal) -> Decimal:
    return (amount * rate).quantize(CENT, rounding=ROUND_HALF_UP)


def quarter(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


@dataclass
class Slice:
    """One country's or one quarter's share."""

    key: str
    label: str
    used: Decimal = ZERO
    pending: Decimal = ZERO
    visits_funded: int = 0
    unconverted: dict[str, Decimal] = field(default_factory=dict)


@dataclass
class PairingMoney:
    """One pairing's planned (budget currency), claimed (per currency) and approved (budget
    currency, converted) totals, with what no rate converts."""

    planned: Decimal = ZERO
    claimed: dict[str, Decimal] = field(default_factory=dict)
    approved: Decimal = ZERO
    pending: Decimal = ZERO
    unconverted: dict[str, Decimal] = field(default_factory=dict)


@dataclass
class BudgetFigures:
    currency: str
    budget: Decimal | None
    ceiling: Decimal | None
    rates: dict[str, Decimal]
    planned: Decimal
    claimed: dict[str, Decimal]
    used: Decimal
    pending: Decimal
    unconverted: dict[str, Decimal]
    visits_funded: int
    claims: int
    by_country: list[Slice]
    by_period: list[Slice]
    pairings: dict[int, PairingMoney]
    over_ceiling: list[int]  # pairings whose planned estimates pass the ceiling

    @property
    def left(self) -> Decimal | None:
        return None if self.budget is None else self.budget - self.used

    @property
    def available(self) -> Decimal | None:
        left = self.left
        return None if left is None else left - self.pending

    @property
    def unconverted_list(self) -> list[tuple[str, Decimal]]:
        return sorted(self.unconverted.items())


def latest_rates(*, project: Project) -> dict[str, Decimal]:
    """The latest rate recorded for each currency, and the budget's own currency at 1."""
    rates: dict[str, Decimal] = {}
    for currency, rate in ExchangeRate.objects.for_org(project.organisation).filter(
            project=project).order_by("currency", "-created_at", "-pk").values_list(
            "currency", "rate"):
        rates.setdefault(currency, rate)
    rates[project.budget_currency] = Decimal(1)
    return rates


def _add(totals: dict[str, Decimal], currency: str, amount: Decimal) -> None:
    totals[currency] = totals.get(currency, ZERO) + amount


def budget_figures(*, project: Project, pairings: Iterable[Pairing] | QuerySet | None = None,
                   start: date | None = None, end: date | None = None) -> BudgetFigures:
    """The figures of the project's budget (see the module's definitions), for these pairings
    of it (all when None) and the visits held between `start` and `end` (inclusive, either
    open). Four queries whatever the number of pairings and visits: the rates, the latest plan
    versions of the pairings with a planned cost, those costs, the claims. `pairings` holds the
    pairings with a planned cost or a claim (others have none)."""
    organisation = project.organisation
    chosen = Pairing.objects.for_org(organisation).filter(project=project)
    if isinstance(pairings, QuerySet):
        chosen = chosen.filter(pk__in=pairings.values("pk"))
    elif pairings is not None:
        chosen = chosen.filter(pk__in=[p.pk for p in pairings])
    rates = latest_rates(project=project)
    money: dict[int, PairingMoney] = {}

    # Subqueries of the chosen pairings, never lists of their ids, and only the pairings with a
    # planned cost or a claim: the dashboard reads these figures for 10,000 pairings.
    chosen_ids = chosen.values("pk")
    estimated = PlannedVisit.objects.for_org(organisation).filter(
        plan__pairing__in=chosen_ids, funded=True, estimated_cost__isnull=False)
    latest: dict[int, int] = dict(ActivityPlan.objects.for_org(organisation).filter(
        pairing__in=estimated.values("plan__pairing_id")).order_by().values(
        "pairing_id").annotate(latest=Max("version")).values_list("pairing_id", "latest"))
    for pairing_id, version, cost in estimated.values_list("plan__pairing_id", "plan__version",
                                                        "estimated_cost"):
        if version == latest.get(pairing_id):
            own = money.setdefault(pairing_id, PairingMoney())
            own.planned += cast(Decimal, cost)  # not null, as filtered

    meetings = Meeting.objects.for_org(organisation).filter(
        pairing__in=chosen_ids, funded=True, cost_amount__isnull=False)
    if start is not None:
        meetings = meetings.filter(day__gte=start)
    if end is not None:
        meetings = meetings.filter(day__lte=end)
    by_country: dict[str, Slice] = {}
    by_period: dict[str, Slice] = {}
    claimed: dict[str, Decimal] = {}
    unconverted: dict[str, Decimal] = {}
    used = pending = ZERO
    visits = claims = 0
    for pairing_id, code, day, amount, currency, status, approved in meetings.order_by(
            "day", "pk").values_list("pairing_id", "pairing__mentee_application__country_id",
                                     "day", "cost_amount", "cost_currency", "claim_status",
                                     "approved_amount"):
        claims += 1
        amount = cast(Decimal, amount)  # not null, as filtered
        currency = currency or project.budget_currency
        own = money.setdefault(pairing_id, PairingMoney())
        _add(claimed, currency, amount)
        _add(own.claimed, currency, amount)
        code = code or ""
        slices = (
            by_country.setdefault(code, Slice(code, country_name(code) if code else "—")),
            by_period.setdefault(quarter(day), Slice(quarter(day), quarter(day))),
        )
        if status in REVIEWED:
            visits += 1
            counted: Decimal = approved if approved is not None else amount
        elif status == Meeting.Claim.PENDING:
            counted = amount
        else:
            continue  # refused: claimed, never counted
        rate = rates.get(currency)
        for one in slices:
            one.visits_funded += status in REVIEWED
        if rate is None:
            _add(unconverted, currency, counted)
            _add(own.unconverted, currency, counted)
            for one in slices:
                _add(one.unconverted, currency, counted)
            continue
        value = convert(counted, rate)
        if status in REVIEWED:
            used += value
            own.approved += value
            for one in slices:
                one.used += value
        else:
            pending += value
            own.pending += value
            for one in slices:
                one.pending += value
    ceiling = project.visit_ceiling_per_pair
    return BudgetFigures(
        currency=project.budget_currency, budget=project.visit_budget, ceiling=ceiling,
        rates=rates, planned=sum((m.planned for m in money.values()), ZERO),
        claimed=dict(sorted(claimed.items())), used=used, pending=pending,
        unconverted=dict(sorted(unconverted.items())), visits_funded=visits, claims=claims,
        by_country=sorted(by_country.values(), key=lambda s: s.label),
        by_period=sorted(by_period.values(), key=lambda s: s.key),
        pairings=money,
        over_ceiling=sorted(pk for pk, m in money.items()
                            if ceiling is not None and m.planned > ceiling),
    )


def planned_total(visits: Iterable[Any]) -> Decimal:
    """The estimated cost of the funded visits among these (rows of the plan form or visits)."""
    total = ZERO
    for visit in visits:
        funded = visit["funded"] if isinstance(visit, dict) else visit.funded
        cost = visit.get("estimated_cost") if isinstance(visit, dict) else visit.estimated_cost
        if funded and cost is not None:
            total += cost
    return total


def ceiling_warning(*, project: Project, planned: Decimal) -> str:
    """The warning when the planned funded visits pass the project's ceiling per pair."""
    ceiling = project.visit_ceiling_per_pair
    if ceiling is None or planned <= ceiling:
        return ""
    return _("The funded visits planned cost %(total)s %(currency)s, more than the ceiling of "
             "%(ceiling)s %(currency)s per pair.") % {
        "total": number_format(planned, 2, force_grouping=True),
        "ceiling": number_format(ceiling, 2, force_grouping=True),
        "currency": project.budget_currency}


def _claims(project: Project) -> QuerySet[Meeting]:
    return Meeting.objects.for_org(project.organisation).filter(
        pairing__project=project, funded=True, cost_amount__isnull=False,
    ).select_related("pairing__mentee", "pairing__mentor",
                     "pairing__mentee_application__country", "claim_reviewed_by")


def claims_to_review(*, project: Project) -> QuerySet[Meeting]:
    """The claims waiting for the coordinator, the oldest visit first."""
    return _claims(project).filter(claim_status=Meeting.Claim.PENDING).order_by("day", "pk")


def claims_reviewed(*, project: Project, limit: int = 20) -> list[Meeting]:
    """The latest reviews, for the coordinator to look back on."""
    return list(_claims(project).exclude(claim_status=Meeting.Claim.PENDING).order_by(
        "-claim_reviewed_at", "-pk")[:limit])


def claim_for_review(*, project: Project, pk: int) -> Meeting:
    """A claim of this project; another project's or organisation's answers 404."""
    return get_object_or_404(_claims(project), pk=pk)


def rates_recorded(*, project: Project) -> list[ExchangeRate]:
    return list(ExchangeRate.objects.for_org(project.organisation).filter(project=project)
                .select_related("recorded_by").order_by("currency", "-created_at", "-pk"))
