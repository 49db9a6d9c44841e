"""?search= on claims, forecasts, passages, sources and actors: the same API on SQLite and PostgreSQL."""

from http import HTTPStatus

import pytest
from django.db import connection

from tests import factories

pytestmark = pytest.mark.django_db

TEXT = (
    "Sanctions against Russia will likely be extended by 2024. "
    "The arms control treaty is expected to expire in February 2021. "
    "Trade between the two countries remains very unlikely to recover."
)


def _ids(response) -> list[int]:
    assert response.status_code == HTTPStatus.OK, response.json()
    return [row["id"] for row in response.json()["results"]]


def _published_claims():
    source = factories.make_source(text=TEXT, title="Relations after the sanctions")
    sanctions = factories.make_forecast(
        published=True,
        outcome="The sanctions are extended.",
        claim_fields={
            "statement": "Sanctions will be extended by 2024.",
            "passage": factories.make_passage(source=source, quote="Sanctions against Russia"),
        },
    )
    treaty = factories.make_forecast(
        published=True,
        outcome="The treaty expires.",
        claim_fields={
            "statement": "The arms control treaty expires in 2021.",
            "passage": factories.make_passage(source=source, quote="arms control treaty"),
        },
    )
    return source, sanctions, treaty


def test_claim_search_finds_only_claims_with_the_words(anon_client):
    _, sanctions, treaty = _published_claims()
    assert _ids(anon_client.get("/api/v1/claims/", {"search": "treaty"})) == [treaty.claim_id]
    assert _ids(anon_client.get("/api/v1/claims/", {"search": "sanctions extended"})) == [sanctions.claim_id]


def test_forecast_search_matches_the_outcome(anon_client):
    _, sanctions, _ = _published_claims()
    assert _ids(anon_client.get("/api/v1/forecasts/", {"search": "sanctions"})) == [sanctions.pk]


def test_passage_and_source_search(anon_client):
    source, _, treaty = _published_claims()
    assert _ids(anon_client.get("/api/v1/passages/", {"search": "treaty"})) == [treaty.claim.passage_id]
    assert _ids(anon_client.get("/api/v1/sources/", {"search": "sanctions"})) == [source.pk]
    assert _ids(anon_client.get("/api/v1/sources/", {"search": "nonexistentword"})) == []


def test_search_without_a_match_is_an_empty_page(anon_client):
    _published_claims()
    response = anon_client.get("/api/v1/claims/", {"search": "zeppelin"})
    assert response.json()["results"] == []
    assert response.json()["count"] == 0


def test_search_does_not_reveal_unpublished_claims(anon_client):
    factories.make_claim(statement="A draft about sanctions.")
    assert _ids(anon_client.get("/api/v1/claims/", {"search": "sanctions"})) == []


def test_search_with_quotes_and_symbols_is_not_an_error(anon_client):
    _published_claims()
    for query in ['"arms control', "treaty & ! | (", "'; DROP TABLE claims_claim; --", "-", "*" * 500]:
        response = anon_client.get("/api/v1/claims/", {"search": query})
        assert response.status_code == HTTPStatus.OK, (query, response.json())


def test_claim_search_ranks_the_better_match_first(anon_client):
    if connection.vendor != "postgresql":
        pytest.skip("ranking needs PostgreSQL's full-text search; the fallback keeps the list's order")
    source = factories.make_source(text=TEXT)
    weak = factories.make_claim(
        published=True,
        statement="Trade may recover, and sanctions are one factor among many others in the region.",
        passage=factories.make_passage(source=source, quote="Trade between"),
    )
    strong = factories.make_claim(
        published=True,
        statement="Sanctions, sanctions and more sanctions.",
        passage=factories.make_passage(source=source, quote="Sanctions against"),
    )
    assert _ids(anon_client.get("/api/v1/claims/", {"search": "sanctions"})) == [strong.pk, weak.pk]
    # An explicit ordering wins over the rank.
    ordered = anon_client.get("/api/v1/claims/", {"search": "sanctions", "ordering": "id"})
    assert _ids(ordered) == [weak.pk, strong.pk]


def test_actor_search_tolerates_a_misspelling(anon_client):
    kremlin = factories.make_actor("Kremlin", kind="government_body")
    factories.make_actor("NATO", kind="organisation")
    assert _ids(anon_client.get("/api/v1/actors/", {"search": "Kremln"})) == [kremlin.pk]
    assert _ids(anon_client.get("/api/v1/actors/", {"search": "kremlin"})) == [kremlin.pk]


def test_actor_search_matches_an_alias(anon_client):
    russia = factories.make_actor("Russian Federation", kind="state", aliases=["Russia", "RF"])
    factories.make_actor("United States", kind="state")
    assert _ids(anon_client.get("/api/v1/actors/", {"search": "Russia"})) == [russia.pk]


def test_search_is_documented_on_every_searchable_list(anon_client):
    schema = anon_client.get("/api/v1/schema/", {"format": "json"}).json()
    for path in ["/api/v1/claims/", "/api/v1/forecasts/", "/api/v1/passages/", "/api/v1/sources/"]:
        names = {p["name"] for p in schema["paths"][path]["get"]["parameters"]}
        assert {"search", "cursor", "pagination", "page_size", "modified_since"} <= names, path
