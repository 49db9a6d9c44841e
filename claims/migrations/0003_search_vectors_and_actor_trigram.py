"""Full-text search on PostgreSQL for claims and forecasts, and spelling-tolerant actor lookup.

Stored tsvector columns (generated from the row, so every write path keeps them current)
with GIN indexes, and a pg_trgm GIN index on actor names. Other databases skip this
migration's SQL and search with a LIKE fallback (config/search.py).
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

FORWARD = [
    """
    ALTER TABLE claims_claim ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        to_tsvector('english', coalesce(statement, ''))
    ) STORED
    """,
    "CREATE INDEX claim_search_idx ON claims_claim USING gin (search_vector)",
    """
    ALTER TABLE claims_forecast ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', coalesce(outcome, '')), 'A')
        || setweight(to_tsvector('english', coalesce(likelihood_phrase, '') || ' '
                                 || coalesce(horizon_text, '')), 'B')
        || setweight(to_tsvector('english', coalesce(condition, '') || ' '
                                 || coalesce(resolution_criteria, '')), 'C')
    ) STORED
    """,
    "CREATE INDEX forecast_search_idx ON claims_forecast USING gin (search_vector)",
    "CREATE INDEX actor_name_trgm_idx ON claims_actor USING gin (name gin_trgm_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS actor_name_trgm_idx",
    "DROP INDEX IF EXISTS forecast_search_idx",
    "ALTER TABLE claims_forecast DROP COLUMN IF EXISTS search_vector",
    "DROP INDEX IF EXISTS claim_search_idx",
    "ALTER TABLE claims_claim DROP COLUMN IF EXISTS search_vector",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("claims", "0002_initial")]

    operations = [
        # CreateExtension itself does nothing on databases other than PostgreSQL.
        TrigramExtension(),
        migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False),
    ]
