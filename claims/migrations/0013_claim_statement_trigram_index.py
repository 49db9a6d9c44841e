"""A trigram index over the claims' statements, for the admin's search (config.admin_search).

Django's admin searches with `UPPER(statement::text) LIKE UPPER('%term%')`; this index is on
that expression (pg_trgm, made in 0003), so PostgreSQL can find a term among a million
statements without reading each. It is built CONCURRENTLY, so a deployment adding it does not
block writes to the claims while it builds (26 s at a million claims). Other databases skip
this migration's SQL.
"""

from django.db import migrations

INDEX = "claim_statement_upper_trgm_idx"


def _create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON claims_claim USING gin (UPPER(statement) gin_trgm_ops)"
    )


def _drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [("claims", "0012_published_search_indexes")]

    operations = [migrations.RunPython(_create, _drop, elidable=False)]
