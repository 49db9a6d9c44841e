"""A trigram index over the forecasts' own searched fields, for the admin's search
(config.admin_search, ForecastAdmin).

Django's admin searches the outcome, the likelihood phrase and the horizon's text with
`UPPER(field::text) LIKE UPPER('%term%')`; this index holds those three expressions (pg_trgm,
made in 0003), and a GIN index over several columns serves a condition on any of them, so a
term is found among the forecasts without reading each. The claim's statement it also
searches has its own index (0013). Built CONCURRENTLY, so a deployment adding it does not block
writes to the forecasts while it builds. Other databases skip it.
"""

from django.db import migrations

from config.migration_indexes import create_index_concurrently


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [("claims", "0013_claim_statement_trigram_index")]

    operations = [
        create_index_concurrently(
            "forecast_search_upper_trgm_idx",
            "claims_forecast",
            "gin (UPPER(outcome) gin_trgm_ops, UPPER(likelihood_phrase) gin_trgm_ops,"
            " UPPER(horizon_text) gin_trgm_ops)",
        ),
    ]
