"""Statements PostgreSQL keeps planned: which ones are prepared, and that they answer as before."""

import base64
import json
import math
from unittest import mock

import pytest
from django.conf import settings
from django.db import NotSupportedError, connection, transaction
from django.test.utils import CaptureQueriesContext

from claims.models import Claim
from config.db import fetch_prepared
from tests import factories
from tests.perf.helpers import planned_per_request, postgres_only, prepared_statements, top_claimant, walk

pytestmark = pytest.mark.django_db


@postgres_only
def test_a_statement_is_prepared_on_first_use_and_still_counted():
    sql = "SELECT %s::int + 1 AS answer /* prepared-marker */"
    with CaptureQueriesContext(connection) as queries:
        for value in (1, 2, 3):
            assert fetch_prepared(sql, [value]) == (["answer"], [(value + 1,)])
    assert len(queries) == 3
    [(statement, generic, custom)] = prepared_statements("prepared-marker")
    assert "$1" in statement
    assert generic + custom == 3


def test_column_names_are_the_statements_own_in_order():
    # Read from the result itself on PostgreSQL (not cursor.description), from description elsewhere.
    names, rows = fetch_prepared('SELECT %s AS "z", 2 AS "naïve année", 3 AS "A_b"', ["x"])
    assert names == ["z", "naïve année", "A_b"]
    assert rows == [("x", 2, 3)]


@postgres_only
def test_prepared_statements_can_be_turned_off(monkeypatch):
    monkeypatch.setattr(connection.connection, "prepare_threshold", None)
    assert fetch_prepared("SELECT %s::int /* unprepared-marker */", [7])[1] == [(7,)]
    assert prepared_statements("unprepared-marker") == []


@postgres_only
def test_settings_prepare_on_first_use_unless_turned_off():
    assert settings.DATABASES["default"]["OPTIONS"]["prepare_threshold"] == 0


def test_elsewhere_a_prepared_read_is_an_ordinary_statement():
    assert fetch_prepared("SELECT %s + 1", [41])[1] == [(42,)]


