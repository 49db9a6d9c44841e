"""generate_corpus: exact anchors, the counts asked for, a skewed claimant law, lexicon-true forecasts."""

import datetime as dt
import math
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from claims import likelihood
from claims.models import Actor, Claim, Forecast, Verification
from sources.models import QUOTE_CONTEXT, Passage, Source

TODAY = dt.date(2026, 6, 1)


def generate(claims: int, **options) -> None:
    call_command("generate_corpus", claims=claims, no_progress=True, today=TODAY, verbosity=0, **options)


@pytest.mark.django_db
def test_every_generated_passage_anchors_exactly_with_its_prefix_and_suffix():
    generate(400)
    texts = dict(Source.objects.values_list("id", "text"))
    passages = list(Passage.objects.all())
    assert len(passages) == 400
    for passage in passages:
        text = texts[passage.source_id]
        assert text[passage.start : passage.end] == passage.exact
        assert passage.prefix == text[max(0, passage.start - QUOTE_CONTEXT) : passage.start]
        assert passage.suffix == text[passage.end : passage.end + QUOTE_CONTEXT]
        assert passage.anchor_status == Passage.AnchorStatus.ANCHORED


@pytest.mark.django_db
def test_generator_makes_the_claims_asked_for_with_one_forecast_per_forecast_claim():
    generate(500)
    assert Claim.objects.count() == 500
    assert Actor.objects.count() == 20  # at least 20, else one per 200 claims
    forecast_claims = Claim.objects.filter(kind=Claim.Kind.FORECAST).count()
    assert Forecast.objects.count() == forecast_claims
    assert forecast_claims > 100
    assert Claim.objects.filter(kind=Claim.Kind.FORECAST, forecast__isnull=True).count() == 0
    assert Source.objects.count() >= 2
    assert all(source.revisions.count() == 1 for source in Source.objects.all())


@pytest.mark.django_db
def test_each_forecast_copies_its_claims_claimant_and_review_state():
    from tests.claims.test_forecast_copies import copies_out_of_step

    generate(500)
    assert Forecast.objects.filter(review_state=Claim.ReviewState.PUBLISHED).exists()
    assert Forecast.objects.exclude(review_state=Claim.ReviewState.PUBLISHED).exists()
    assert copies_out_of_step() == []


@pytest.mark.django_db
def test_a_forecasts_verdict_is_its_latest_verification():
    generate(600)
    verified = Forecast.objects.exclude(verdict="")
    assert verified.exists()
    for forecast in verified:
        latest = forecast.verifications.order_by("-created_at", "-id").first()
        assert latest.verdict == forecast.verdict
        assert forecast.resolve_by < TODAY
    assert not Verification.objects.filter(forecast__verdict="").exists()
    assert not Forecast.objects.filter(verdict="", verified_at__isnull=False).exists()


@pytest.mark.django_db
def test_claims_per_claimant_are_skewed_towards_a_few_prolific_actors():
    generate(2000, actors=50)
    per_claimant = sorted(Counter(Claim.objects.values_list("claimant_id", flat=True)).values(), reverse=True)
    median = per_claimant[len(per_claimant) // 2]
    assert per_claimant[0] >= 10 * median
    assert sum(per_claimant[:5]) > 2000 / 2


@pytest.mark.django_db
def test_generated_probabilities_are_what_the_lexicon_says_for_the_phrase():
    generate(600)
    for forecast in Forecast.objects.all():
        negated = forecast.phrase_applies_to == Forecast.Polarity.NEGATION
        if forecast.lexicon == Forecast.Lexicon.EXPLICIT:
            value = likelihood.parse_explicit(forecast.likelihood_phrase)
            expected = round(1 - value, 6) if negated else value
            assert forecast.probability == expected
            continue
        estimate = likelihood.lookup(forecast.likelihood_phrase, forecast.lexicon, negated=negated)
        assert (forecast.probability_low, forecast.probability_high, forecast.probability) == (
            estimate.low,
            estimate.high,
            estimate.point,
        )
        assert forecast.likelihood_phrase in Source.objects.get(pk=forecast.claim.passage.source_id).text
        if forecast.resolve_by is not None:
            assert forecast.resolve_by >= forecast.made_on


class _Undo(Exception):
    pass


def _generated_claims(seed: int) -> list[tuple]:
    """Generate into a transaction that is rolled back, and return what was generated."""
    try:
        with transaction.atomic():
            generate(300, seed=seed)
            rows = list(
                Claim.objects.order_by("id").values_list(
                    "statement", "claimant__name", "kind", "review_state", "passage__exact"
                )
            )
            raise _Undo
    except _Undo:
        return rows


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_corpus_and_another_seed_another():
    first = _generated_claims(7)
    assert not Claim.objects.exists()
    assert _generated_claims(7) == first
    assert _generated_claims(8) != first


@pytest.mark.django_db
def test_a_second_corpus_in_the_same_database_is_refused():
    generate(50)
    with pytest.raises(CommandError, match="already holds a generated corpus"):
        generate(50)


@pytest.mark.django_db
def test_actor_count_follows_claims_by_default():
    generate(5000, batch=1000)
    assert Actor.objects.count() == math.ceil(5000 / 200)
