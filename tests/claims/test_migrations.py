"""Migrations that move stored data: nothing is lost on the way forward or back."""

import orjson
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

RECORDS_AS_JSONB = ("claims", "0006_claimant_topic_count_indexes")
RECORDS_AS_TEXT = ("claims", "0007_score_summary_records_as_text")
RECORDS = {
    "all": {"claimant": {"count": 3, "mean_brier": 0.105625, "by_topic": [{"id": 7, "name": ""}]}},
    "published": {"claimant": {"count": 1, "mean_brier": None, "by_topic": []}},
}


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


@pytest.mark.django_db(transaction=True)
def test_score_summary_records_move_to_one_text_column_per_scope_and_back():
    try:
        apps = migrate(RECORDS_AS_JSONB)
        actor = apps.get_model("claims", "Actor").objects.create(name="Kremlin", kind="state")
        quiet = apps.get_model("claims", "Actor").objects.create(name="Quiet", kind="person")
        summaries = apps.get_model("claims", "ActorScoreSummary")
        summaries.objects.create(actor=actor, data={"claimant": {}}, records=RECORDS)
        summaries.objects.create(actor=quiet, data={}, records={})

        apps = migrate(RECORDS_AS_TEXT)
        rows = {row.actor_id: row for row in apps.get_model("claims", "ActorScoreSummary").objects.all()}
        assert orjson.loads(rows[actor.pk].records_all) == RECORDS["all"]
        assert orjson.loads(rows[actor.pk].records_published) == RECORDS["published"]
        assert rows[actor.pk].data == {"claimant": {}}
        # Never computed: left empty, for the services to fill on the next change.
        assert (rows[quiet.pk].records_all, rows[quiet.pk].records_published) == ("", "")

        apps = migrate(RECORDS_AS_JSONB)
        rows = {row.actor_id: row for row in apps.get_model("claims", "ActorScoreSummary").objects.all()}
        assert rows[actor.pk].records == RECORDS
        assert rows[quiet.pk].records == {}
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
