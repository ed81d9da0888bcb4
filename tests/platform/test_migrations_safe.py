"""Upgrades without downtime: while `migrate` runs and the web and worker processes roll over, the
release still serving reads and writes the new schema. So a migration may only *expand* it: no
column or table dropped or renamed in one step, and every new column is one the old code's
INSERT (which does not name it) can leave out: nullable, or with a database default
(`db_default`; a Python `default` lives in the new code only). A column is made NOT NULL, or
dropped, in a later release, once no serving code writes NULL into it or reads it (README,
"Upgrading")."""

from typing import Any

from django.db import models
from django.db.migrations import Migration, operations
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import ProjectState
from django.db.models.fields import NOT_PROVIDED

APPS = {"programmes", "participants", "matching", "reporting", "api"}

# Migrations that would break the release before them, each with why that is acceptable. All of
# these came before this check and before the first release (0.1.0): no older version ever served
# against the schema before them, so nothing was left to break. A new *contract* step (dropping a
# column the previous release no longer uses) belongs here too, with the release that stopped
# using it as its reason.
FIRST_RELEASE = "before the first release"
ALLOWED: dict[str, str] = {
    "programmes.0003_matching_settings":
        f"{FIRST_RELEASE}: the project's matching weights, NOT NULL with a Python default",
    "programmes.0004_organisation_colour_organisation_logo_and_more":
        f"{FIRST_RELEASE}: the organisation's colour and logo, NOT NULL with a Python default",
    "programmes.0006_personal_data_register":
        f"{FIRST_RELEASE}: the organisation's retention periods, NOT NULL with a Python default",
    "programmes.0009_project_visit_budget":
        f"{FIRST_RELEASE}: the project's budget currency, NOT NULL with a Python default",
    "participants.0002_initial":
        f"{FIRST_RELEASE}: the second half of the app's initial migration (foreign keys split "
        "off by makemigrations)",
    "participants.0006_matching_settings":
        f"{FIRST_RELEASE}: the application's mentee capacity, NOT NULL with a Python default",
    "participants.0007_meetings_and_reminders":
        f"{FIRST_RELEASE}: the user's calendar token hash, NOT NULL with a Python default",
    "participants.0010_notification_subject":
        f"{FIRST_RELEASE}: the notification's subject, NOT NULL with a Python default",
    "matching.0003_pairing_overrides":
        f"{FIRST_RELEASE}: the pairing's broken rules, NOT NULL with a Python default",
    "matching.0010_meeting_corrected":
        f"{FIRST_RELEASE}: the meeting's corrected flag, NOT NULL with a Python default",
    "matching.0012_visit_budget_and_claims":
        f"{FIRST_RELEASE}: the meeting's claim note and status, NOT NULL with a Python default",
}


def _column(name: str, field: Any) -> str:
    field = field.clone()
    field.set_attributes_from_name(name)
    return str(field.column)


def rolling_upgrade_hazards(app_label: str, migration: Migration, state: ProjectState) -> list[str]:
    """What in `migration` would break the release still serving the schema before it; `state`
    (the project's state before the migration) is carried forward through its operations."""
    hazards = []
    created = set()  # a table this migration creates: no serving code uses it yet
    for index, operation in enumerate(migration.operations):
        if isinstance(operation, operations.CreateModel):
            created.add(operation.name_lower)
        # Only what reaches the database counts: a state-only removal is how a field leaves the
        # models a release before its column is dropped.
        database_operations = (
            operation.database_operations
            if isinstance(operation, operations.SeparateDatabaseAndState)
            else [operation]
        )
        for database_operation in database_operations:
            if getattr(database_operation, "model_name_lower", None) in created:
                continue
            problem = _hazard(app_label, database_operation, state)
            if problem:
                hazards.append(f"{app_label}.{migration.name} operation {index} "
                               f"({database_operation.describe()}): {problem}")
        operation.state_forwards(app_label, state)
    return hazards


