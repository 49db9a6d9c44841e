"""Every list endpoint answers in a fixed number of queries, however many rows the page holds."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims import services
from tests import factories

LISTS = [
    "/api/v1/sources/",
    "/api/v1/passages/",
    "/api/v1/actors/",
    "/api/v1/topics/",
    "/api/v1/claims/",
    "/api/v1/forecasts/",
]


def populate(n: int, fact_checker) -> None:
    topics = [factories.make_topic() for _ in range(2)]
    for _ in range(n):
        source = factories.make_source(authors=[factories.make_actor(kind="person")])
        subject = factories.make_actor()
        forecast = factories.make_forecast(
            published=True,
            claim_fields={
                "passage": factories.make_passage(source=source),
                "claimant": factories.make_actor(),
                "subjects": [subject],
                "topics": topics,
            },
        )
        services.verification_create(
            forecast=forecast,
            verdict="not_borne_out",
            rationale="r",
            evidence=factories.EVIDENCE,
            created_by=fact_checker,
        )


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"page_size": 100})
    assert response.status_code == 200
    return len(queries)


# Pinned so that a change that adds a query per row, or per page, is seen in review.
# Anonymous: the page with its count (+ one prefetch per many-to-many shown); sources count
# first, as their page groups by source. Claims and forecasts: the page with its count, whose
# rows PostgreSQL writes as JSON in the same query; elsewhere the page's ids with the count,
# then the rows with what they show joined + the claims' subjects (claims only) + their topics.
EXPECTED_ANONYMOUS = {
    "/api/v1/sources/": 3,
    "/api/v1/passages/": 1,
    "/api/v1/actors/": 1,
    "/api/v1/topics/": 1,
    "/api/v1/claims/": 1 if connection.vendor == "postgresql" else 4,
    "/api/v1/forecasts/": 1 if connection.vendor == "postgresql" else 3,
}


@pytest.mark.parametrize("url", LISTS)
def test_list_query_count_is_pinned_and_does_not_grow_with_rows(anon_client, fact_checker, url):
    populate(2, fact_checker)
    small = count_queries(anon_client, url)
    populate(8, fact_checker)
    large = count_queries(anon_client, url)
    assert small == large == EXPECTED_ANONYMOUS[url]


@pytest.mark.parametrize("url", LISTS)
def test_authenticated_list_query_count_does_not_grow_with_rows(editor_client, fact_checker, url):
    populate(2, fact_checker)
    small = count_queries(editor_client, url)
    populate(8, fact_checker)
    assert count_queries(editor_client, url) == small


def test_verifications_list_query_count_does_not_grow(anon_client, fact_checker):
    forecast = factories.make_forecast(published=True)
    counts = []
    for reason in ["", "revised once", "revised twice", "revised thrice"]:
        services.verification_create(
            forecast=forecast,
            verdict="borne_out",
            rationale="r",
            evidence=factories.EVIDENCE,
            reason=reason,
            created_by=fact_checker,
        )
        counts.append(count_queries(anon_client, f"/api/v1/forecasts/{forecast.pk}/verifications/"))
    assert len(set(counts)) == 1
