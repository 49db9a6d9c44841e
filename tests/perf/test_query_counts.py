"""The benchmarked endpoints answer in a number of SQL queries that does not grow with the corpus
or with the page size (the 1M-row benchmark itself runs in `make bench`, not here)."""

import base64
import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from claims.models import Claim
from sources.models import Source


class _Undo(Exception):
    pass


def _cursor_after(claim_id: int) -> str:
    raw = json.dumps({"o": "id", "v": [claim_id]}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _benchmarked_urls() -> dict[str, str]:
    claimant = (
        Claim.objects.values("claimant_id").annotate(n=Count("id")).order_by("-n").first()["claimant_id"]
    )
    ids = sorted(Claim.objects.values_list("id", flat=True))
    source = Source.objects.order_by("id").first()
    return {
        "claims by topic and state": "/api/v1/claims/?topic=ukraine&review_state=published",
        "forecasts by claimant and status": f"/api/v1/forecasts/?claimant={claimant}&status=due",
        "search": "/api/v1/claims/?search=nord%20stream",
        "cursor page": f"/api/v1/claims/?pagination=cursor&cursor={_cursor_after(ids[len(ids) // 2])}",
        "track record": f"/api/v1/actors/{claimant}/track-record/",
        "source detail": f"/api/v1/sources/{source.pk}/",
    }


def _query_counts(client, claims: int, page_size: int) -> dict[str, int]:
    """Generate a corpus inside a transaction that is rolled back; count each endpoint's queries."""
    counts = {}
    try:
        with transaction.atomic():
            call_command(
                "generate_corpus", claims=claims, no_progress=True, verbosity=0, today=dt.date(2026, 6, 1)
            )
            for name, url in _benchmarked_urls().items():
                separator = "&" if "?" in url else "?"
                with CaptureQueriesContext(connection) as queries:
                    response = client.get(f"{url}{separator}page_size={page_size}")
                assert response.status_code == 200, (name, response.content[:300])
                counts[name] = len(queries)
            raise _Undo
    except _Undo:
        return counts


@pytest.mark.django_db
def test_benchmarked_endpoints_run_as_many_queries_for_a_small_and_a_larger_corpus(anon_client):
    small = _query_counts(anon_client, claims=150, page_size=20)
    larger = _query_counts(anon_client, claims=900, page_size=20)
    assert larger == small


@pytest.mark.django_db
def test_benchmarked_endpoints_run_as_many_queries_for_a_small_and_a_large_page(anon_client):
    assert _query_counts(anon_client, claims=600, page_size=5) == _query_counts(
        anon_client, claims=600, page_size=100
    )
