"""?format=csv on every list: a header line and one row per result, as pandas.read_csv expects."""

import csv
import io
from http import HTTPStatus

import pytest

from tests import factories

pytestmark = pytest.mark.django_db

LISTS = [
    "/api/v1/sources/",
    "/api/v1/passages/",
    "/api/v1/actors/",
    "/api/v1/topics/",
    "/api/v1/claims/",
    "/api/v1/forecasts/",
]


def _rows(response) -> list[dict]:
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))


@pytest.mark.parametrize("url", LISTS)
def test_every_list_is_a_csv_table_with_one_row_per_result(anon_client, url):
    factories.make_topic()
    factories.make_forecast(published=True, claim_fields={"claimant": factories.make_actor("Kremlin")})
    json_rows = anon_client.get(url).json()["results"]
    rows = _rows(anon_client.get(url, {"format": "csv"}))
    assert [int(row["id"]) for row in rows] == [row["id"] for row in json_rows]


def test_nested_fields_become_dotted_columns(anon_client):
    forecast = factories.make_forecast(
        published=True, claim_fields={"claimant": factories.make_actor("Kremlin, the")}
    )
    (row,) = _rows(anon_client.get("/api/v1/forecasts/", {"format": "csv"}))
    assert row["claim.claimant.name"] == "Kremlin, the"
    assert row["likelihood_phrase"] == "very unlikely"
    assert float(row["probability"]) == forecast.probability


def test_csv_follows_filters_and_the_cursor(anon_client):
    actors = [factories.make_actor(f"Actor {i}") for i in range(3)]
    response = anon_client.get("/api/v1/actors/", {"format": "csv", "pagination": "cursor", "page_size": 2})
    assert [int(r["id"]) for r in _rows(response)] == [actors[0].pk, actors[1].pk]


def test_an_error_asked_for_as_csv_is_still_json(anon_client):
    response = anon_client.get("/api/v1/actors/", {"format": "csv", "page_size": "x"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response["Content-Type"] == "application/json"
    assert response.json()["message"] == "page_size must be a whole number from 1 to 200."


def test_a_detail_as_csv_is_one_row(anon_client):
    actor = factories.make_actor("Kremlin")
    (row,) = _rows(anon_client.get(f"/api/v1/actors/{actor.pk}/", {"format": "csv"}))
    assert row["name"] == "Kremlin"
