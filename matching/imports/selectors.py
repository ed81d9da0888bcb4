"""What an import reads: the import itself (for the project's managers alone), and what the
database holds that the check needs, in a fixed number of queries whatever the file's size."""

from django.core.cache import cache
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from matching.imports.check import Known, KnownPairing, country_names
from matching.imports.models import ProgrammeImport
from matching.models import ActivityPlan, Meeting, Pairing
from participants.models import Membership
from programmes import access
from programmes.actor import Actor
from programmes.models import Country, Project, ThematicArea


def import_for_manager(*, actor: Actor, pk: int) -> ProgrammeImport:
    """An import is its project's managers' (admins and the project's coordinators): anyone
    else's, like another organisation's or a missing one, is not found."""
    found = get_object_or_404(
        ProgrammeImport.objects.for_org(actor.organisation).select_related("project")
        .defer("content"), pk=pk)
    if not access.may(actor=actor, action="manage", obj=found.project):
        raise Http404
    return found


def known_for(project: Project) -> Known:
    """Seven queries: the countries, the project's areas, its pairings with their approved
    plans, their meetings and the organisation's members."""
    organisation = project.organisation
    areas = list(ThematicArea.objects.for_org(organisation).filter(project=project)
                 .order_by("name").values_list("pk", "name"))
    pairs = Pairing.objects.for_org(organisation).filter(project=project).values_list(
        "mentee__email", "mentor__email", "status", "pk")
    pairs_read = [(mentee.lower(), mentor.lower(), status, pk)
                  for mentee, mentor, status, pk in pairs]
    plans = {pairing_id: (start, months) for pairing_id, start, months in
             ActivityPlan.objects.for_org(organisation).filter(
                 pairing__project=project, status=ActivityPlan.Status.APPROVED)
             .values_list("pairing_id", "start", "duration_months")}
    meetings: set = set()
    funded_days: dict = {}
    for pairing_id, day, kind, funded in Meeting.objects.for_org(organisation).filter(
            pairing__project=project).values_list("pairing_id", "day", "kind", "funded"):
        meetings.add((pairing_id, day, kind))
        if funded:
            funded_days.setdefault(pairing_id, []).append(day)
    return Known(
        rules=project.rules,
        countries=country_names(list(Country.objects.values_list("code", "name"))),
        areas={name.lower(): pk for pk, name in areas},
        area_names=[name for _pk, name in areas],
        pairs={(mentee, mentor) for mentee, mentor, _status, _pk in pairs_read},
        live_mentees={mentee for mentee, _mentor, status, _pk in pairs_read
                      if status in Pairing.LIVE},
        members={email.lower() for email in Membership.objects.for_org(organisation)
                 .values_list("user__email", flat=True)},
        today=timezone.localdate(),
        pairings={(mentee, mentor): KnownPairing(pk, status, *plans.get(pk, (None, None)))
                  for mentee, mentor, status, pk in pairs_read},
        meetings=meetings, funded_days=funded_days,
    )


def progress_key(import_id: int) -> str:
    return f"import-progress-{import_id}"


def import_progress(programme_import: ProgrammeImport) -> int:
    """How far an import has come, in per cent. The import runs in one transaction, which
    nothing else sees before its end: the worker tells its steps through the cache meanwhile."""
    told = cache.get(progress_key(programme_import.pk)) or 0
    return max(programme_import.progress, int(told))