@pytest.fixture
def probe_table():
    """A table whose column type a test changes under a prepared statement, as a migration would."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE prepared_probe (x integer)")
        cursor.execute("INSERT INTO prepared_probe VALUES (1)")
    yield "SELECT x FROM prepared_probe WHERE x IS NOT NULL OR %s"
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE prepared_probe")


def _migrate_elsewhere():
    """Change the probe's column type from another connection, as a deploy's migration would."""
    other = connection.copy()
    try:
        with other.cursor() as cursor:
            cursor.execute("ALTER TABLE prepared_probe ALTER COLUMN x TYPE text")
    finally:
        other.close()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_statement_prepared_before_a_migration_changed_its_column_runs_again(probe_table):
    assert fetch_prepared(probe_table, [True])[1] == [(1,)]
    _migrate_elsewhere()
    # PostgreSQL refuses the old plan ("cached plan must not change result type"); the
    # statement runs again on a new connection.
    assert fetch_prepared(probe_table, [True])[1] == [("1",)]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_a_stale_prepared_plan_is_refused_not_retried(probe_table):
    assert fetch_prepared(probe_table, [True])[1] == [(1,)]
    _migrate_elsewhere()
    with pytest.raises(NotSupportedError), transaction.atomic():
        fetch_prepared(probe_table, [True])
    # Outside the transaction the same read recovers.
    assert fetch_prepared(probe_table, [True])[1] == [("1",)]


@postgres_only
def test_a_source_detail_is_prepared(anon_client):
    source = factories.make_source()
    for _ in range(2):
        assert anon_client.get(f"/api/v1/sources/{source.pk}/").status_code == 200
    assert len(prepared_statements('FROM "sources_source" s')) == 1


@postgres_only
@pytest.mark.parametrize("path", ["/api/v1/claims/", "/api/v1/forecasts/"])
@pytest.mark.parametrize("ordering", ["id", "-id", "modified_at", "-modified_at"])
@pytest.mark.parametrize("reader", ["anon_client", "editor_client"])
def test_an_unfiltered_keyset_walk_is_prepared_and_answers_as_the_orm_does(
    corpus, request, path, ordering, reader
):
    client = request.getfixturevalue(reader)
    url = f"{path}?pagination=cursor&page_size=7&ordering={ordering}"
    prepared = walk(client, url)
    assert prepared_statements("LIMIT 8"), "the page's statement was not prepared"
    with mock.patch("config.api._plan_is_stable", return_value=False):
        planned = walk(client, url)
    assert prepared == planned
    assert len(prepared) > 3
    ids = [row["id"] for page in prepared for row in page["results"]]
    assert len(ids) == len(set(ids))


@postgres_only
@pytest.mark.parametrize(
    "query",
    ["claimant={claimant}", "review_state=published", "search=stream", "topic=ukraine"],
)
def test_a_filtered_keyset_page_is_planned_for_its_values(corpus, anon_client, query):
    claimant = Claim.objects.exclude(claimant=None).values_list("claimant", flat=True).first()
    url = f"/api/v1/claims/?pagination=cursor&page_size=9&{query.format(claimant=claimant)}"
    assert anon_client.get(url).status_code == 200
    assert prepared_statements("LIMIT 10") == []


@pytest.mark.parametrize("after", [2**70, 2**63, 2**63 - 1, -5])
@pytest.mark.parametrize("ordering", ["id", "-id"])
def test_a_cursor_beyond_any_id_answers_as_the_orm_does(corpus, anon_client, after, ordering):
    token = base64.urlsafe_b64encode(json.dumps({"o": ordering, "v": [after]}).encode()).rstrip(b"=")
    url = f"/api/v1/claims/?pagination=cursor&ordering={ordering}&cursor={token.decode()}"
    response = anon_client.get(url)
    assert response.status_code == 200
    with mock.patch("config.api._plan_is_stable", return_value=False):
        assert response.json() == anon_client.get(url).json()
    beyond = (after > 0) == (ordering == "id")
    assert (response.json()["results"] == []) == beyond


@postgres_only
@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/v1/claims/", "topic=ukraine"),
        ("/api/v1/claims/", "topic=ukraine&review_state=published"),
        ("/api/v1/claims/", "review_state=draft"),
        ("/api/v1/forecasts/", "claimant={claimant}&status=due"),
        ("/api/v1/forecasts/", "claimant={claimant}&status=open"),
        ("/api/v1/forecasts/", "claimant={claimant}"),
        ("/api/v1/forecasts/", "status=borne_out"),
    ],
)
@pytest.mark.parametrize("reader", ["anon_client", "editor_client"])
def test_a_page_filtered_by_plan_stable_filters_is_prepared_and_answers_as_the_orm_does(
    corpus, request, path, query, reader
):
    client = request.getfixturevalue(reader)
    url = f"{path}?page_size=3&{query.format(claimant=top_claimant())}"
    prepared = walk(client, url)
    statements = prepared_statements("LIMIT 3")
    assert statements, "the page's statement was not prepared"
    assert [custom for _, _, custom in statements] == [0] * len(statements), "planned for its values"
    with planned_per_request():
        planned = walk(client, url)
    assert prepared == planned
    count = prepared[0]["count"]
    assert len(prepared) == max(1, math.ceil(count / 3))
    ids = [row["id"] for page in prepared for row in page["results"]]
    assert len(set(ids)) == len(ids) == count


@postgres_only
@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/v1/claims/", "claimant={claimant}"),
        ("/api/v1/claims/", "topic=ukraine&search=stream"),
        ("/api/v1/claims/", "topic=ukraine&ordering=id"),
        ("/api/v1/forecasts/", "claimant={claimant}&probability_min=0.5"),
        ("/api/v1/forecasts/", "claimant={claimant}&ordering=-probability"),
        ("/api/v1/sources/", ""),
    ],
)
def test_other_numbered_pages_are_planned_for_their_values(corpus, anon_client, path, query):
    assert anon_client.get(f"{path}?page_size=3&{query.format(claimant=top_claimant())}").status_code == 200
    assert prepared_statements("LIMIT 3") == []
