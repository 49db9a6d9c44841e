"""Scoring against values computed by hand (the arithmetic is written next to each number)."""

import pytest

from claims import scoring
from claims.calibration_plot import calibration_svg
from claims.scoring import ForecastInput


def item(forecast_id, probability, verdict, low=None, high=None, **keys):
    return ForecastInput(
        forecast_id=forecast_id,
        verdict=verdict,
        probability=probability,
        probability_low=low,
        probability_high=high,
        **keys,
    )


def test_brier_of_a_low_forecast_that_did_not_happen():
    # (0.125 - 0)^2
    assert scoring.brier(0.125, 0.0) == 0.015625


def test_brier_of_a_low_forecast_that_happened():
    # (0.125 - 1)^2 = 0.875^2
    assert scoring.brier(0.125, 1.0) == 0.765625


def test_partly_borne_out_counts_as_half():
    # (0.675 - 0.5)^2 = 0.175^2
    assert scoring.outcome_value("partly_borne_out") == 0.5
    assert scoring.brier(0.675, 0.5) == pytest.approx(0.030625)


@pytest.mark.parametrize("verdict", ["ambiguous", "annulled", ""])
def test_ambiguous_annulled_and_unverified_forecasts_are_not_scored(verdict):
    assert scoring.outcome_value(verdict) is None
    assert scoring.score(item(1, 0.125, verdict)) is None


def test_forecast_without_probability_is_not_scored():
    assert scoring.score(item(1, None, "borne_out")) is None


def test_log_score_uses_natural_log_of_the_probability_given_to_what_happened():
    # ln(1 - 0.125) = ln(0.875); ln(0.125)
    assert scoring.log_score(0.125, 0.0) == pytest.approx(-0.13353139262452263)
    assert scoring.log_score(0.125, 1.0) == pytest.approx(-2.0794415416798357)


def test_log_score_of_partly_borne_out_weighs_both_sides_equally():
    # 0.5*ln(0.675) + 0.5*ln(0.325) = 0.5*(-0.3930426) + 0.5*(-1.1239300)
    assert scoring.log_score(0.675, 0.5) == pytest.approx(-0.7584863423810033)


def test_log_score_clips_certainty_to_one_in_a_thousand():
    # ln(0.001) either way, never -infinity
    assert scoring.log_score(0.0, 1.0) == pytest.approx(-6.907755278982137)
    assert scoring.log_score(1.0, 0.0) == pytest.approx(-6.907755278982137)
    assert scoring.brier(0.0, 1.0) == 1.0


def test_probability_outside_unit_interval_is_refused():
    with pytest.raises(ValueError, match=r"A probability lies between 0 and 1, not 1\.2\."):
        scoring.brier(1.2, 1.0)


def test_brier_skill_is_relative_to_always_saying_half():
    # 1 - 0.25/0.25, 1 - 0.015625/0.25, 1 - 0.765625/0.25
    assert scoring.brier_skill(0.25) == 0.0
    assert scoring.brier_skill(0.015625) == 0.9375
    assert scoring.brier_skill(0.765625) == -2.0625


def sample():
    return [
        item(1, 0.125, "not_borne_out", 0.05, 0.20, likelihood_phrase="very unlikely"),
        item(2, 0.875, "borne_out", 0.80, 0.95, likelihood_phrase="Very likely"),
        item(3, 0.675, "partly_borne_out", 0.55, 0.80, likelihood_phrase="likely"),
        item(4, 0.5, "annulled", 0.45, 0.55, likelihood_phrase="roughly even chance"),
    ]


def test_aggregate_counts_scored_and_unscored_and_averages_brier():
    result = scoring.aggregate(sample())
    # Briers 0.015625, 0.015625, 0.030625 -> mean 0.061875 / 3 = 0.020625; the annulled one is unscored.
    assert result.count == 3
    assert result.unscored == 1
    assert result.mean_brier == pytest.approx(0.020625)
    # 1 - 0.020625 / 0.25 = 1 - 0.0825
    assert result.brier_skill == pytest.approx(0.9175)
    # (ln 0.875 + ln 0.875 + (-0.7584863)) / 3
    assert result.mean_log_score == pytest.approx((-0.13353139262452263 * 2 - 0.7584863423810033) / 3)


