"""Nominations, applications, their languages and status changes belong to their call's organisation.

On PostgreSQL, composite foreign keys refuse a row whose organisation is not its parent's
(programmes/migration_operations.py)."""

from django.db import migrations

from programmes.migration_operations import SameOrganisationAsParent


class Migration(migrations.Migration):
    dependencies = [
        ('participants', '0007_meetings_and_reminders'),
        ('programmes', '0005_same_organisation_as_parent'),
    ]

    operations = [
        SameOrganisationAsParent(parents=[
            'participants_invitation',
            'participants_nomination',
            'participants_application',
        ], links=[
            ('participants_nomination', 'thematic_area_id', 'programmes_thematicarea'),
            ('participants_nomination', 'call_id', 'programmes_call'),
            ('participants_application', 'thematic_area_id', 'programmes_thematicarea'),
            ('participants_application', 'call_id', 'programmes_call'),
            ('participants_application', 'nomination_id', 'participants_nomination'),
            ('participants_application', 'invitation_id', 'participants_invitation'),
            ('participants_applicationlanguage', 'application_id', 'participants_application'),
            ('participants_statuschange', 'call_id', 'programmes_call'),
            ('participants_statuschange', 'nomination_id', 'participants_nomination'),
            ('participants_statuschange', 'application_id', 'participants_application'),
        ]),
    ]
