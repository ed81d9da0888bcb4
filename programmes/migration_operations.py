"""A migration operation that every app's tenant tables share (each app's
`*_same_organisation_as_parent` migration uses it).

On PostgreSQL only: a row's organisation must be its parent's. Each foreign key to another tenant
row gets a composite foreign key (fk_id, organisation_id) -> parent (id, organisation_id), which
needs a unique (id, organisation_id) on the parent. Like Django's own foreign keys they are
DEFERRABLE INITIALLY DEFERRED with no ON DELETE (Django emulates CASCADE and SET NULL itself),
and MATCH SIMPLE ignores a row whose foreign key is NULL. Django's model state does not know
them, so makemigrations has nothing to say; SQLite relies on TenantModel.save() and clean()."""

from typing import Any

from django.db.migrations.operations.base import Operation


class SameOrganisationAsParent(Operation):
    """`parents`: tables other rows point at; `links`: (child table, foreign key column,
    parent table)."""

    reversible = True
    reduces_to_sql = False

    def __init__(self, *, parents: list[str], links: list[tuple[str, str, str]]) -> None:
        self.parents = parents
        self.links = links

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return (self.__class__.__name__, [], {"parents": self.parents, "links": self.links})

    def state_forwards(self, app_label: str, state: Any) -> None:
        pass  # the model state does not know database-only constraints

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any,
                          to_state: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        q = schema_editor.quote_name
        for table in self.parents:
            schema_editor.execute(
                f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(_unique_name(table))} "
                f"UNIQUE (id, organisation_id)"
            )
        for table, column, parent in self.links:
            schema_editor.execute(
                f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(_fk_name(table, column))} "
                f"FOREIGN KEY ({q(column)}, organisation_id) "
                f"REFERENCES {q(parent)} (id, organisation_id) DEFERRABLE INITIALLY DEFERRED"
            )

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any,
                           to_state: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        q = schema_editor.quote_name
        for table, column, _parent in reversed(self.links):
            schema_editor.execute(
                f"ALTER TABLE {q(table)} DROP CONSTRAINT IF EXISTS {q(_fk_name(table, column))}"
            )
        for table in reversed(self.parents):
            schema_editor.execute(
                f"ALTER TABLE {q(table)} DROP CONSTRAINT IF EXISTS {q(_unique_name(table))}"
            )

    def describe(self) -> str:
        return (f"Same organisation as the parent: {len(self.links)} composite foreign keys "
                f"(PostgreSQL only)")


def _unique_name(table: str) -> str:
    return f"{table}_id_org_uniq"


def _fk_name(table: str, column: str) -> str:
    return f"{table}_{column}_same_org"