def test_calibration_bins_hold_count_mean_predicted_and_observed_frequency():
    bins = scoring.aggregate(sample()).calibration
    assert len(bins) == 10
    filled = [(b.lower, b.upper, b.count, b.mean_predicted, b.observed_frequency) for b in bins if b.count]
    assert filled == [
        (0.1, 0.2, 1, 0.125, 0.0),
        (0.6, 0.7, 1, 0.675, 0.5),
        (0.8, 0.9, 1, 0.875, 1.0),
    ]
    assert bins[0].mean_predicted is None
    assert bins[0].observed_frequency is None


def test_calibration_bin_edges_belong_to_the_upper_bin_and_one_to_the_last():
    items = [item(1, 0.3, "borne_out"), item(2, 0.3, "not_borne_out"), item(3, 1.0, "borne_out")]
    bins = scoring.calibration_bins([scoring.score(i) for i in items], bins=5)
    # 0.3 * 5 = 1.5 -> bin 1 (0.2-0.4); 1.0 -> the last bin (0.8-1.0)
    assert [b.count for b in bins] == [0, 2, 0, 0, 1]
    assert bins[1].observed_frequency == 0.5
    edge = scoring.calibration_bins([scoring.score(item(1, 0.3, "borne_out"))], bins=10)
    assert [b.count for b in edge][3] == 1


def test_interval_view_scores_both_ends_of_each_phrase_range():
    interval = scoring.aggregate(sample()).interval
    # very unlikely 0.05-0.20, not borne out: 0.05^2 = 0.0025, 0.20^2 = 0.04
    # very likely 0.80-0.95, borne out: 0.20^2 = 0.04, 0.05^2 = 0.0025
    # likely 0.55-0.80, partly: 0.05^2 = 0.0025, 0.30^2 = 0.09
    assert interval.mean_brier_at_low == pytest.approx((0.0025 + 0.04 + 0.0025) / 3)
    assert interval.mean_brier_at_high == pytest.approx((0.04 + 0.0025 + 0.09) / 3)
    assert interval.mean_brier_best == pytest.approx(0.0025)
    assert interval.mean_brier_worst == pytest.approx((0.04 + 0.04 + 0.09) / 3)


def test_interval_best_is_zero_when_the_outcome_lies_inside_the_range():
    scored = scoring.score(item(1, 0.5, "partly_borne_out", 0.45, 0.55))
    # o = 0.5 is inside 0.45-0.55; the ends score 0.05^2 each
    assert scored.brier_best == 0.0
    assert scored.brier_worst == pytest.approx(0.0025)


def test_empty_aggregate_has_no_means_and_empty_bins():
    result = scoring.aggregate([item(1, 0.2, "ambiguous")])
    assert (result.count, result.unscored, result.mean_brier, result.brier_skill) == (0, 1, None, None)
    assert result.interval is None
    assert [b.count for b in result.calibration] == [0] * 10


def test_aggregate_by_topic_counts_a_forecast_in_each_of_its_topics():
    items = [
        item(1, 0.125, "not_borne_out", topics=((1, "Ukraine"), (2, "NATO"))),
        item(2, 0.125, "borne_out", topics=((1, "Ukraine"),)),
    ]
    groups = scoring.aggregate_by(items, scoring.DIMENSIONS["topic"])
    assert groups[(1, "Ukraine")].count == 2
    # (0.015625 + 0.765625) / 2
    assert groups[(1, "Ukraine")].mean_brier == pytest.approx(0.390625)
    assert groups[(2, "NATO")].count == 1
    assert groups[(2, "NATO")].mean_brier == 0.015625


def test_likelihood_phrases_are_grouped_case_insensitively():
    items = [*sample(), item(5, 0.875, "not_borne_out", likelihood_phrase="very likely")]
    groups = scoring.aggregate_by(items, scoring.DIMENSIONS["likelihood_phrase"])
    # 0.875 borne out: 0.015625; 0.875 not borne out: 0.765625 -> mean 0.390625
    assert groups["very likely"].count == 2
    assert groups["very likely"].mean_brier == pytest.approx(0.390625)


def test_calibration_svg_shows_a_point_and_count_per_filled_bin():
    svg = calibration_svg(scoring.aggregate(sample()).calibration, title="Kremlin <watchers>")
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert svg.count("<circle ") == 3
    assert svg.count(">n=1</text>") == 3
    assert "Kremlin &lt;watchers&gt;" in svg
    assert "0.6–0.7: 1 forecast(s), mean predicted 0.675, observed 0.500" in svg


def test_calibration_svg_without_scores_says_so():
    svg = calibration_svg(scoring.calibration_bins([]))
    assert "<circle " not in svg
    assert "No scored forecasts yet" in svg
