"""Migrations that move stored data: nothing is lost on the way forward or back."""

import importlib

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


COUNTS_AS_TEXT = ("claims", "0008_score_summary_counts_as_text")
LZ4 = ("claims", "0009_score_summary_lz4_compression")


COUNTS = {"claimant": {"cells": [[True, "likely", 0.7, None, None, "borne_out", 2]], "recent": {"all": [5]}}}


@pytest.mark.django_db(transaction=True)
def test_score_summary_counts_move_from_jsonb_to_text_and_back():
    try:
        apps = migrate(RECORDS_AS_TEXT)
        actor = apps.get_model("claims", "Actor").objects.create(name="Kremlin", kind="state")
        apps.get_model("claims", "ActorScoreSummary").objects.create(actor=actor, data=COUNTS)

        apps = migrate(COUNTS_AS_TEXT)
        with connection.cursor() as cursor:
            cursor.execute("SELECT data FROM claims_actorscoresummary WHERE actor_id = %s", [actor.pk])
            assert orjson.loads(cursor.fetchone()[0]) == COUNTS
        assert apps.get_model("claims", "ActorScoreSummary").objects.get(actor_id=actor.pk).data == COUNTS

        apps = migrate(RECORDS_AS_TEXT)
        assert apps.get_model("claims", "ActorScoreSummary").objects.get(actor_id=actor.pk).data == COUNTS
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def _lz4_available() -> bool:
    """The migration's own test of the server (PostgreSQL 14 or later, built with lz4)."""
    migration = importlib.import_module("claims.migrations.0009_score_summary_lz4_compression")
    return migration._lz4_available(connection)


def _compression(actor_id) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_column_compression(data), pg_column_compression(records_all), "
            "pg_column_compression(records_published), records_all FROM claims_actorscoresummary "
            "WHERE actor_id = %s",
            [actor_id],
        )
        return cursor.fetchone()


@pytest.mark.django_db(transaction=True)
def test_score_summaries_are_recompressed_with_lz4_and_keep_their_values_both_ways():
    if not _lz4_available():
        pytest.skip("needs PostgreSQL 14 or later built with lz4")
    # Large enough to be compressed (PostgreSQL compresses values over ~2 KB).
    records = orjson.dumps({"claimant": {"by_topic": [{"id": i, "name": ""} for i in range(2000)]}}).decode()
    data = {"claimant": {"cells": [[True, "likely", 0.7, None, None, "borne_out", i] for i in range(2000)]}}
    try:
        apps = migrate(COUNTS_AS_TEXT)
        actor = apps.get_model("claims", "Actor").objects.create(name="Kremlin", kind="state")
        apps.get_model("claims", "ActorScoreSummary").objects.create(
            actor=actor, data=data, records_all=records, records_published=records
        )
        assert _compression(actor.pk)[:3] == ("pglz", "pglz", "pglz")

        apps = migrate(LZ4)
        assert _compression(actor.pk) == ("lz4", "lz4", "lz4", records)
        assert apps.get_model("claims", "ActorScoreSummary").objects.get(actor_id=actor.pk).data == data

        apps = migrate(COUNTS_AS_TEXT)  # values stay as they are, and readable
        assert _compression(actor.pk) == ("lz4", "lz4", "lz4", records)
        summaries = apps.get_model("claims", "ActorScoreSummary").objects
        summaries.filter(actor_id=actor.pk).update(records_all=records + " ")
        assert _compression(actor.pk)[1] == "pglz"  # new values use the server's default again
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def _admin_search_indexes() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE %s", ["%upper_trgm_idx"])
        return {name for (name,) in cursor.fetchall()}


def _times_analyzed(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # read the counts as they are now
        cursor.execute("SELECT analyze_count FROM pg_stat_user_tables WHERE relname = %s", [table])
        return cursor.fetchone()[0]


def _has_pg_trgm() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'")
        return cursor.fetchone()[0] == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigram indexes are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_the_admin_search_indexes_are_dropped_and_built_again_without_dropping_pg_trgm():
    built = {
        "claim_statement_upper_trgm_idx",
        "passage_exact_upper_trgm_idx",
        "forecast_search_upper_trgm_idx",
        "verification_rationale_upper_trgm_idx",
    }
    assert _admin_search_indexes() == built
    try:
        migrate(("sources", "0004_create_cache_table"))
        migrate(("claims", "0012_published_search_indexes"))
        assert _admin_search_indexes() == set()
        assert _has_pg_trgm()  # the actors' trigram index (claims 0003) still needs it
        analyzed_before = _times_analyzed("claims_verification")
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert _admin_search_indexes() == built
    # Analyzed once its index exists, so the planner has the indexed expression's statistics.
    assert _times_analyzed("claims_verification") > analyzed_before
