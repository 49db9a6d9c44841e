# Written by hand on 2026-11-27: the stored track records move from one jsonb column to one
# text column per scope, each holding the JSON a track record reads.

import orjson
from django.db import migrations, models

SCOPES = {"all": "records_all", "published": "records_published"}
BATCH = 100


def records_to_text(apps, schema_editor):
    """Each row's scopes written out as JSON text; a row without records keeps empty columns
    (the services compute them on the next change, a track record on its next read)."""
    summaries = apps.get_model("claims", "ActorScoreSummary")
    rows = summaries.objects.using(schema_editor.connection.alias).only("actor_id", "records")
    batch = []
    for row in rows.iterator(chunk_size=BATCH):
        if not all(scope in row.records for scope in SCOPES):
            continue
        for scope, field in SCOPES.items():
            setattr(row, field, orjson.dumps(row.records[scope]).decode())
        batch.append(row)
        if len(batch) == BATCH:
            summaries.objects.bulk_update(batch, list(SCOPES.values()))
            batch = []
    if batch:
        summaries.objects.bulk_update(batch, list(SCOPES.values()))


def text_to_records(apps, schema_editor):
    summaries = apps.get_model("claims", "ActorScoreSummary")
    rows = summaries.objects.using(schema_editor.connection.alias).only("actor_id", *SCOPES.values())
    for row in rows.iterator(chunk_size=BATCH):
        if all(getattr(row, field) for field in SCOPES.values()):
            row.records = {scope: orjson.loads(getattr(row, field)) for scope, field in SCOPES.items()}
            row.save(update_fields=["records"])


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0006_claimant_topic_count_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="actorscoresummary",
            name="records_all",
            field=models.TextField(default=""),
        ),
        migrations.AddField(
            model_name="actorscoresummary",
            name="records_published",
            field=models.TextField(default=""),
        ),
        migrations.RunPython(records_to_text, text_to_records, elidable=True),
        migrations.RemoveField(
            model_name="actorscoresummary",
            name="records",
        ),
    ]
