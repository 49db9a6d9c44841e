"""Precomputed score summaries stay equal to a fresh computation with claims/scoring.py."""

import io

from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command

from claims import scoring, services, track_records
from claims.models import ActorScoreSummary, Forecast
from tests import factories, scoring_reference


def verify(forecast, verdict, fact_checker, reason=""):
    return services.verification_create(
        forecast=forecast,
        verdict=verdict,
        rationale="What happened.",
        evidence=factories.EVIDENCE,
        reason=reason,
        created_by=fact_checker,
    )


def forecast_by(claimant, phrase, *, source, topics=(), published=True):
    return factories.make_forecast(
        published=published,
        likelihood_phrase=phrase,
        claim_fields={
            "passage": factories.make_passage(source=source),
            "claimant": claimant,
            "topics": list(topics),
        },
    )


def reference(actor, user, bins=scoring.DEFAULT_BINS) -> dict:
    """The track record computed the slow way: every forecast through scoring.aggregate."""
    items = scoring_reference.forecast_inputs(user=user, actor=actor)
    roles = {
        "claimant": [item for item in items if item.claimant and item.claimant[0] == actor.pk],
        "author": [item for item in items if any(author[0] == actor.pk for author in item.authors)],
    }
    dimensions = {
        "claimant": ["topic", "likelihood_phrase", "source"],
        "author": ["topic", "likelihood_phrase", "claimant"],
    }
    return {
        f"as_{role}": {
            **track_records.aggregate_data(scoring.aggregate(roles[role], bins)),
            **{f"by_{d}": scoring_reference.breakdown(roles[role], d, bins) for d in dimensions[role]},
        }
        for role in roles
    }


def without_forecast_lists(record: dict) -> dict:
    return {
        role: {
            key: value
            for key, value in record[role].items()
            if key not in {"forecasts", "forecasts_by_status", "source_count", "claimant_count"}
        }
        for role in ("as_claimant", "as_author")
    }


def assert_summaries_fresh_and_equal_to_reference(actors, users):
    for actor in actors:
        stored = ActorScoreSummary.objects.get(actor=actor)
        fresh = track_records.compute_score_summary(actor.pk)
        assert stored.data == fresh
        assert track_records.stored_records(stored) == track_records.precomputed_records(fresh)
        for user in users:
            for bins in (scoring.DEFAULT_BINS, 3):
                record = track_records.actor_track_record(actor_id=actor.pk, user=user, bins=bins)
                expected = reference(actor, user, bins)
                assert without_forecast_lists(record) == expected
                assert record["as_claimant"]["source_count"] == len(expected["as_claimant"]["by_source"])
                assert record["as_author"]["claimant_count"] == len(expected["as_author"]["by_claimant"])


def test_summaries_follow_verifications_re_resolutions_and_edits(fact_checker, editor):
    users = [AnonymousUser(), editor]
    kremlin, tass = factories.make_actor("Kremlin"), factories.make_actor("TASS")
    author = factories.make_actor("Dmitri Trenin", kind="person")
    ukraine, energy = factories.make_topic("Ukraine"), factories.make_topic("Energy")
    authored = factories.make_source(authors=[author])
    other = factories.make_source()
    first = forecast_by(kremlin, "very unlikely", source=authored, topics=[ukraine])
    second = forecast_by(kremlin, "likely", source=other, topics=[ukraine, energy])
    third = forecast_by(tass, "almost certain", source=authored, topics=[energy])
    draft = forecast_by(kremlin, "unlikely", source=authored, published=False)
    actors = [kremlin, tass, author]

    verify(first, "not_borne_out", fact_checker)
    verify(second, "partly_borne_out", fact_checker)
    verify(third, "borne_out", fact_checker)
    verify(draft, "annulled", fact_checker)
    assert_summaries_fresh_and_equal_to_reference(actors, users)

    verify(first, "borne_out", fact_checker, reason="The first reading was wrong.")
    verify(draft, "not_borne_out", fact_checker, reason="The condition held after all.")
    assert_summaries_fresh_and_equal_to_reference(actors, users)

    for forecast in (first, second, third, draft):
        forecast.refresh_from_db()
    services.forecast_update(forecast=second, probability=0.9, probability_low=0.8, probability_high=0.95)
    services.forecast_update(forecast=third, likelihood_phrase="unlikely")
    assert_summaries_fresh_and_equal_to_reference(actors, users)

    services.claim_update(claim=second.claim, claimant=tass, topics=[energy])
    services.claim_review(claim=draft.claim, action="publish", reviewed_by=editor)
    services.claim_review(claim=third.claim, action="reopen", reviewed_by=editor)
    assert_summaries_fresh_and_equal_to_reference(actors, users)

    record = track_records.actor_track_record(actor_id=tass.pk, user=AnonymousUser())
    # second (0.9 partly: 0.16) is now TASS's and published; third was reopened, so anonymous sees one.
    assert (record["as_claimant"]["count"], record["as_claimant"]["mean_brier"]) == (1, 0.16)


def test_rebuild_command_recreates_equal_summaries(fact_checker):
    kremlin = factories.make_actor("Kremlin")
    source = factories.make_source(authors=[factories.make_actor("Author", kind="person")])
    verify(forecast_by(kremlin, "likely", source=source), "borne_out", fact_checker)
    before = {row.actor_id: row.data for row in ActorScoreSummary.objects.all()}
    ActorScoreSummary.objects.all().delete()
    call_command("rebuild_score_summaries", stdout=io.StringIO())
    assert {row.actor_id: row.data for row in ActorScoreSummary.objects.all()} == before


def test_source_breakdown_lists_the_sources_with_most_forecasts_and_counts_all(fact_checker, monkeypatch):
    monkeypatch.setattr(track_records, "BREAKDOWN_LIMIT", 1)
    kremlin = factories.make_actor("Kremlin")
    busy, quiet = factories.make_source(title="Busy"), factories.make_source(title="Quiet")
    for source in (busy, busy, quiet):
        verify(forecast_by(kremlin, "likely", source=source), "borne_out", fact_checker)
    record = track_records.actor_track_record(actor_id=kremlin.pk, user=AnonymousUser())["as_claimant"]
    assert record["count"] == 3
    assert record["source_count"] == 2
    # 0.675 borne out: (0.675 - 1)^2 = 0.105625
    assert [(row["name"], row["count"], row["mean_brier"]) for row in record["by_source"]] == [
        ("Busy", 2, 0.105625)
    ]
    # Busy's claims move to another claimant: Quiet, unchanged itself, enters the listed top key,
    # and the stored records, updated group by group, list it.
    tass = factories.make_actor("TASS")
    for forecast in Forecast.objects.filter(claim__passage__source=busy):
        services.claim_update(claim=forecast.claim, claimant=tass)
    record = track_records.actor_track_record(actor_id=kremlin.pk, user=AnonymousUser())["as_claimant"]
    assert [(row["name"], row["count"]) for row in record["by_source"]] == [("Quiet", 1)]
    assert record["source_count"] == 1
    fresh = track_records.compute_score_summary(kremlin.pk)
    stored = track_records.stored_records(ActorScoreSummary.objects.get(actor=kremlin))
    assert stored == track_records.precomputed_records(fresh)
