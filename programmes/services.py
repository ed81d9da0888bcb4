"""Every write to programme data. Each takes the acting user and saves only what it changes."""

from django.db import transaction

from participants.models import User
from programmes.models import Country, Organisation, Project, ThematicArea

PROJECT_FIELDS = ["name", "slug", "kind", "region", "aim", "is_active"]
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
