"""Nominations, applications, their languages and status changes belong to their call's organisation.

On PostgreSQL only: a row's organisation must be its parent's. Each foreign key to another tenant
row gets a composite foreign key (fk_id, organisation_id) -> parent (id, organisation_id), which
needs a unique (id, organisation_id) on the parent. Like Django's own foreign keys they are
DEFERRABLE INITIALLY DEFERRED with no ON DELETE (Django emulates CASCADE and SET NULL itself),
and MATCH SIMPLE ignores a row whose foreign key is NULL. Django's model state does not know
them, so makemigrations has nothing to say; SQLite relies on TenantModel.save() and clean()."""

from django.db import migrations

# Tables other rows point at: (table,)
PARENTS = ['participants_invitation', 'participants_nomination', 'participants_application']
# (child table, foreign key column, parent table)
SAME_ORGANISATION = [('participants_nomination', 'thematic_area_id', 'programmes_thematicarea'), ('participants_nomination', 'call_id', 'programmes_call'), ('participants_application', 'thematic_area_id', 'programmes_thematicarea'), ('participants_application', 'call_id', 'programmes_call'), ('participants_application', 'nomination_id', 'participants_nomination'), ('participants_application', 'invitation_id', 'participants_invitation'), ('participants_applicationlanguage', 'application_id', 'participants_application'), ('participants_statuschange', 'call_id', 'programmes_call'), ('participants_statuschange', 'nomination_id', 'participants_nomination'), ('participants_statuschange', 'application_id', 'participants_application')]


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
    dependencies = [('participants', '0007_meetings_and_reminders'), ('programmes', '0005_same_organisation_as_parent')]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
