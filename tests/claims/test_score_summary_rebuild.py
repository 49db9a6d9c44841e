"""Score summaries built for many actors at once (generate_corpus, rebuild) equal the slow reference."""

import datetime as dt
import io
import random
from dataclasses import asdict

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command

from claims import scoring, services, track_records
from claims.models import Actor, ActorScoreSummary, Forecast
from tests import factories
from tests.claims.test_score_summaries import assert_summaries_fresh_and_equal_to_reference

pytestmark = pytest.mark.django_db


def generate(claims: int) -> None:
    call_command("generate_corpus", claims=claims, no_progress=True, today=dt.date(2026, 6, 1), verbosity=0)


def stored() -> dict[int, tuple[dict, dict]]:
    rows = ActorScoreSummary.objects.all()
    return {row.actor_id: (row.data, track_records.stored_records(row)) for row in rows}


def test_generated_corpus_has_every_summary_equal_to_the_reference(editor):
    generate(600)
    actors = list(Actor.objects.order_by("pk"))
    assert ActorScoreSummary.objects.count() == len(actors)
    # The corpus has what the counts depend on: authors, unpublished claims, unscored verdicts.
    verified = Forecast.objects.exclude(verdict="")
    assert verified.filter(claim__passage__source__authors__isnull=False).exists()
    assert verified.exclude(claim__review_state="published").exists()
    assert verified.filter(verdict__in=["ambiguous", "annulled"]).exists()
    assert_summaries_fresh_and_equal_to_reference(actors, [AnonymousUser(), editor])


def test_rebuild_in_small_batches_writes_the_same_rows(monkeypatch):
    generate(400)
    built = stored()
    monkeypatch.setattr(track_records, "SUMMARY_BATCH", 3)
    monkeypatch.setattr(track_records, "WRITE_BATCH", 2)
    call_command("rebuild_score_summaries", no_progress=True, stdout=io.StringIO())
    assert stored() == built
    ActorScoreSummary.objects.all().delete()
    for actor_id in built:  # one actor at a time, as the services do
        track_records.refresh_score_summaries([actor_id])
    assert stored() == built


def test_refresh_reports_progress_per_written_batch(monkeypatch):
    monkeypatch.setattr(track_records, "WRITE_BATCH", 2)
    actors = [factories.make_actor() for _ in range(5)]
    steps = []
    track_records.refresh_score_summaries([actor.pk for actor in actors] + [None], progress=steps.append)
    assert steps == [2, 2, 1]
    assert ActorScoreSummary.objects.count() == 5


def rounded(value):
    """Every float in the value rounded to 6 places, as the API rounds scores."""
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dict):
        return {key: rounded(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [rounded(item) for item in value]
    return value


@pytest.mark.parametrize(
    "items",
    [
        [],
        [scoring.ForecastInput(forecast_id=1, verdict="annulled", probability=0.3)],
        [
            scoring.ForecastInput(forecast_id=1, verdict="borne_out", probability=0.7),
            scoring.ForecastInput(
                forecast_id=2,
                verdict="partly_borne_out",
                probability=1 / 3,
                probability_low=0.2,
                probability_high=0.45,
            ),
        ],
    ],
)
def test_aggregate_data_is_the_rounded_dataclass(items):
    result = scoring.aggregate(items)
    assert track_records.aggregate_data(result) == rounded(asdict(result))
    assert list(track_records.aggregate_data(result)) == list(asdict(result))


def test_records_updated_group_by_group_equal_records_computed_whole(monkeypatch, fact_checker, editor):
    """Each service updates the stored records by aggregating only the groups its change touched
    (apply_contributions); after every step they must equal a computation of every group. A
    breakdown limit of 2 makes sources and claimants enter and leave the listed top keys."""
    monkeypatch.setattr(track_records, "BREAKDOWN_LIMIT", 2)
    generate(500)
    track_records.refresh_score_summaries(Actor.objects.values_list("pk", flat=True))
    rng = random.Random(6)
    actors = list(Actor.objects.order_by("pk"))
    forecasts = list(Forecast.objects.select_related("claim").order_by("pk"))
    verdicts = ["borne_out", "partly_borne_out", "not_borne_out", "ambiguous", "annulled"]
    phrases = ["likely", "very unlikely", "almost certain", "roughly even chance"]
    steps = {"verdict": 0, "re-resolution": 0, "phrase": 0, "claimant": 0, "review": 0}
    for _ in range(40):
        forecast = rng.choice(forecasts)
        forecast.refresh_from_db()
        step = rng.choice(list(steps))
        if step in {"verdict", "re-resolution"}:
            services.verification_create(
                forecast=forecast,
                verdict=rng.choice(verdicts),
                rationale="What happened.",
                evidence=factories.EVIDENCE,
                reason="Read again." if forecast.verdict else "",
                created_by=fact_checker,
            )
            step = "re-resolution" if forecast.verdict else "verdict"
        elif step == "phrase":
            services.forecast_update(forecast=forecast, likelihood_phrase=rng.choice(phrases))
        elif step == "claimant":
            services.claim_update(claim=forecast.claim, claimant=rng.choice(actors))
        else:
            claim = forecast.claim
            claim.refresh_from_db()
            action = "reopen" if claim.review_state in {"published", "rejected"} else "publish"
            if claim.review_state == "draft":
                services.claim_review(claim=claim, action="submit", reviewed_by=editor)
            services.claim_review(claim=claim, action=action, reviewed_by=editor)
        steps[step] += 1
        for row in ActorScoreSummary.objects.all():
            assert row.data == track_records.compute_score_summary(row.actor_id), (step, row.actor_id)
            expected = track_records.precomputed_records(row.data)
            assert track_records.stored_records(row) == expected, (step, row.actor_id)
    assert all(steps.values()), steps
