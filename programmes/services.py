"""Every write to programme data. Each takes the acting user and saves only what it changes."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from participants.models import User
from programmes.models import Call, Country, Organisation, Project, ThematicArea

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


@transaction.atomic
def project_create(
    *, acting_user: User, organisation: Organisation, project: Project,
    partner_countries: list[Country],
) -> Project:
    project.organisation = organisation
    project.full_clean()
    project.save()
    project.partner_countries.set(partner_countries)
    return project


@transaction.atomic
def project_update(
    *, acting_user: User, project: Project, partner_countries: list[Country]
) -> Project:
    project.full_clean()
    project.save(update_fields=[*PROJECT_FIELDS, "updated_at"])
    project.partner_countries.set(partner_countries)
    return project


@transaction.atomic
def project_rules_update(*, acting_user: User, project: Project) -> Project:
    project.full_clean()
    project.save(update_fields=[*RULE_FIELDS, "updated_at"])
    return project


@transaction.atomic
def thematic_area_add(*, acting_user: User, project: Project, name: str) -> ThematicArea:
    area = ThematicArea(organisation=project.organisation, project=project, name=name.strip())
    area.full_clean()
    area.save()
    return area


@transaction.atomic
def thematic_area_remove(*, acting_user: User, area: ThematicArea) -> None:
    area.delete()


@transaction.atomic
def call_save(
    *, acting_user: User, call: Call, invited_countries: list[Country],
    thematic_areas: list[ThematicArea],
) -> Call:
    """Creates or edits a call. What is wanted can change until it closes; once open, invited
    countries can be added (their focal points are told) but not removed, since their
    nominations stand. The status is never written here."""
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
        _tell_focal_points(call, countries=added)
    return call


@transaction.atomic
def call_open(*, acting_user: User, call: Call) -> Call:
    """Opens a draft call; the focal points of the invited countries are told by e-mail (after
    the commit) and in the app."""
    from participants.services import record_status_change

    call = Call.objects.for_org(call.organisation).select_for_update().get(pk=call.pk)
    if call.status != Call.Status.DRAFT:
        raise ValidationError(_("Only a draft call can be opened."))
    if call.deadline <= timezone.now():
        raise ValidationError(_("The deadline has passed: move it before opening the call."))
    if not call.invited_countries.exists():
        raise ValidationError(_("Invite at least one country before opening the call."))
    record_status_change(acting_user=acting_user, subject=call, to_status=Call.Status.OPEN)
    call.status = Call.Status.OPEN
    call.opened_at = timezone.now()
    call.save(update_fields=["status", "opened_at", "updated_at"])
    _tell_focal_points(call)
    return call


def _tell_focal_points(call: Call, countries: list[Country] | None = None) -> None:
    from participants.selectors import focal_points_for_call
    from participants.services import notify

    for focal_point in focal_points_for_call(call=call):
        if countries is not None and focal_point.country not in countries:
            continue
        notify(
            user=focal_point.user, organisation=call.organisation,
            message=gettext_lazy(
                "Call open: %(title)s. Nominate candidates for %(country)s by %(deadline)s."
            ),
            params={"title": call.title, "country": focal_point.country.name,
                    "deadline": call.deadline.date().isoformat()},
            link=reverse("call_detail", args=[call.organisation.slug, call.pk]),
        )


@transaction.atomic
def call_close(*, acting_user: User, call: Call) -> Call:
    from participants.services import record_status_change

    call = Call.objects.for_org(call.organisation).select_for_update().get(pk=call.pk)
    if call.status != Call.Status.OPEN:
        raise ValidationError(_("Only an open call can be closed."))
    record_status_change(acting_user=acting_user, subject=call, to_status=Call.Status.CLOSED)
    call.status = Call.Status.CLOSED
    call.closed_at = timezone.now()
    call.save(update_fields=["status", "closed_at", "updated_at"])
    return call
