"""Every write to pairings. Each move is allowed only from the right status, by the right person,
and is recorded as a PairingEvent."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import get_objects_for_user

from matching.models import Pairing, PairingEvent
from participants.models import Membership, Role, User
from programmes.models import Project

S = Pairing.Status
# The coordinator's moves: (from, to). Accepting and declining belong to mentor and mentee.
COORDINATOR_MOVES = {
    (S.ACCEPTED, S.PLAN_AGREED),
    (S.PLAN_AGREED, S.ACTIVE),
    (S.ACTIVE, S.COMPLETED),
    (S.PROPOSED, S.ENDED_EARLY),
    (S.ACCEPTED, S.ENDED_EARLY),
    (S.PLAN_AGREED, S.ENDED_EARLY),
    (S.ACTIVE, S.ENDED_EARLY),
}


def coordinates(user: User, project: Project) -> bool:
    """An organisation admin, or a coordinator of this very project (guardian, scoped to the
    project's organisation and never through global permissions)."""
    if Membership.objects.for_org(project.organisation).filter(
        user=user, role=Role.ADMIN
    ).exists():
        return True
    coordinated = get_objects_for_user(
        user, "programmes.coordinate_project",
        klass=Project.objects.for_org(project.organisation), accept_global_perms=False,
        with_superuser=False,
    )
    return coordinated.filter(pk=project.pk).exists()


def _record(pairing: Pairing, *, by: User, to_status: str, reason: str = "",
            created: bool = False) -> None:
    PairingEvent.objects.create(
        organisation_id=pairing.organisation_id, pairing=pairing, by=by, reason=reason,
        from_status="" if created else pairing.status, to_status=to_status,
    )


@transaction.atomic
def pairing_propose(
    *, acting_user: User, project: Project, mentee: User, mentor: User, score: int = 0,
    explanation: list[str] | None = None, broken_rules: list[str] | None = None,
    override_note: str = "",
) -> Pairing:
    """The coordinator confirms a pair. One that breaks a rule (a hand-made override) needs a
    note saying why; the broken rules are kept with it."""
    if not coordinates(acting_user, project):
        raise PermissionDenied
    if broken_rules and not override_note.strip():
        raise ValidationError({"override_note": _(
            "This pair breaks a rule (%(rules)s): say why you make it anyway."
        ) % {"rules": "; ".join(broken_rules)}})
    live = Pairing.objects.for_org(project.organisation).filter(
        project=project, status__in=Pairing.LIVE
    )
    if live.filter(mentee=mentee).exists():
        raise ValidationError(_("%(name)s is already in a pairing of this project.")
                              % {"name": mentee})
    pairing = Pairing(
        organisation=project.organisation, project=project, mentee=mentee, mentor=mentor,
        score=score, explanation=explanation or [], overridden=bool(broken_rules),
        override_note="; ".join(broken_rules or []) + (
            f" — {override_note.strip()}" if broken_rules else ""),
    )
    pairing.full_clean()
    pairing.save()
    _record(pairing, by=acting_user, to_status=S.PROPOSED, reason=pairing.override_note,
            created=True)
    return pairing


@transaction.atomic
def pairing_respond(*, acting_user: User, pairing: Pairing, accept: bool,
                    reason: str = "") -> Pairing:
    """The mentor or the mentee accepts or declines. Both accepting makes the pairing accepted;
    one declining (with a reason) ends it and returns both to the pool."""
    pairing = Pairing.objects.select_for_update().get(pk=pairing.pk)
    if acting_user.pk not in (pairing.mentee_id, pairing.mentor_id):
        raise PermissionDenied
    if pairing.status != S.PROPOSED:
        raise ValidationError(_("This pairing is no longer waiting for an answer."))
    if not accept:
        if not reason.strip():
            raise ValidationError({"reason": _("Say why you decline: the coordinator is told.")})
        _record(pairing, by=acting_user, to_status=S.DECLINED, reason=reason.strip())
        pairing.status = S.DECLINED
        pairing.end_reason = reason.strip()
        pairing.save(update_fields=["status", "end_reason", "updated_at"])
        return pairing
    field = "mentee_accepted_at" if acting_user.pk == pairing.mentee_id else "mentor_accepted_at"
    setattr(pairing, field, timezone.now())
    changed = [field, "updated_at"]
    if pairing.mentee_accepted_at and pairing.mentor_accepted_at:
        _record(pairing, by=acting_user, to_status=S.ACCEPTED)
        pairing.status = S.ACCEPTED
        changed.append("status")
    pairing.save(update_fields=changed)
    return pairing


@transaction.atomic
def pairing_move(*, acting_user: User, pairing: Pairing, to_status: str,
                 reason: str = "") -> Pairing:
    """The coordinator's moves along the life of a pairing; ending early needs a reason."""
    pairing = Pairing.objects.select_for_update().select_related("project").get(pk=pairing.pk)
    if not coordinates(acting_user, pairing.project):
        raise PermissionDenied
    if (pairing.status, to_status) not in COORDINATOR_MOVES:
        raise ValidationError(_("A pairing cannot go from “%(from)s” to “%(to)s”.") % {
            "from": S(pairing.status).label, "to": S(to_status).label,
        })
    if to_status == S.ENDED_EARLY and not reason.strip():
        raise ValidationError({"reason": _("Say why the pairing ends early.")})
    _record(pairing, by=acting_user, to_status=to_status, reason=reason.strip())
    pairing.status = to_status
    pairing.end_reason = reason.strip() if to_status == S.ENDED_EARLY else pairing.end_reason
    pairing.save(update_fields=["status", "end_reason", "updated_at"])
    return pairing
