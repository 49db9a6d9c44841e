"""The database itself refuses rows that break an invariant, whatever code writes them."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from claims.models import Actor, Claim, Forecast, Topic, Verification
from sources.models import Passage, Source
from tests import factories


def refused(create) -> bool:
    try:
        with transaction.atomic():
            create()
    except IntegrityError:
        return True
    return False


@pytest.fixture
def forecast(db):
    return factories.make_forecast()


def forecast_row(claim, **fields):
    values = {"claim": claim, "outcome": "x", "made_on": dt.date(2022, 1, 1)} | fields
    return lambda: Forecast.objects.create(**values)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields",
    [
        {"probability": 1.5},
        {"probability": -0.1},
        {"probability_low": 0.6, "probability_high": 0.4, "probability": 0.5},
        {"probability_low": 0.1, "probability_high": 0.2, "probability": 0.9},
        {"probability_low": -0.1, "probability_high": 0.2},
        {"resolve_by": dt.date(2021, 12, 31)},
        {"lexicon": "astrology"},
        {"phrase_applies_to": "sideways"},
        {"verdict": "maybe"},
        {"outcome": ""},
    ],
)
def test_forecast_constraints_refuse_bad_rows(fields):
    claim = factories.make_claim(kind=Claim.Kind.FORECAST)
    assert refused(forecast_row(claim, **fields))


@pytest.mark.django_db
def test_forecast_constraints_accept_a_good_row():
    claim = factories.make_claim(kind=Claim.Kind.FORECAST)
    good = forecast_row(
        claim, probability_low=0.05, probability_high=0.2, probability=0.125, resolve_by=dt.date(2022, 1, 1)
    )
    assert not refused(good)


def test_one_forecast_per_claim(forecast):
    assert refused(forecast_row(forecast.claim))


@pytest.mark.django_db
def test_passage_must_end_after_it_starts():
    source = factories.make_source()
    row = {"source": source, "exact": "R", "revision": 1}
    assert refused(lambda: Passage.objects.create(start=5, end=5, **row))
    assert refused(lambda: Passage.objects.create(start=5, end=3, **row))
    assert refused(lambda: Passage.objects.create(start=0, end=1, anchor_status="lost", **row))


@pytest.mark.django_db
def test_source_and_actor_choices_are_constrained():
    assert refused(lambda: Source.objects.create(title="t", kind="novel", text="x", text_sha256="0"))
    assert refused(lambda: Source.objects.create(title="t", published_precision="week", text="x"))
    assert refused(lambda: Actor.objects.create(name="A", kind="alien"))
    assert refused(lambda: Actor.objects.create(name="B", wikidata_id="159"))


@pytest.mark.django_db
def test_actor_and_topic_names_are_unique_ignoring_case():
    Actor.objects.create(name="Kremlin")
    assert refused(lambda: Actor.objects.create(name="KREMLIN"))
    Topic.objects.create(name="Sanctions", slug="sanctions")
    assert refused(lambda: Topic.objects.create(name="sanctions", slug="other"))


def test_claim_review_state_and_kind_are_constrained(forecast):
    claim = forecast.claim
    assert refused(lambda: Claim.objects.filter(pk=claim.pk).update(review_state="limbo"))
    assert refused(lambda: Claim.objects.filter(pk=claim.pk).update(kind="rumour"))


def test_verification_verdict_rationale_and_reresolution_reason_are_constrained(forecast):
    base = {"forecast": forecast, "rationale": "because", "evidence": factories.EVIDENCE}
    assert refused(lambda: Verification.objects.create(**(base | {"verdict": "probably"})))
    assert refused(lambda: Verification.objects.create(**(base | {"verdict": "borne_out", "rationale": ""})))
    first = Verification.objects.create(**(base | {"verdict": "borne_out"}))
    assert refused(
        lambda: Verification.objects.create(**(base | {"verdict": "annulled", "supersedes": first}))
    )


def test_curated_rows_others_depend_on_cannot_be_deleted(forecast):
    claim = forecast.claim
    for row in (claim.passage.source, claim.passage, claim):
        with pytest.raises(ProtectedError):
            row.delete()
    claimant = factories.make_actor("Kremlin")
    claim.claimant = claimant
    claim.save()
    with pytest.raises(ProtectedError):
        claimant.delete()
