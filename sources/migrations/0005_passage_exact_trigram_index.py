"""A trigram index over the passages' quoted text, for the claims' admin search
(config.admin_search), which finds a claim by the passage it quotes.

Django's admin searches with `UPPER(exact::text) LIKE UPPER('%term%')`; this index is on that
expression, so PostgreSQL can find a term among a million passages without reading each. It is
built CONCURRENTLY, so a deployment adding it does not block writes to the passages while it
builds (51 s at a million passages). Other databases skip it.
"""

from django.db import migrations

from config.migration_indexes import create_index_concurrently


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    # pg_trgm is made by claims' 0003, and dropped only when that is reversed: an extension
    # operation here would try to drop it with the actors' trigram index still on it.
    dependencies = [("sources", "0004_create_cache_table"), ("claims", "0003_search_vectors_and_actor_trigram")]

    operations = [
        create_index_concurrently(
            "passage_exact_upper_trgm_idx", "sources_passage", "gin (UPPER(exact) gin_trgm_ops)"
        ),
    ]
