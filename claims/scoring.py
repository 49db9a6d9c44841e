"""Scoring verified forecasts: Brier and log scores, aggregates, calibration bins, the interval view.

Pure functions over plain values; no database. The rules (PRODUCT.md):

- the outcome value o is 1 for borne out, 0 for not borne out, 0.5 for partly borne out;
  ambiguous and annulled verdicts are not scored, nor are forecasts without a probability;
- Brier score (p - o)^2, lower is better, 0 is perfect;
- log score o*ln(p) + (1 - o)*ln(1 - p) with p clipped to [0.001, 0.999], natural log,
  higher (closer to 0) is better;
- Brier skill against the 0.5 baseline: 1 - mean Brier / 0.25, the Brier score a forecaster
  who always says 0.5 gets on a yes/no outcome. Above 0 beats the coin, below 0 does worse;
- calibration bins: forecasts grouped by predicted probability, each bin with its count, the
  mean predicted probability and the observed frequency (the mean outcome value);
- the interval view: a verbal phrase stands for a range ("very unlikely" = 0.05–0.20), so
  the Brier score is also computed at both ends of the range, and the best and worst the
  range allows.
"""

import math
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field

OUTCOME_VALUES: dict[str, float] = {
    "borne_out": 1.0,
    "partly_borne_out": 0.5,
    "not_borne_out": 0.0,
}
UNSCORED_VERDICTS = frozenset({"ambiguous", "annulled"})
LOG_CLIP = (0.001, 0.999)
BASELINE_BRIER = 0.25
DEFAULT_BINS = 10


def outcome_value(verdict: str) -> float | None:
    """1, 0.5 or 0 for a scored verdict; None for ambiguous, annulled or no verdict."""
    return OUTCOME_VALUES.get(verdict)


def brier(probability: float, outcome: float) -> float:
    """(p - o)^2."""
    _check_probability(probability)
    return (probability - outcome) ** 2


def log_score(probability: float, outcome: float) -> float:
    """o*ln(p) + (1 - o)*ln(1 - p), p clipped to [0.001, 0.999]; 0 is perfect, more negative is worse."""
    _check_probability(probability)
    low, high = LOG_CLIP
    p = min(max(probability, low), high)
    return outcome * math.log(p) + (1 - outcome) * math.log(1 - p)


def brier_skill(mean_brier: float) -> float:
    """Skill against always saying 0.5: 1 - mean Brier / 0.25."""
    return 1 - mean_brier / BASELINE_BRIER


def _check_probability(probability: float) -> None:
    if not 0 <= probability <= 1:
        raise ValueError(f"A probability lies between 0 and 1, not {probability}.")


@dataclass(frozen=True)
class ForecastInput:
    """What scoring needs to know about one verified forecast, plus the keys it is grouped by."""

    forecast_id: int
    verdict: str
    probability: float | None
    probability_low: float | None = None
    probability_high: float | None = None
    likelihood_phrase: str = ""
    claimant: tuple | None = None
    authors: tuple = ()
    source: tuple | None = None
    topics: tuple = ()


@dataclass(frozen=True)
class Score:
    """The scores of one forecast."""

    forecast: ForecastInput
    outcome: float
    brier: float
    log_score: float
    brier_at_low: float
    brier_at_high: float
    brier_best: float
    brier_worst: float


def score(item: ForecastInput) -> Score | None:
    """Score one forecast; None when its verdict or its missing probability leaves nothing to score."""
    outcome = outcome_value(item.verdict)
    if outcome is None or item.probability is None:
        return None
    low = item.probability if item.probability_low is None else item.probability_low
    high = item.probability if item.probability_high is None else item.probability_high
    at_low, at_high = brier(low, outcome), brier(high, outcome)
    # (p - o)^2 is convex in p: the worst of the range is at an end, the best is 0 when o is inside.
    best = 0.0 if low <= outcome <= high else min(at_low, at_high)
    return Score(
        forecast=item,
        outcome=outcome,
        brier=brier(item.probability, outcome),
        log_score=log_score(item.probability, outcome),
        brier_at_low=at_low,
        brier_at_high=at_high,
        brier_best=best,
        brier_worst=max(at_low, at_high),
    )


@dataclass(frozen=True)
class CalibrationBin:
    """Forecasts whose probability falls in [lower, upper) (the last bin includes 1)."""

    lower: float
    upper: float
    count: int
    mean_predicted: float | None
    observed_frequency: float | None


