"""Reads of meetings, and each pairing's compliance (computed by compliance.py from the
meetings, the approved plan and the reports handed in)."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from matching.hooks import HandedIn, reporting
from matching.meetings.compliance import Compliance, Held, compliance
from matching.models import ActivityPlan, Meeting, Pairing
from matching.schedule import Schedule
from programmes.actor import Actor
from programmes.models import (
    Project,
)


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
        held=[Held(m.day, m.kind == Meeting.Kind.IN_PERSON) for m in meetings],
        planned_visits=[visit.day for visit in plan.visits.all()],
        rules=pairing.project.rules, today=timezone.localdate(),
        interim_done=reports.interim, narrative_done=reports.narrative,
    )


@dataclass(frozen=True)
class ComplianceRow:
    pairing: Pairing
    state: Compliance | None


def compliance_rows(*, project: Project, pairings: QuerySet[Pairing]) -> list[ComplianceRow]:
    """Every pairing of the filtered list with its compliance, the latest first: six queries,
    whatever the number of pairings."""
    listed = list(pairings.select_related(
        "project", "mentee", "mentor", "mentee_application__country",
        "mentee_application__thematic_area", "mentor_application__country",
    ))
    ids = [pairing.pk for pairing in listed]
    plans = {plan.pairing_id: plan for plan in ActivityPlan.objects.for_org(project.organisation)
             .filter(pairing_id__in=ids, status=ActivityPlan.Status.APPROVED)
             .prefetch_related("visits")}
    meetings: dict[int, list[Meeting]] = {}
    for meeting in Meeting.objects.for_org(project.organisation).filter(pairing_id__in=ids):
        meetings.setdefault(meeting.pairing_id, []).append(meeting)
    reports = reporting().handed_in(ids)
    rows = [ComplianceRow(p, pairing_compliance(p, plans.get(p.pk), meetings.get(p.pk, []),
                                                reports[p.pk]))
            for p in listed]
    return sorted(rows, key=lambda row: (-(row.state.late_count if row.state else 0),
                                         row.pairing.mentee.full_name.casefold()))
