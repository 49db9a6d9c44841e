"""The verified forecasts' cells, for the leaderboard's counting (claims.track_records).

The index holds, for each forecast with a verdict, every column the counting statements read,
so PostgreSQL reads it alone instead of the forecasts' table. The statistics tell the planner
that the forecasts' (probability, interval, verdict) take few values together (119 at a
million claims, against the hundreds of thousands it supposed from each column alone), so it
counts them in a hash table instead of sorting every row on disk. SQLite has the index, not
the statistics.
"""

from django.db import migrations, models

STATISTICS = "forecast_cells_stats"


def create_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        forecast = apps.get_model("claims", "Forecast")._meta.db_table
        schema_editor.execute(
            f"CREATE STATISTICS IF NOT EXISTS {STATISTICS} (ndistinct) "
            f"ON probability, probability_low, probability_high, verdict FROM {forecast}"
        )
        schema_editor.execute(f"ANALYZE {forecast}")


def drop_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {STATISTICS}")


class Migration(migrations.Migration):
    dependencies = [("claims", "0014_forecast_search_trigram_index")]

    operations = [
        migrations.AddIndex(
            model_name="forecast",
            index=models.Index(
                condition=models.Q(("verdict", ""), _negated=True),
                fields=[
                    "claimant",
                    "probability",
                    "probability_low",
                    "probability_high",
                    "verdict",
                    "claim",
                    "likelihood_phrase",
                    "review_state",
                ],
                name="forecast_verified_cells_idx",
            ),
        ),
        migrations.RunPython(create_statistics, drop_statistics, elidable=False),
    ]
