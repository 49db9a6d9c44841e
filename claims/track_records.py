"""Track records: load verified forecasts in a fixed number of queries and aggregate their scores.

Three queries whatever the number of forecasts: the forecasts with their claimant and source,
the topics of their claims, the authors of their sources.
"""

from collections import defaultdict
from dataclasses import asdict

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from claims import scoring
from claims.models import Actor, Claim, Forecast, Verification
from claims.selectors import PUBLISHED, can_see_unpublished
from sources.models import Source


def verified_forecasts(*, user, actor: Actor | None = None) -> Q:
    """A filter: forecasts with a verdict that the user may see, optionally those of one actor.

    An actor's forecasts are those it is the claimant of, or that appear in a source it wrote.
    """
    condition = ~Q(verdict="")
    if not can_see_unpublished(user):
        condition &= Q(claim__review_state=PUBLISHED)
    if actor is not None:
        authored = Source.authors.through.objects.filter(
            source_id=OuterRef("claim__passage__source_id"), actor_id=actor.pk
        )
        condition &= Q(claim__claimant=actor) | Q(Exists(authored))
    return condition


def forecast_inputs(*, user, actor: Actor | None = None) -> list[scoring.ForecastInput]:
    """The verified forecasts the user may see, as scoring inputs with their grouping keys."""
    rows = list(
        Forecast.objects.filter(verified_forecasts(user=user, actor=actor))
        .order_by("id")
        .values(
            "id",
            "verdict",
            "probability",
            "probability_low",
            "probability_high",
            "likelihood_phrase",
            "claim_id",
            "claim__claimant_id",
            "claim__claimant__name",
            "claim__passage__source_id",
            "claim__passage__source__title",
        )
    )
    if not rows:
        return []
    claim_ids = [row["claim_id"] for row in rows]
    source_ids = {row["claim__passage__source_id"] for row in rows}
    topics = defaultdict(list)
    for link in (
        Claim.topics.through.objects.filter(claim_id__in=claim_ids)
        .order_by("topic__name", "topic_id")
        .values_list("claim_id", "topic_id", "topic__name")
    ):
        topics[link[0]].append((link[1], link[2]))
    authors = defaultdict(list)
    for link in (
        Source.authors.through.objects.filter(source_id__in=source_ids)
        .order_by("actor__name", "actor_id")
        .values_list("source_id", "actor_id", "actor__name")
    ):
        authors[link[0]].append((link[1], link[2]))
    return [
        scoring.ForecastInput(
            forecast_id=row["id"],
            verdict=row["verdict"],
            probability=row["probability"],
            probability_low=row["probability_low"],
            probability_high=row["probability_high"],
            likelihood_phrase=row["likelihood_phrase"],
            claimant=(row["claim__claimant_id"], row["claim__claimant__name"])
            if row["claim__claimant_id"]
            else None,
            authors=tuple(authors[row["claim__passage__source_id"]]),
            source=(row["claim__passage__source_id"], row["claim__passage__source__title"]),
            topics=tuple(topics[row["claim_id"]]),
        )
        for row in rows
    ]


def claim_review_forecasts(*, user) -> QuerySet[Forecast]:
    """Verified forecasts the user may see, with what a ClaimReview shows, latest verdict first."""
    latest_rationale = (
        Verification.objects.filter(forecast=OuterRef("pk"))
        .order_by("-created_at", "-id")
        .values("rationale")
    )[:1]
    return (
        Forecast.objects.filter(verified_forecasts(user=user))
        .select_related("claim", "claim__claimant", "claim__passage__source")
        .annotate(latest_rationale=Subquery(latest_rationale))
        .order_by("-verified_at", "-id")
    )


# Serialisation to plain data (the API's JSON and the admin's templates) ----------------------


def aggregate_data(result: scoring.Aggregate) -> dict:
    """An aggregate as plain data, floats rounded to 6 places."""
    data = asdict(result)
    return _rounded(data)


def breakdown(items, dimension: str, bins: int = scoring.DEFAULT_BINS) -> list[dict]:
    """Aggregates per key of one dimension, best mean Brier first, unscored-only groups last."""
    groups = scoring.aggregate_by(items, scoring.DIMENSIONS[dimension], bins)
    rows = []
    for key, result in groups.items():
        label = {"phrase": key} if dimension == "likelihood_phrase" else {"id": key[0], "name": key[1]}
        rows.append({**label, **aggregate_data(result)})
    rows.sort(
        key=lambda row: (
            row["mean_brier"] is None,
            row["mean_brier"] or 0,
            -row["count"],
            str(row.get("name", row.get("phrase"))),
        )
    )
    return rows


def forecast_scores(items) -> list[dict]:
    """Each forecast with its outcome value and scores (None when not scored)."""
    rows = []
    for item in items:
        scored = scoring.score(item)
        rows.append(
            _rounded(
                {
                    "forecast": item.forecast_id,
                    "verdict": item.verdict,
                    "likelihood_phrase": item.likelihood_phrase,
                    "probability": item.probability,
                    "outcome": scored.outcome if scored else None,
                    "brier": scored.brier if scored else None,
                    "log_score": scored.log_score if scored else None,
                }
            )
        )
    return rows


def _split_by_role(items, actor: Actor) -> dict[str, list[scoring.ForecastInput]]:
    return {
        "claimant": [item for item in items if item.claimant and item.claimant[0] == actor.pk],
        "author": [item for item in items if any(author[0] == actor.pk for author in item.authors)],
    }


def actor_aggregate(*, actor: Actor, user, role: str = "claimant", bins: int = scoring.DEFAULT_BINS):
    """The aggregate of the actor's forecasts in one role (claimant or author)."""
    return scoring.aggregate(_split_by_role(forecast_inputs(user=user, actor=actor), actor)[role], bins)


def actor_track_record(*, actor: Actor, user, bins: int = scoring.DEFAULT_BINS) -> dict:
    """The actor's record as claimant and as author: summary, breakdowns, per-forecast scores."""
    roles = _split_by_role(forecast_inputs(user=user, actor=actor), actor)
    as_claimant, as_author = roles["claimant"], roles["author"]
    return {
        "actor": {"id": actor.pk, "name": actor.name, "kind": actor.kind},
        "as_claimant": _record(as_claimant, bins, ["topic", "likelihood_phrase", "source"]),
        "as_author": _record(as_author, bins, ["topic", "likelihood_phrase", "claimant"]),
    }


def _record(items, bins, dimensions) -> dict:
    return {
        **aggregate_data(scoring.aggregate(items, bins)),
        **{f"by_{dimension}": breakdown(items, dimension, bins) for dimension in dimensions},
        "forecasts": forecast_scores(items),
    }


def leaderboard(*, user, bins: int = scoring.DEFAULT_BINS) -> dict:
    """Aggregates over every verified forecast the user may see, broken down by each dimension."""
    items = forecast_inputs(user=user)
    return {
        "overall": aggregate_data(scoring.aggregate(items, bins)),
        **{dimension: breakdown(items, dimension, bins) for dimension in scoring.DIMENSIONS},
    }


def _rounded(value):
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(item) for item in value]
    return value
