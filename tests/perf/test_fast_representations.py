"""The hand-written claim representation (the list's fast path) equals DRF's generic one, field for field."""

import datetime as dt

import pytest
from django.core.management import call_command
from rest_framework import serializers

from claims import selectors
from claims.api.serializers import ClaimSerializer
from claims.models import Claim
from sources import selectors as source_selectors
from sources.api.serializers import SourceDetailSerializer, SourceListSerializer
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


@pytest.mark.django_db
def test_fast_source_representations_equal_the_generic_ones():
    authors = [factories.make_actor("Zed Author"), factories.make_actor("Ann Author")]
    full = factories.make_source(
        title="With everything",
        publisher="Example Press",
        authors=authors,
        url="https://example.org/report",
        provenance={"title": {"basis": "stated"}},
        notes="Checked against the PDF.",
    )
    factories.make_passage(source=full)
    bare = factories.make_source(title="Bare", published_on=None)
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
