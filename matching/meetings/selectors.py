"""Reads of meetings, and pairings' compliance: one pairing's computed by compliance.py from its
meetings, approved plan and reports; many pairings' read from what was kept
(PairingCompliance)."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.db.models.functions import Coalesce, Lower
from django.shortcuts import get_object_or_404
from django.utils import timezone

from matching.hooks import HandedIn, reporting
from matching.meetings.compliance import Compliance, Held, compliance, from_json
from matching.models import ActivityPlan, Meeting, Pairing
from matching.pairings.access import pairings_visible_to
from matching.schedule import Schedule
from programmes.actor import Actor
from programmes.models import Project

S = Pairing.Status


def pairing_meetings(pairing: Pairing) -> list[Meeting]:
    return list(Meeting.objects.for_org(pairing.organisation).filter(pairing=pairing)
                .select_related("logged_by", "confirmed_by", "country"))


def meeting_for_member(*, actor: Actor, pairing: Pairing, pk: int) -> Meeting:
    return get_object_or_404(
        Meeting.objects.for_org(actor.organisation).filter(pairing=pairing), pk=pk)


def pairing_compliance(pairing: Pairing, plan: ActivityPlan | None, meetings: list[Meeting],
                       reports: HandedIn | None = None) -> Compliance | None:
    if plan is None:
        return None
    reports = reports or reporting().handed_in([pairing.pk])[pairing.pk]
    return compliance(
        schedule=Schedule(plan.start, plan.duration_months),
        held=[Held(m.day, m.kind == Meeting.Kind.IN_PERSON) for m in meetings if m.counts],
        planned_visits=[visit.day for visit in plan.visits.all()],
        meetings_a_month=plan.online_meetings_per_month, rules=pairing.project.rules,
        today=timezone.localdate(),
        interim_done=reports.interim, narrative_done=reports.narrative,
    )


@dataclass(frozen=True)
class ComplianceRow:
    pairing: Pairing
    state: Compliance | None  # None before a plan is approved
    to_confirm: int = 0  # meetings logged and not yet confirmed by the other


def compliance_pairings(*, actor: Actor, project: Project) -> QuerySet[Pairing]:
    """The pairings of a project's compliance table (the page's and the API's): those this
    person sees, from the plan agreed on."""
    return pairings_visible_to(actor=actor).filter(
        project=project, status__in=[S.PLAN_AGREED, S.ACTIVE, S.COMPLETED, S.ENDED_EARLY])


def compliance_table(pairings: QuerySet[Pairing]) -> QuerySet[Pairing, int]:
    """The ids of the filtered pairings, those with the most late first, then by the mentee's
    name: the database sorts and the page slices them, whatever the number. Only the sort keys
    are joined: sorting ten thousand rows of every column the table shows cost ten times more."""
    return pairings.order_by(Coalesce("kept_compliance__late_count", 0).desc(),
                             Lower("mentee__full_name"), "pk").values_list("pk", flat=True)


# What a row of the table reads: not the pairing's, the applications' or the kept row's other
# columns (long texts, and the reminders' bookkeeping), nor the joins nothing shows.
ROW_FIELDS = (
    "organisation_id", "status", "mentee__full_name", "mentee__email", "mentor__full_name",
    "mentor__email", "mentee_application__organisation_id",
    "mentee_application__country__name", "mentee_application__thematic_area__name",
    "mentee_application__thematic_area__organisation_id",
    "kept_compliance__organisation_id", "kept_compliance__detail",
    "kept_compliance__to_confirm",
)


def compliance_rows(pairings: QuerySet[Pairing], ids: Iterable[int]) -> list[ComplianceRow]:
    """The rows of one page of `compliance_table` (its pairings' ids, in order), each with what
    the table shows and its kept state, in one query."""
    ids = list(ids)
    found = pairings.filter(pk__in=ids).select_related(
        "mentee", "mentor", "mentee_application__country", "mentee_application__thematic_area",
        "kept_compliance").only(*ROW_FIELDS)
    by_id = {pairing.pk: pairing for pairing in found}
    rows = []
    for pairing in (by_id[pk] for pk in ids if pk in by_id):
        kept = getattr(pairing, "kept_compliance", None)
        rows.append(ComplianceRow(pairing, from_json(kept.detail) if kept else None,
                                  kept.to_confirm if kept else 0))
    return rows
