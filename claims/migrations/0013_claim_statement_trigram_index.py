"""A trigram index over the claims' statements, for the admin's search (config.admin_search).

Django's admin searches with `UPPER(statement::text) LIKE UPPER('%term%')`; this index is on
that expression (pg_trgm, made in 0003), so PostgreSQL can find a term among a million
statements without reading each. It is built CONCURRENTLY, so a deployment adding it does not
block writes to the claims while it builds (26 s at a million claims). Other databases skip
it.
"""

from django.db import migrations

from config.migration_indexes import create_index_concurrently


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [("claims", "0012_published_search_indexes")]

    operations = [
        create_index_concurrently(
            "claim_statement_upper_trgm_idx", "claims_claim", "gin (UPPER(statement) gin_trgm_ops)"
        ),
    ]
