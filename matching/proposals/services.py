"""Proposing pairs: the coordinator confirms the engine's proposals (or their own overrides,
with a note) and mentor and mentee are asked; and the matching settings."""

from collections.abc import Sequence
from typing import cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from matching.models import (
    Pairing,
    explained,
    stored,
)
from matching.pairings.services import pairing_event_record, pairing_tell
from matching.proposals import engine
from matching.proposals.selectors import matching_pool
from matching.texts import Text, gettext_noop
from participants.models import Application, Membership, Role, User
from programmes import access
from programmes.actor import Actor
from programmes.models import Call, Project, ThematicArea

S = Pairing.Status


# A hand-made pair that gives a mentor more mentees than they offered to take.
CAPACITY_EXCEEDED = Text(gettext_noop("more mentees than the mentor's places"))


@transaction.atomic
def pairing_propose(
    *, actor: Actor, project: Project, mentee: User, mentor: User, score: int = 0,
    explanation: Sequence[str] = (), broken_rules: Sequence[str] = (), override_note: str = "",
    mentee_application: Application | None = None, mentor_application: Application | None = None,
    call: Call | None = None, set_by_hand: bool = False,
    engine_proposal: Application | None = None,
) -> Pairing:
    """The coordinator confirms a pair, and mentor and mentee are asked to accept it. One that
    breaks a rule (a hand-made override) needs a note saying why; the broken rules are kept,
    and so is the mentor the engine had proposed instead."""
    if not access.may(actor=actor, action="manage", obj=project):
        raise PermissionDenied
    members = Membership.objects.for_org(project.organisation)
    if not members.filter(user=mentee, role=Role.MENTEE).exists():
        raise ValidationError({"mentee": _("%(name)s is not a mentee of this organisation.")
                               % {"name": mentee}})
    if not members.filter(user=mentor, role=Role.MENTOR).exists():
        raise ValidationError({"mentor": _("%(name)s is not a mentor of this organisation.")
                               % {"name": mentor}})
    if broken_rules and not override_note.strip():
        raise ValidationError({"override_note": _(
            "This pair breaks a rule (%(rules)s): say why you make it anyway."
        ) % {"rules": "; ".join(explained(rule) for rule in broken_rules)}})
    live = Pairing.objects.for_org(project.organisation).filter(
        project=project, status__in=Pairing.LIVE
    )
    if live.filter(mentee=mentee).exists():
        raise ValidationError(_("%(name)s is already in a pairing of this project.")
                              % {"name": mentee})
    pairing = Pairing(
        organisation=project.organisation, project=project, call=call, mentee=mentee,
        mentor=mentor, mentee_application=mentee_application,
        mentor_application=mentor_application, score=score,
        explanation=[stored(line) for line in explanation],
        overridden=set_by_hand or bool(broken_rules),
        broken_rules=[stored(rule) for rule in broken_rules],
        override_note=override_note.strip() if set_by_hand or broken_rules else "",
        engine_proposal=engine_proposal if set_by_hand else None,
    )
    pairing.full_clean()
    pairing.save()
    pairing_event_record(pairing, by=actor.user, to_status=S.PROPOSED, reason=pairing.override_note,
            created=True)
    pairing_tell(pairing, [mentee, mentor],
                 gettext_noop("Pairing proposed: %(pairing)s, accept or decline"), gettext_noop(
        "You are proposed a pairing in %(project)s: see who with, and accept or decline."))
    return pairing


@transaction.atomic
def matching_confirm(
    *, actor: Actor, project: Project, call: Call | None, chosen: dict[int, int | None],
    notes: dict[int, str],
) -> list[Pairing]:
    """The coordinator confirms the pairs of the matching page at once: all are proposed, or
    none. The project is locked and its pool read again meanwhile, so that two coordinators
    confirming together cannot pair one mentee twice or give a mentor more mentees than their
    places without saying why."""
    project = Project.objects.for_org(project.organisation).select_for_update().get(pk=project.pk)
    if not access.may(actor=actor, action="manage", obj=project):
        raise PermissionDenied
    pool = matching_pool(project=project, call=call)
    result = engine.match(pool.mentees, pool.mentors, pool.rules)
    proposed = {pair.mentee_id: pair.mentor_id for pair in result.pairs}
    load: dict[int | None, int] = dict(
        Pairing.objects.for_org(project.organisation)
        .filter(project=project, status__in=Pairing.LIVE)
        .values_list("mentor_id").annotate(n=Count("pk")).values_list("mentor_id", "n")
    )
    pairings = []
    for mentee_id, mentor_id in chosen.items():
        if mentor_id is None:
            continue
        mentee, mentor = pool.mentee(mentee_id), pool.mentor(mentor_id)
        if mentee is None or mentor is None:
            raise ValidationError({f"mentor_{mentee_id}": _(
                "Someone of this pair was paired or left the pool meanwhile: run matching "
                "again.")})
        mentee_app, mentor_app = pool.applications[mentee_id], pool.applications[mentor_id]
        broken = engine.broken_rules(mentee, mentor, pool.rules)
        load[mentor_app.applicant_id] = load.get(mentor_app.applicant_id, 0) + 1
        if load[mentor_app.applicant_id] > mentor_app.mentee_capacity:
            broken.append(CAPACITY_EXCEEDED)
        scored = engine.pair_score(mentee, mentor, pool.rules, area_names=pool.area_names,
                                   language_names=pool.language_names)
        engine_choice = proposed.get(mentee_id)
        try:
            pairings.append(pairing_propose(
                # The pool holds only applications with an applicant.
                actor=actor, project=project,
                mentee=cast(User, mentee_app.applicant), mentor=cast(User, mentor_app.applicant),
                score=scored[0] if scored else 0,
                explanation=scored[1] if scored else (), broken_rules=broken,
                override_note=notes.get(mentee_id, ""), mentee_application=mentee_app,
                mentor_application=mentor_app, call=mentee_app.call,
                set_by_hand=engine_choice != mentor_id,
                engine_proposal=pool.applications.get(engine_choice) if engine_choice else None,
            ))
        except ValidationError as error:
            # Shown on the row it concerns, not at the top of a long table.
            raise ValidationError({f"note_{mentee_id}": error.messages}) from error
    return pairings


@transaction.atomic
def matching_settings_update(
    *, actor: Actor, project: Project, related_areas: dict[ThematicArea, list[ThematicArea]],
) -> Project:
    if not access.may(actor=actor, action="manage", obj=project):
        raise PermissionDenied
    project.full_clean()
    project.save(update_fields=[*MATCHING_FIELDS, "updated_at"])
    for area, related in related_areas.items():
        if area.project_id != project.pk or any(r.project_id != project.pk for r in related):
            raise PermissionDenied
        area.related_areas.set(related)
    return project


MATCHING_FIELDS = ["weight_same_area", "weight_related_area", "weight_common_language",
                   "weight_seniority", "weight_preference", "preferred_mentor_gender"]