def _hazard(app_label: str, operation: Any, state: ProjectState) -> str | None:
    if isinstance(operation, operations.RemoveField | operations.DeleteModel):
        return ("drops what the serving code still reads: stop using it first, drop it a "
                "release later")
    if isinstance(operation, operations.RenameField | operations.RenameModel
                  | operations.AlterModelTable):
        return ("renames what the serving code still names: add the new one, copy, drop the "
                "old one later")
    if isinstance(operation, operations.AddField):
        field = operation.field
        if (field.many_to_many or field.null or field.db_default is not NOT_PROVIDED
                or isinstance(field, models.GeneratedField)):
            return None
        return ("a NOT NULL column without db_default: the serving code's INSERTs leave it out; "
                "make it nullable or give it a db_default")
    if isinstance(operation, operations.AlterField):
        before = state.models[app_label, operation.model_name_lower].fields[operation.name]
        after = operation.field
        if _column(operation.name, before) != _column(operation.name, after):
            return "renames a column the serving code still names"
        # A database default does not help here: the serving code names the column and may
        # write NULL into it.
        if before.null and not after.null:
            return ("makes a nullable column NOT NULL: the serving code may still write NULL; "
                    "do it a release after the code that always fills it")
    return None


def project_hazards() -> list[str]:
    """Every hazard in the project's apps' migrations, in the order `migrate` applies them."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    plan: list[tuple[str, str]] = []
    for leaf in sorted(loader.graph.leaf_nodes()):
        plan += [node for node in loader.graph.forwards_plan(leaf) if node not in plan]
    state = ProjectState(real_apps=loader.unmigrated_apps)
    hazards = []
    for app_label, name in plan:
        migration = loader.graph.nodes[app_label, name]
        found = rolling_upgrade_hazards(app_label, migration, state)
        if app_label in APPS:
            hazards += found
    return hazards


def _migration(hazard: str) -> str:
    return hazard.split(" ", 1)[0]


def test_no_migration_breaks_the_release_still_serving() -> None:
    unexpected = [hazard for hazard in project_hazards() if _migration(hazard) not in ALLOWED]
    assert not unexpected, "\n".join(unexpected)


def test_every_allowed_migration_still_needs_it() -> None:
    # An entry that matches nothing (a migration renamed or squashed) is dead weight in the list
    # a reviewer reads.
    needed = {_migration(hazard) for hazard in project_hazards()}
    assert set(ALLOWED) - needed == set()


def test_the_check_catches_drops_renames_and_columns_old_code_cannot_fill() -> None:
    state = MigrationLoader(None, ignore_no_migrations=True).project_state()

    class Bad(Migration):
        operations = [
            operations.RemoveField("organisation", "unit"),
            operations.AddField("organisation", "motto", models.TextField(default="")),
            operations.AddField("organisation", "motto_nullable", models.TextField(null=True)),
            operations.AddField("organisation", "motto_db", models.TextField(db_default="")),
            operations.RenameField("organisation", "short_name", "acronym"),
            operations.AlterField("organisation", "slug", models.SlugField(db_column="address")),
            operations.SeparateDatabaseAndState(
                state_operations=[operations.RemoveField("organisation", "motto_db")]),
            operations.DeleteModel("country"),
            operations.CreateModel("Motto", [("id", models.BigAutoField(primary_key=True))]),
            operations.AddField("motto", "text", models.TextField()),
        ]

    hazards = rolling_upgrade_hazards("programmes", Bad("0999_bad", "programmes"), state)

    assert [hazard.split(" (")[0] for hazard in hazards] == [
        "programmes.0999_bad operation 0",
        "programmes.0999_bad operation 1",
        "programmes.0999_bad operation 4",
        "programmes.0999_bad operation 5",
        "programmes.0999_bad operation 7",
    ]
    assert "NOT NULL column without db_default" in hazards[1]


def test_the_check_catches_a_nullable_column_made_not_null() -> None:
    state = MigrationLoader(None, ignore_no_migrations=True).project_state()

    class Expand(Migration):
        operations = [operations.AddField("organisation", "motto", models.TextField(null=True))]

    class Contract(Migration):
        operations = [operations.AlterField("organisation", "motto", models.TextField())]

    expand, contract = Expand("0998_expand", "programmes"), Contract("0999_contract", "programmes")
    assert rolling_upgrade_hazards("programmes", expand, state) == []
    (hazard,) = rolling_upgrade_hazards("programmes", contract, state)
    assert "makes a nullable column NOT NULL" in hazard
