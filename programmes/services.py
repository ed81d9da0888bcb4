"""Every write to programme data. Each takes the actor, asks programmes.access whether they may,
and saves only what it changes; only a new organisation has no actor (see organisation_create)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from programmes import access, signals
from programmes.actor import Actor, Role
from programmes.models import Call, Country, Organisation, Project, ThematicArea
from programmes.signals import call_countries_invited, call_status_changing

PROJECT_FIELDS = ["name", "slug", "kind", "region", "aim", "is_active"]
CALL_FIELDS = [
    "title", "min_years_of_service", "working_languages", "female_only", "places_per_country",
    "deadline", "allow_self_nomination",
]
RULE_FIELDS = [
    "duration_min_months",
    "duration_max_months",
    "first_visit_within_months",
    "funded_visit_period_months",
    "funded_visits_until_month",
    "online_meetings_per_month",
    "interim_report_grace_days",
    "narrative_report_due_days",
    "narrative_report_grace_days",
    "mentors_from_eu_only",
    "mentees_from_partner_countries_only",
]
# Edited with the rules: the budget for funded visits, its currency, and the ceiling per pair.
BUDGET_FIELDS = ["visit_budget", "budget_currency", "visit_ceiling_per_pair"]


@transaction.atomic
def organisation_create(*, name: str, short_name: str, slug: str) -> Organisation:
    """A new organisation. Nobody acts in it yet: the platform's operators open it from the
    command line (participants' `manage.py create_organisation`, which also invites its first
    admin). Refused, with the field's message, for an address taken or reserved."""
    organisation = Organisation(name=name.strip(), short_name=short_name.strip(),
                                slug=slug.strip())
    organisation.full_clean()
    organisation.save()
    return organisation


@transaction.atomic
def project_create(
    *, actor: Actor, project: Project, partner_countries: list[Country],
) -> Project:
    """A new project of the actor's organisation (its admins make projects)."""
    access.require_role(actor=actor, roles=[Role.ADMIN])
    project.organisation = actor.organisation
    project.full_clean()
    project.save()
    project.partner_countries.set(partner_countries)
    return project


@transaction.atomic
def project_update(
    *, actor: Actor, project: Project, partner_countries: list[Country]
) -> Project:
    access.require_role(actor=actor, roles=[Role.ADMIN])
    access.require(actor=actor, action="manage", obj=project)
    project.full_clean()
    project.save(update_fields=[*PROJECT_FIELDS, "updated_at"])
    project.partner_countries.set(partner_countries)
    return project


@transaction.atomic
def project_rules_update(*, actor: Actor, project: Project) -> Project:
    access.require(actor=actor, action="manage", obj=project)
    project.full_clean()
    project.save(update_fields=[*RULE_FIELDS, *BUDGET_FIELDS, "updated_at"])
    signals.project_rules_changed.send(sender=Project, project=project)
    return project


@transaction.atomic
def thematic_area_add(
    *, actor: Actor, project: Project, name: str
) -> ThematicArea:
    access.require(actor=actor, action="manage", obj=project)
    area = ThematicArea(organisation=project.organisation, project=project, name=name.strip())
    area.full_clean()
    area.save()
    return area


@transaction.atomic
def thematic_area_remove(*, actor: Actor, area: ThematicArea) -> None:
    access.require(actor=actor, action="manage", obj=area.project)
    area.delete()


@transaction.atomic
def call_save(
    *, actor: Actor, call: Call, invited_countries: list[Country],
    thematic_areas: list[ThematicArea],
) -> Call:
    """Creates or edits a call. What is wanted can change until it closes; once open, invited
    countries can be added (their focal points are told) but not removed, since their
    nominations stand. The status is never written here."""
    # The call's project (a new call's, or the one an edit moves it to) is the actor's to manage.
    access.require(actor=actor, action="manage", obj=call.project)
    # Two calls under way with one title cannot be told apart by focal points and candidates
    # (in their mails, lists and the dashboard); a closed call's title may be used again.
    if Call.objects.for_org(call.organisation).filter(
        project=call.project_id, title__iexact=call.title.strip(),
    ).exclude(status=Call.Status.CLOSED).exclude(pk=call.pk).exists():
        raise ValidationError({"title": _(
            "Another call of this project under way has this title: give this one its own, so "
            "that focal points and candidates can tell them apart."
        )})
    added: list[Country] = []
    if call.pk:
        current = Call.objects.for_org(call.organisation).select_for_update().get(pk=call.pk)
        if current.status == Call.Status.CLOSED:
            raise ValidationError(_("A closed call cannot be changed."))
        call.status = current.status
        before = set(current.invited_countries.all())
        if current.status == Call.Status.OPEN:
            if before - set(invited_countries):
                raise ValidationError({"invited_countries": _(
                    "The call is open: invited countries can be added, not removed."
                )})
            added = [country for country in invited_countries if country not in before]
        call.full_clean()
        call.save(update_fields=[*CALL_FIELDS, "updated_at"])
    else:
        call.full_clean()
        call.save()
    call.invited_countries.set(invited_countries)
    call.thematic_areas.set(thematic_areas)
    if added:
        call_countries_invited.send(sender=Call, call=call, countries=added)
    return call


@transaction.atomic
def call_open(*, actor: Actor, call: Call) -> Call:
    """Opens a draft call; the focal points of the invited countries are told by e-mail (after
    the commit) and in the app."""
    call = Call.objects.for_org(call.organisation).select_for_update().get(pk=call.pk)
    access.require(actor=actor, action="manage", obj=call)
    if call.status != Call.Status.DRAFT:
        raise ValidationError(_("Only a draft call can be opened."))
    if call.deadline <= timezone.now():
        raise ValidationError(_("The deadline has passed: move it before opening the call."))
    if not call.invited_countries.exists():
        raise ValidationError(_("Invite at least one country before opening the call."))
    call_status_changing.send(sender=Call, call=call, acting_user=actor.user,
                              to_status=Call.Status.OPEN)
    call.status = Call.Status.OPEN
    call.opened_at = timezone.now()
    call.save(update_fields=["status", "opened_at", "updated_at"])
    call_countries_invited.send(sender=Call, call=call, countries=list(
        call.invited_countries.all()))
    return call


@transaction.atomic
def call_close(*, actor: Actor, call: Call) -> Call:
    call = Call.objects.for_org(call.organisation).select_for_update().get(pk=call.pk)
    access.require(actor=actor, action="manage", obj=call)
    if call.status != Call.Status.OPEN:
        raise ValidationError(_("Only an open call can be closed."))
    call_status_changing.send(sender=Call, call=call, acting_user=actor.user,
                              to_status=Call.Status.CLOSED)
    call.status = Call.Status.CLOSED
    call.closed_at = timezone.now()
    call.save(update_fields=["status", "closed_at", "updated_at"])
    return call
