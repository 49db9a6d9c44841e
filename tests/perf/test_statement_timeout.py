"""A query stopped by PostgreSQL's statement timeout is a 503 with a message, not a 500."""

from http import HTTPStatus

import psycopg
import pytest
from django.db import connection


@pytest.mark.django_db
def test_a_query_stopped_by_the_statement_timeout_is_answered_503_with_a_message(anon_client):
    if connection.vendor != "postgresql":
        pytest.skip("statement_timeout is PostgreSQL's")
    settings = connection.settings_dict
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 300")
    # Another session holds the claims table, so the API's query waits until the timeout stops it.
    with psycopg.connect(
        dbname=settings["NAME"], host=settings["HOST"], port=settings["PORT"], user=settings["USER"]
    ) as other:
        other.execute("LOCK TABLE claims_claim IN ACCESS EXCLUSIVE MODE")
        response = anon_client.get("/api/v1/claims/")
    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE, response.content
    assert response.json()["message"] == (
        "The database took too long to answer this request and it was stopped. "
        "Narrow it with a filter or a smaller page, or try again later."
    )
