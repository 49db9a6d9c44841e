"""Helpers for the tests of statements PostgreSQL keeps planned."""

import contextlib
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Count

from claims.models import Forecast

postgres_only = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="prepared statements are PostgreSQL's",
)


def prepared_statements(fragment: str) -> list[tuple[str, int, int]]:
    """This connection's prepared statements containing the fragment: (statement, generic, custom plans)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE %s",
            [f"%{fragment}%"],
        )
        return cursor.fetchall()


def walk(client, url: str) -> list[dict]:
    """Every page of a walk along the next links (cursor or numbered), as the client receives them."""
    walked = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.json()
        walked.append(response.json())
        url = walked[-1]["next"]
    return walked


def top_claimant() -> int:
    return Forecast.objects.values("claimant").annotate(n=Count("id")).order_by("-n")[0]["claimant"]


@contextlib.contextmanager
def planned_per_request():
    """Pages as the ORM builds them on each request: neither prepared nor kept by shape."""
    with (
        mock.patch("config.api.numbered_plan_is_stable", return_value=False),
        mock.patch("config.page_statements.shape", return_value=None),
    ):
        yield
