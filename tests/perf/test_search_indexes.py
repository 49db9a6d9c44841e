"""The public's searches can use the full-text indexes of published rows (migration 0012)."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.perf.helpers import postgres_only

pytestmark = [pytest.mark.django_db, postgres_only]


@pytest.fixture
def analysed_corpus():
    call_command("generate_corpus", claims=3000, no_progress=True, verbosity=0, today=dt.date(2026, 6, 1))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE claims_claim, claims_forecast")


def _plan_with_only(index: str, table: str, client, url: str) -> str:
    """EXPLAIN of the search statement the URL runs, with the table's other indexes dropped (in the
    test's transaction) and whole-table scans ruled out: on a table of a few thousand rows
    PostgreSQL would rather read a b-tree of every published row, or the table itself."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.json()
    [statement] = [q["sql"] for q in queries.captured_queries if "@@" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexname FROM pg_indexes i JOIN pg_class c ON c.relname = i.indexname "
            "JOIN pg_index x ON x.indexrelid = c.oid WHERE i.tablename = %s AND NOT x.indisprimary "
            "AND NOT x.indisunique AND i.indexname <> %s",
            [table, index],
        )
        for (other,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{other}"')
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {statement}")
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize(
    ("url", "table", "index"),
    [
        ("/api/v1/claims/?search=nord+stream", "claims_claim", "claim_published_search_idx"),
        ("/api/v1/forecasts/?search=nord+stream", "claims_forecast", "forecast_published_search_idx"),
    ],
)
def test_a_public_search_statement_meets_the_published_index_condition(
    analysed_corpus, anon_client, url, table, index
):
    # The search statement is planned with its values (not prepared): review_state is a literal.
    plan = _plan_with_only(index, table, anon_client, url)
    assert f"Bitmap Index Scan on {index} " in plan, plan
    assert f"Seq Scan on {table}" not in plan, plan
