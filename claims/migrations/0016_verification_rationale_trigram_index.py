"""A trigram index over the verdicts' rationales, for the admin's search (config.admin_search,
VerificationAdmin).

Django's admin searches a verdict's rationale and its forecast's outcome with
`UPPER(field::text) LIKE UPPER('%term%')`; the outcome has its index (0014), and this one is on
the rationale's same expression (pg_trgm, made in 0003), so a term is found among the verdicts
without reading each. Built CONCURRENTLY, so a deployment adding it does not block the
fact-checkers' writes while it builds. Other databases skip it.
"""

from django.db import migrations

from config.migration_indexes import create_index_concurrently


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [("claims", "0015_forecast_verified_cells_index")]

    operations = [
        create_index_concurrently(
            "verification_rationale_upper_trgm_idx",
            "claims_verification",
            "gin (UPPER(rationale) gin_trgm_ops)",
        ),
    ]
