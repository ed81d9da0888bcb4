"""Reports, feedback and exports belong to their pairing's (or project's) organisation.

On PostgreSQL, composite foreign keys refuse a row whose organisation is not its parent's
(programmes/migration_operations.py)."""

from django.db import migrations

from programmes.migration_operations import SameOrganisationAsParent


class Migration(migrations.Migration):
    dependencies = [
        ('reporting', '0001_initial'),
        ('matching', '0005_same_organisation_as_parent'),
    ]

    operations = [
        SameOrganisationAsParent(parents=[], links=[
            ('reporting_report', 'pairing_id', 'matching_pairing'),
            ('reporting_feedback', 'pairing_id', 'matching_pairing'),
            ('reporting_export', 'project_id', 'programmes_project'),
            ('reporting_export', 'pairing_id', 'matching_pairing'),
        ]),
    ]
