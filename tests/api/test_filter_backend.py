"""List filters: applied when the query string names one, skipped (same rows) when it names none."""

import pytest
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from claims.api.views import ClaimViewSet
from claims.models import Claim
from config.filters import FilterBackend
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_claims():
    first = factories.make_claim(published=True, kind=Claim.Kind.ASSERTION)
    second = factories.make_claim(published=True, kind=Claim.Kind.RECOMMENDATION)
    return first, second


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return sorted(row["id"] for row in response.json()["results"])


def test_a_named_filter_is_applied(anon_client, two_claims):
    first, second = two_claims
    assert ids(anon_client.get("/api/v1/claims/?kind=assertion")) == [first.pk]
    assert ids(anon_client.get("/api/v1/claims/?kind=recommendation")) == [second.pk]


def test_without_filters_and_with_unrelated_parameters_every_visible_row_is_listed(anon_client, two_claims):
    factories.make_claim()  # a draft: anonymous callers never see it, filters or not
    everything = sorted(claim.pk for claim in two_claims)
    assert ids(anon_client.get("/api/v1/claims/")) == everything
    assert ids(anon_client.get("/api/v1/claims/?page_size=10&ordering=id")) == everything


def test_a_bad_filter_value_is_still_a_400_that_names_the_filter(anon_client, two_claims):
    response = anon_client.get("/api/v1/claims/?kind=bogus")
    assert response.status_code == 400
    assert "kind" in response.json()["errors"]
    response = anon_client.get("/api/v1/forecasts/?claimant=abc")
    assert response.status_code == 400
    assert "claimant" in response.json()["errors"]


def test_the_backend_builds_no_filterset_when_no_filter_is_named():
    view = ClaimViewSet(action="list", format_kwarg=None)
    claims = Claim.objects.all()
    unnamed = Request(APIRequestFactory().get("/api/v1/claims/?page_size=5&ordering=id"))
    named = Request(APIRequestFactory().get("/api/v1/claims/?kind=assertion"))
    assert FilterBackend().filter_queryset(unnamed, claims, view) is claims
    assert FilterBackend().filter_queryset(named, claims, view) is not claims
