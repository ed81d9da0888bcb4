"""Pairings, their events, plans, visits, meetings and reminders belong to their parent's organisation.

On PostgreSQL, composite foreign keys refuse a row whose organisation is not its parent's
(programmes/migration_operations.py)."""

from django.db import migrations

from programmes.migration_operations import SameOrganisationAsParent


class Migration(migrations.Migration):
    dependencies = [
        ('matching', '0004_meetings_and_reminders'),
        ('participants', '0008_same_organisation_as_parent'),
    ]

    operations = [
        SameOrganisationAsParent(parents=[
            'matching_pairing',
            'matching_activityplan',
        ], links=[
            ('matching_pairing', 'project_id', 'programmes_project'),
            ('matching_pairing', 'call_id', 'programmes_call'),
            ('matching_pairing', 'mentee_application_id', 'participants_application'),
            ('matching_pairing', 'mentor_application_id', 'participants_application'),
            ('matching_pairing', 'engine_proposal_id', 'participants_application'),
            ('matching_pairingevent', 'pairing_id', 'matching_pairing'),
            ('matching_activityplan', 'pairing_id', 'matching_pairing'),
            ('matching_plannedvisit', 'plan_id', 'matching_activityplan'),
            ('matching_meeting', 'pairing_id', 'matching_pairing'),
            ('matching_reminder', 'pairing_id', 'matching_pairing'),
            ('matching_reminder', 'call_id', 'programmes_call'),
            ('matching_reminder', 'project_id', 'programmes_project'),
        ]),
    ]
