"""Full-text indexes of the published claims and forecasts alone, for the public's searches.

An anonymous search asks for published rows only, but the GIN indexes of migration 0003 hold
every row: PostgreSQL visited each draft and rejected match in the table before dropping it
(4,530 of the 16,317 claims matching "nord stream" at a million claims). A partial index
on the same condition the lists filter by (`review_state = 'published'`, claims.selectors)
leaves those out. The full indexes stay for staff, who may see every state. Other databases
skip this migration's SQL, as they skip 0003's.
"""

from django.db import migrations

INDEXES = {
    "claim_published_search_idx": "claims_claim",
    "forecast_published_search_idx": "claims_forecast",
}


def _create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX {name} ON {table} USING gin (search_vector) WHERE review_state = 'published'"
        )


def _drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("claims", "0011_forecast_open_indexes")]

    operations = [migrations.RunPython(_create, _drop, elidable=False)]
