"""A forecast's copies of its claim's claimant and review state (Forecast.claimant and
Forecast.review_state) follow the claim through every write, and the API filters on them."""

import importlib
import json

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.db import connection
from rest_framework.test import APIClient

from claims import services
from claims.models import Claim, Forecast
from tests import factories

pytestmark = pytest.mark.django_db


def copies_out_of_step() -> list[tuple]:
    """Forecasts whose copies differ from their claim: (forecast id, its copies, the claim's)."""
    rows = Forecast.objects.values_list(
        "id", "claimant_id", "review_state", "claim__claimant_id", "claim__review_state"
    )
    return [(pk, copy[:2], copy[2:]) for pk, *copy in rows if copy[:2] != copy[2:]]


def listed(**query) -> list[int]:
    response = APIClient().get("/api/v1/forecasts/", query)
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_a_new_forecast_copies_its_claims_claimant_and_review_state():
    kremlin = factories.make_actor("Kremlin")
    draft = factories.make_forecast(claim_fields={"claimant": kremlin})
    published = factories.make_forecast(published=True, claim_fields={"claimant": kremlin})
    assert (draft.claimant_id, draft.review_state) == (kremlin.pk, Claim.ReviewState.DRAFT)
    assert (published.claimant_id, published.review_state) == (kremlin.pk, Claim.ReviewState.PUBLISHED)
    assert copies_out_of_step() == []


def test_a_new_claimant_takes_the_forecast_with_it():
    kremlin, nato = factories.make_actor("Kremlin"), factories.make_actor("NATO")
    forecast = factories.make_forecast(published=True, claim_fields={"claimant": kremlin})
    assert listed(claimant=kremlin.pk) == [forecast.pk]

    services.claim_update(claim=forecast.claim, claimant=nato)
    assert Forecast.objects.get(pk=forecast.pk).claimant_id == nato.pk
    assert listed(claimant=kremlin.pk) == []
    assert listed(claimant=nato.pk) == [forecast.pk]

    services.claim_update(claim=forecast.claim, claimant=None)
    assert Forecast.objects.get(pk=forecast.pk).claimant_id is None
    assert listed(claimant=nato.pk) == []
    assert copies_out_of_step() == []


def test_every_review_action_is_copied_and_decides_what_the_public_sees():
    reviewer = factories.make_user(role="editor")
    forecast = factories.make_forecast(claim_fields={"claimant": factories.make_actor("Kremlin")})
    client = APIClient()
    expected = [
        ("submit", Claim.ReviewState.IN_REVIEW, 404),
        ("publish", Claim.ReviewState.PUBLISHED, 200),
        ("reject", Claim.ReviewState.REJECTED, 404),
        ("reopen", Claim.ReviewState.DRAFT, 404),
        ("publish", Claim.ReviewState.PUBLISHED, 200),
        ("reopen", Claim.ReviewState.DRAFT, 404),
    ]
    for action, state, public_status in expected:
        services.claim_review(claim=forecast.claim, action=action, reviewed_by=reviewer)
        assert Forecast.objects.get(pk=forecast.pk).review_state == state, action
        assert client.get(f"/api/v1/forecasts/{forecast.pk}/").status_code == public_status, action
        public = [forecast.pk] if public_status == 200 else []
        assert listed(claimant=forecast.claimant_id) == public, action
    assert copies_out_of_step() == []


def test_the_copies_are_not_part_of_the_forecasts_history():
    forecast = factories.make_forecast(claim_fields={"claimant": factories.make_actor("Kremlin")})
    services.claim_review(claim=forecast.claim, action="publish", reviewed_by=None)
    historical = {field.name for field in forecast.history.model._meta.fields}
    assert not historical & set(Forecast.COPIED_FROM_CLAIM)
    assert forecast.history.count() == 1  # created; the claim's history records the review


@pytest.mark.django_db(transaction=True)  # SQLite's schema editor refuses to open inside a transaction
def test_the_migration_fills_the_copies_in_from_the_claims():
    kremlin = factories.make_actor("Kremlin")
    published = factories.make_forecast(published=True, claim_fields={"claimant": kremlin})
    anonymous = factories.make_forecast()
    Forecast.objects.update(claimant_id=None, review_state=Claim.ReviewState.REJECTED)
    assert len(copies_out_of_step()) == 2

    migration = importlib.import_module("claims.migrations.0010_forecast_claim_copies")
    with connection.schema_editor() as schema_editor:
        migration.copy_from_claims(django_apps, schema_editor)
    assert copies_out_of_step() == []
    assert Forecast.objects.get(pk=published.pk).review_state == Claim.ReviewState.PUBLISHED
    assert Forecast.objects.get(pk=anonymous.pk).claimant_id is None


def test_a_dataset_leaves_the_copies_out_and_its_import_sets_them(tmp_path):
    from tests.api.test_dataset import _empty_the_database

    kremlin = factories.make_actor("Kremlin")
    factories.make_forecast(published=True, claim_fields={"claimant": kremlin})
    factories.make_forecast(claim_fields={"claimant": kremlin})
    call_command("export_dataset", str(tmp_path), "--no-progress", verbosity=0)
    rows = [json.loads(line) for line in (tmp_path / "forecasts.jsonl").read_text().splitlines()]
    assert len(rows) == 2
    assert all("claimant_id" not in row and "review_state" not in row for row in rows)

    _empty_the_database()
    call_command("import_dataset", str(tmp_path), "--no-progress", verbosity=0)
    assert sorted(Forecast.objects.values_list("claimant_id", "review_state")) == [
        (kremlin.pk, Claim.ReviewState.DRAFT),
        (kremlin.pk, Claim.ReviewState.PUBLISHED),
    ]
    assert copies_out_of_step() == []
