"""Score summaries built for many actors at once (generate_corpus, rebuild) equal the slow reference."""

import datetime as dt
import io
from dataclasses import asdict

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command

from claims import scoring, track_records
from claims.models import Actor, ActorScoreSummary, Forecast
from tests import factories
from tests.claims.test_score_summaries import assert_summaries_fresh_and_equal_to_reference

pytestmark = pytest.mark.django_db


def generate(claims: int) -> None:
    call_command("generate_corpus", claims=claims, no_progress=True, today=dt.date(2026, 6, 1), verbosity=0)


def stored() -> dict[int, tuple[dict, dict]]:
    return {row.actor_id: (row.data, row.records) for row in ActorScoreSummary.objects.all()}


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
    assert track_records.aggregate_data(result) == track_records._rounded(asdict(result))
    assert list(track_records.aggregate_data(result)) == list(asdict(result))
