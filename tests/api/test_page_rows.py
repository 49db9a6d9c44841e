"""The list pages' base querysets are built once per kind of caller (and day), then cloned:
what each request adds to its clone never reaches another request."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from claims import selectors
from tests import factories

pytestmark = pytest.mark.django_db


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return sorted(row["id"] for row in response.json()["results"])


def test_the_page_rows_are_built_once_per_kind_of_caller_and_cloned_per_request(editor):
    anonymous = AnonymousUser()
    first = selectors.claim_page_rows(user=anonymous)
    assert selectors.claim_page_rows(user=anonymous) is not first
    assert selectors.claim_page_rows(user=anonymous).query is not first.query
    assert selectors._claim_page_rows(False, False) is selectors._claim_page_rows(False, False)
    # Visibility is part of the key: an editor's rows are not an anonymous caller's.
    draft = factories.make_claim()
    published = factories.make_claim(published=True)
    assert {row["id"] for row in selectors.claim_page_rows(user=anonymous)} == {published.pk}
    assert {row["id"] for row in selectors.claim_page_rows(user=editor)} == {draft.pk, published.pk}


def test_a_filtered_request_leaves_the_next_requests_rows_whole(anon_client):
    first = factories.make_forecast(published=True)
    second = factories.make_forecast(published=True, claim_fields={"claimant": factories.make_actor("Other")})
    assert ids(anon_client.get(f"/api/v1/forecasts/?claimant={second.claimant_id}")) == [second.pk]
    assert ids(anon_client.get("/api/v1/forecasts/?search=invades")) == sorted([first.pk, second.pk])
    assert ids(anon_client.get(f"/api/v1/claims/?claimant={second.claimant_id}")) == [second.claim_id]
    assert ids(anon_client.get("/api/v1/forecasts/")) == sorted([first.pk, second.pk])
    assert ids(anon_client.get("/api/v1/claims/")) == sorted([first.claim_id, second.claim_id])


def test_a_forecasts_status_follows_the_day_of_the_request(anon_client, monkeypatch):
    today = timezone.localdate()
    forecast = factories.make_forecast(published=True, resolve_by=today + dt.timedelta(days=1))
    listed = anon_client.get("/api/v1/forecasts/").json()["results"]
    assert [row["status"] for row in listed] == ["open"]
    assert ids(anon_client.get("/api/v1/forecasts/?status=open")) == [forecast.pk]

    monkeypatch.setattr(timezone, "localdate", lambda *args: today + dt.timedelta(days=2))
    listed = anon_client.get("/api/v1/forecasts/").json()["results"]
    assert [row["status"] for row in listed] == ["due"]
    assert ids(anon_client.get("/api/v1/forecasts/?status=due")) == [forecast.pk]
    assert ids(anon_client.get("/api/v1/forecasts/?status=open")) == []
