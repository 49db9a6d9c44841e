"""The hand-written claim representation (the list's fast path) equals DRF's generic one, field for field."""

import csv
import datetime as dt
import io
import json
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework import serializers

from claims import selectors
from claims.api.serializers import (
    ClaimSerializer,
    ForecastSerializer,
    claim_representations,
    forecast_representations,
)
from claims.models import Claim
from sources import selectors as source_selectors
from sources.api.serializers import SourceDetailSerializer, SourceListSerializer
from sources.models import Source
from tests import factories


def generic(claim) -> dict:
    serializer = ClaimSerializer()
    return dict(serializers.ModelSerializer.to_representation(serializer, claim))


@pytest.mark.django_db
def test_fast_claim_representation_equals_the_generic_one_for_generated_claims(editor):
    call_command("generate_corpus", claims=120, no_progress=True, verbosity=0, today=dt.date(2026, 6, 1))
    claims = list(selectors.claim_list(user=editor))
    assert {claim.kind for claim in claims} >= {"forecast", "assertion"}
    assert any(claim.subjects.all() for claim in claims)
    for claim in claims:
        assert ClaimSerializer(claim).data == generic(claim)


@pytest.mark.django_db
def test_list_rows_represent_claims_as_the_generic_serializer_does_in_the_given_order(editor):
    call_command("generate_corpus", claims=120, no_progress=True, verbosity=0, today=dt.date(2026, 6, 1))
    factories.make_claim(claimant=None)
    claims = list(selectors.claim_list(user=editor).order_by("?"))
    ids = [claim.pk for claim in claims]
    rows = claim_representations(ids)
    assert [row["id"] for row in rows] == ids
    assert rows == [generic(claim) for claim in claims]
    assert any(row["forecast"] for row in rows) and any(row["forecast"] is None for row in rows)
    assert any(len(row["subjects"]) > 1 for row in rows) or any(len(row["topics"]) > 1 for row in rows)
    assert any(row["claimant"] is None for row in rows)
    assert claim_representations([]) == []


@pytest.mark.django_db
def test_fast_claim_representation_equals_the_generic_one_without_claimant_or_review(editor):
    claim = factories.make_claim(claimant=None)
    claim = selectors.claim_list(user=editor).get(pk=claim.pk)
    assert claim.claimant is None and claim.reviewed_at is None
    fast = ClaimSerializer(claim).data
    assert fast == generic(claim)
    assert fast["claimant"] is None
    assert fast["reviewed_at"] is None
    assert fast["forecast"] is None


@pytest.mark.django_db
def test_fast_claim_representation_lists_exactly_the_declared_fields(editor):
    claim = selectors.claim_list(user=editor).get(pk=factories.make_claim().pk)
    assert list(ClaimSerializer(claim).data) == ClaimSerializer.Meta.fields
    assert Claim.objects.count() == 1


def generic_source(serializer_class, source) -> dict:
    return dict(serializers.ModelSerializer.to_representation(serializer_class(), source))


def full_and_bare_sources():
    """A source with every field set (quotes, backslashes, non-ASCII, a long text, two authors
    out of name order, one passage) and one with as little as a source can have."""
    authors = [factories.make_actor("Zed Author"), factories.make_actor("Ann Author")]
    full = factories.make_source(
        title='Quotes " and \\ and ünïcode',
        publisher="Example Press",
        authors=authors,
        url="https://example.org/report",
        provenance={
            "title": {"basis": "stated"},
            "published_on": {"basis": "inferred", "evidence": 'the URL, "/2022/01/"'},
        },
        notes="Checked against the PDF.",
        text=factories.SAMPLE_TEXT + 'A text with\ttabs, "quotes" and ünïcode. ' * 2000,
    )
    factories.make_passage(source=full)
    bare = factories.make_source(title="Bare", published_on=None)
    return full, bare


@pytest.mark.django_db
def test_fast_source_representations_equal_the_generic_ones():
    full, bare = full_and_bare_sources()
    for pk in (full.pk, bare.pk):
        detail = source_selectors.source_detail().get(pk=pk)
        listed = source_selectors.source_list().get(pk=pk)
        assert SourceDetailSerializer(detail).data == generic_source(SourceDetailSerializer, detail)
        assert SourceListSerializer(listed).data == generic_source(SourceListSerializer, listed)
        assert list(SourceDetailSerializer(detail).data) == SourceDetailSerializer.Meta.fields
    detail = SourceDetailSerializer(source_selectors.source_detail().get(pk=full.pk)).data
    assert [a["name"] for a in detail["authors"]] == ["Ann Author", "Zed Author"]
    assert detail["passage_count"] == 1
    assert detail["published_on"] == "2022-01-19"


