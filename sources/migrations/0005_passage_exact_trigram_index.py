"""A trigram index over the passages' quoted text, for the claims' admin search
(config.admin_search), which finds a claim by the passage it quotes.

Django's admin searches with `UPPER(exact::text) LIKE UPPER('%term%')`; this index is on that
expression, so PostgreSQL can find a term among a million passages without reading each. It is
built CONCURRENTLY, so a deployment adding it does not block writes to the passages while it
builds (51 s at a million passages). Other databases skip this migration's SQL.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEX = "passage_exact_upper_trgm_idx"


def _create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON sources_passage USING gin (UPPER(exact) gin_trgm_ops)"
    )


def _drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [("sources", "0004_create_cache_table")]

    operations = [
        # pg_trgm, as claims' migration 0003 makes it; nothing on other databases.
        TrigramExtension(),
        migrations.RunPython(_create, _drop, elidable=False),
    ]
