"""Thematic areas and calls belong to their project's organisation.

On PostgreSQL, composite foreign keys refuse a row whose organisation is not its parent's
(programmes/migration_operations.py)."""

from django.db import migrations

from programmes.migration_operations import SameOrganisationAsParent


class Migration(migrations.Migration):
    dependencies = [
        ('programmes', '0004_organisation_colour_organisation_logo_and_more'),
    ]

    operations = [
        SameOrganisationAsParent(parents=[
            'programmes_project',
            'programmes_thematicarea',
            'programmes_call',
        ], links=[
            ('programmes_thematicarea', 'project_id', 'programmes_project'),
            ('programmes_call', 'project_id', 'programmes_project'),
        ]),
    ]