@pytest.mark.django_db
def test_the_source_detail_statement_equals_the_generic_representation():
    if not selectors.json_rows_available():
        pytest.skip("the source detail's single statement runs on PostgreSQL only")
    full, bare = full_and_bare_sources()
    # Python leaves out zero microseconds ("…:00Z"); PostgreSQL must write the same text.
    Source.objects.filter(pk=bare.pk).update(created_at=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC))
    for pk in (full.pk, bare.pk):
        detail = source_selectors.source_detail().get(pk=pk)
        assert source_selectors.source_representation(pk) == generic_source(SourceDetailSerializer, detail)
    with CaptureQueriesContext(connection) as queries:
        full_row = source_selectors.source_representation(full.pk)
    assert len(queries) == 1
    assert list(full_row) == SourceDetailSerializer.Meta.fields
    assert [a["name"] for a in full_row["authors"]] == ["Ann Author", "Zed Author"]
    assert full_row["passage_count"] == 1
    assert source_selectors.source_representation(bare.pk)["created_at"] == "2026-01-02T03:04:05Z"
    assert source_selectors.source_representation(bare.pk)["authors"] == []


@pytest.mark.django_db
def test_a_source_detail_is_the_same_answer_on_both_paths(anon_client):
    source = factories.make_source(authors=[factories.make_actor("Ann Author")])
    factories.make_passage(source=source)
    url = f"/api/v1/sources/{source.pk}/"
    fast = anon_client.get(url)
    with mock.patch("sources.api.views.json_rows_available", return_value=False):
        generic_response = anon_client.get(url)
    assert fast.status_code == generic_response.status_code == 200
    assert fast.json() == generic_response.json()
    assert fast["ETag"] == generic_response["ETag"]
    for missing in (f"/api/v1/sources/{source.pk + 1000}/", "/api/v1/sources/not-a-number/"):
        response = anon_client.get(missing)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


@pytest.mark.django_db
def test_postgres_builds_each_claims_json_equal_to_the_generic_representation(editor):
    if not selectors.json_rows_available():
        pytest.skip("the claim list's JSON is built by PostgreSQL only")
    call_command("generate_corpus", claims=120, no_progress=True, verbosity=0, today=dt.date(2026, 6, 1))
    bare = factories.make_claim(claimant=None, statement='Quotes " and \\ and ünïcode, a tab\there.')
    # Python leaves out zero microseconds ("…:00Z"); PostgreSQL must write the same text.
    Claim.objects.filter(pk=bare.pk).update(created_at=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC))
    claims = list(selectors.claim_list(user=editor))
    rows = list(selectors.claim_page_keys(selectors.claim_list(user=editor), with_json=True))
    texts = {row["id"]: row["json"] for row in rows}
    assert {pk: json.loads(text) for pk, text in texts.items()} == {
        claim.pk: generic(claim) for claim in claims
    }
    assert json.loads(texts[bare.pk])["created_at"] == "2026-01-02T03:04:05Z"
    assert any(json.loads(text)["reviewed_at"] for text in texts.values())


@pytest.mark.django_db
def test_the_json_list_and_the_csv_list_show_the_same_claims(anon_client):
    call_command("generate_corpus", claims=60, no_progress=True, verbosity=0, today=dt.date(2026, 6, 1))
    as_json = anon_client.get("/api/v1/claims/?page_size=20").json()["results"]
    text = anon_client.get("/api/v1/claims/?page_size=20&format=csv").content.decode()
    as_csv = list(csv.DictReader(io.StringIO(text)))
    assert len(as_json) == 20
    assert [str(row["id"]) for row in as_json] == [row["id"] for row in as_csv]
    assert [row["passage"]["source_title"] for row in as_json] == [
        row["passage.source_title"] for row in as_csv
    ]


def generic_forecast(forecast) -> dict:
    return dict(serializers.ModelSerializer.to_representation(ForecastSerializer(), forecast))


@pytest.mark.django_db
def test_forecast_list_rows_equal_the_generic_representation_in_the_given_order(editor):
    call_command("generate_corpus", claims=160, no_progress=True, verbosity=0, today=dt.date(2026, 6, 1))
    forecasts = list(selectors.forecast_list(user=editor).order_by("?"))
    today = timezone.localdate()
    ids = [forecast.pk for forecast in forecasts]
    rows = forecast_representations(ids, today=today)
    assert [row["id"] for row in rows] == ids
    assert rows == [generic_forecast(forecast) for forecast in forecasts]
    assert {row["status"] for row in rows} >= {"open", "due"}
    assert any(row["status"] not in ("open", "due") for row in rows)
    assert any(row["resolve_by"] is None for row in rows) or any(row["verified_at"] for row in rows)


@pytest.mark.django_db
def test_postgres_builds_each_forecasts_json_equal_to_the_generic_representation(editor):
    if not selectors.json_rows_available():
        pytest.skip("the forecast list's JSON is built by PostgreSQL only")
    call_command("generate_corpus", claims=160, no_progress=True, verbosity=0, today=dt.date(2026, 6, 1))
    forecasts = list(selectors.forecast_list(user=editor))
    keys = selectors.forecast_page_keys(
        selectors.forecast_list(user=editor), with_json=True, today=timezone.localdate()
    )
    texts = {row["id"]: row["json"] for row in keys}
    assert {pk: json.loads(text) for pk, text in texts.items()} == {
        forecast.pk: generic_forecast(forecast) for forecast in forecasts
    }
    assert {json.loads(text)["status"] for text in texts.values()} >= {"open", "due"}
