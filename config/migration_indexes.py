"""Indexes that only PostgreSQL has, added by migrations without blocking writes.

A migration using these is `atomic = False`: CREATE INDEX CONCURRENTLY cannot run inside a
transaction. Other databases skip them.
"""

from django.db import migrations


def create_index_concurrently(name: str, table: str, definition: str) -> migrations.RunPython:
    """`CREATE INDEX CONCURRENTLY IF NOT EXISTS name ON table USING definition` on PostgreSQL,
    dropped the same way when the migration is reversed."""

    def create(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            statement = f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} USING {definition}"
            schema_editor.execute(statement)

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")

    return migrations.RunPython(create, drop, elidable=False)