def calibration_bins(scores: Iterable[Score], bins: int = DEFAULT_BINS) -> list[CalibrationBin]:
    """Equal-width bins over [0, 1]; empty bins are kept, with count 0 and no means."""
    if bins < 1:
        raise ValueError("There must be at least one calibration bin.")
    members: list[list[Score]] = [[] for _ in range(bins)]
    for item in scores:
        members[bin_index(item.forecast.probability, bins)].append(item)
    result = []
    for index, group in enumerate(members):
        count = len(group)
        result.append(
            CalibrationBin(
                lower=index / bins,
                upper=(index + 1) / bins,
                count=count,
                mean_predicted=_mean(s.forecast.probability for s in group) if count else None,
                observed_frequency=_mean(s.outcome for s in group) if count else None,
            )
        )
    return result


def bin_index(probability: float, bins: int) -> int:
    """The calibration bin of a probability among `bins` equal-width bins (the last includes 1)."""
    # Rounding first keeps a probability on an edge (0.3 with 10 bins) in the bin it starts.
    return min(int(round(probability * bins, 9)), bins - 1)


@dataclass(frozen=True)
class IntervalView:
    """Mean Brier score with every forecast at the low end, the high end, the best and worst of its range."""

    mean_brier_at_low: float
    mean_brier_at_high: float
    mean_brier_best: float
    mean_brier_worst: float


@dataclass(frozen=True)
class Aggregate:
    """The track record of a group of forecasts."""

    count: int
    unscored: int
    mean_brier: float | None
    brier_skill: float | None
    mean_log_score: float | None
    calibration: list[CalibrationBin] = field(default_factory=list)
    interval: IntervalView | None = None


def aggregate(items: Iterable[ForecastInput], bins: int = DEFAULT_BINS) -> Aggregate:
    """Count, mean Brier, skill, mean log score, calibration bins and interval view of the scored items.

    `unscored` counts items whose verdict is ambiguous or annulled or that have no probability.
    """
    scores, unscored = [], 0
    for item in items:
        scored = score(item)
        if scored is None:
            unscored += 1
        else:
            scores.append(scored)
    if not scores:
        return Aggregate(
            count=0,
            unscored=unscored,
            mean_brier=None,
            brier_skill=None,
            mean_log_score=None,
            calibration=calibration_bins([], bins),
        )
    mean_brier = _mean(s.brier for s in scores)
    return Aggregate(
        count=len(scores),
        unscored=unscored,
        mean_brier=mean_brier,
        brier_skill=brier_skill(mean_brier),
        mean_log_score=_mean(s.log_score for s in scores),
        calibration=calibration_bins(scores, bins),
        interval=IntervalView(
            mean_brier_at_low=_mean(s.brier_at_low for s in scores),
            mean_brier_at_high=_mean(s.brier_at_high for s in scores),
            mean_brier_best=_mean(s.brier_best for s in scores),
            mean_brier_worst=_mean(s.brier_worst for s in scores),
        ),
    )


def aggregate_by(
    items: Iterable[ForecastInput],
    keys: Callable[[ForecastInput], Iterable[Hashable]],
    bins: int = DEFAULT_BINS,
) -> dict[Hashable, Aggregate]:
    """One aggregate per key; an item with several keys (two topics, two authors) counts in each."""
    groups: dict[Hashable, list[ForecastInput]] = defaultdict(list)
    for item in items:
        for key in dict.fromkeys(keys(item)):
            groups[key].append(item)
    return {key: aggregate(group, bins) for key, group in groups.items()}


def phrase_key(phrase: str) -> str:
    """The key a likelihood phrase is grouped by: without case or spaces around ("" for none)."""
    return phrase.strip().lower()


# The dimensions a track record is broken down by. Each returns the keys of one item.
DIMENSIONS: dict[str, Callable[[ForecastInput], Iterable[Hashable]]] = {
    "claimant": lambda item: [item.claimant] if item.claimant else [],
    "author": lambda item: item.authors,
    "source": lambda item: [item.source] if item.source else [],
    "topic": lambda item: item.topics,
    "likelihood_phrase": lambda item: [key] if (key := phrase_key(item.likelihood_phrase)) else [],
}


def _mean(values: Iterable[float]) -> float:
    values = list(values)
    return math.fsum(values) / len(values)
