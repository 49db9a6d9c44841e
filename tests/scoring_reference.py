"""Track records and the leaderboard computed the slow way: every verified forecast loaded as a
scoring input and scored through claims.scoring. The tests hold claims.track_records, which
counts in the database, equal to this."""

from collections import defaultdict

from claims import scoring
from claims.models import Actor, Claim, Forecast
from claims.track_records import _sorted_breakdown, aggregate_data, verified_forecasts
from sources.models import Source


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
    topics = _linked(Claim.topics.through.objects.filter(claim_id__in=claim_ids), "claim_id", "topic")
    authors = _linked(Source.authors.through.objects.filter(source_id__in=source_ids), "source_id", "actor")
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


def breakdown(items, dimension: str, bins: int = scoring.DEFAULT_BINS) -> list[dict]:
    """Aggregates per key of one dimension, best mean Brier first, unscored-only groups last."""
    groups = scoring.aggregate_by(items, scoring.DIMENSIONS[dimension], bins)
    rows = []
    for key, result in groups.items():
        label = {"phrase": key} if dimension == "likelihood_phrase" else {"id": key[0], "name": key[1]}
        rows.append({**label, **aggregate_data(result)})
    return _sorted_breakdown(rows)


def _linked(links, key: str, target: str) -> dict:
    """The (id, name) of each link's target, by the link's key, in the order of the names."""
    linked = defaultdict(list)
    for owner, target_id, name in links.order_by(f"{target}__name", f"{target}_id").values_list(
        key, f"{target}_id", f"{target}__name"
    ):
        linked[owner].append((target_id, name))
    return linked
