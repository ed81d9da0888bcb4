"""Pairings, their events, plans, visits, meetings and reminders belong to their parent's organisation.

On PostgreSQL only: a row's organisation must be its parent's. Each foreign key to another tenant
row gets a composite foreign key (fk_id, organisation_id) -> parent (id, organisation_id), which
needs a unique (id, organisation_id) on the parent. Like Django's own foreign keys they are
DEFERRABLE INITIALLY DEFERRED with no ON DELETE (Django emulates CASCADE and SET NULL itself),
and MATCH SIMPLE ignores a row whose foreign key is NULL. Django's model state does not know
them, so makemigrations has nothing to say; SQLite relies on TenantModel.save() and clean()."""

from django.db import migrations

# Tables other rows point at: (table,)
PARENTS = ['matching_pairing', 'matching_activityplan']
# (child table, foreign key column, parent table)
SAME_ORGANISATION = [('matching_pairing', 'project_id', 'programmes_project'), ('matching_pairing', 'call_id', 'programmes_call'), ('matching_pairing', 'mentee_application_id', 'participants_application'), ('matching_pairing', 'mentor_application_id', 'participants_application'), ('matching_pairing', 'engine_proposal_id', 'participants_application'), ('matching_pairingevent', 'pairing_id', 'matching_pairing'), ('matching_activityplan', 'pairing_id', 'matching_pairing'), ('matching_plannedvisit', 'plan_id', 'matching_activityplan'), ('matching_meeting', 'pairing_id', 'matching_pairing'), ('matching_reminder', 'pairing_id', 'matching_pairing'), ('matching_reminder', 'call_id', 'programmes_call'), ('matching_reminder', 'project_id', 'programmes_project')]


def _unique_name(table):
    return f"{table}_id_org_uniq"


def _fk_name(table, column):
    return f"{table}_{column}_same_org"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    q = schema_editor.quote_name
    for table in PARENTS:
        schema_editor.execute(
            f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(_unique_name(table))} "
            f"UNIQUE (id, organisation_id)"
        )
    for table, column, parent in SAME_ORGANISATION:
        schema_editor.execute(
            f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(_fk_name(table, column))} "
            f"FOREIGN KEY ({q(column)}, organisation_id) "
            f"REFERENCES {q(parent)} (id, organisation_id) DEFERRABLE INITIALLY DEFERRED"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    q = schema_editor.quote_name
    for table, column, _parent in reversed(SAME_ORGANISATION):
        schema_editor.execute(
            f"ALTER TABLE {q(table)} DROP CONSTRAINT IF EXISTS {q(_fk_name(table, column))}"
        )
    for table in reversed(PARENTS):
        schema_editor.execute(
            f"ALTER TABLE {q(table)} DROP CONSTRAINT IF EXISTS {q(_unique_name(table))}"
        )


class Migration(migrations.Migration):
    dependencies = [('matching', '0004_meetings_and_reminders'), ('participants', '0008_same_organisation_as_parent')]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
