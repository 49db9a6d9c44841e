"""GET /api/v1/actors/{id}/track-record/ and calibration.svg: numbers equal hand-computed Brier scores."""

from http import HTTPStatus

import pytest

from claims import services, track_records
from tests import factories


def verify(forecast, verdict, fact_checker, reason=""):
    return services.verification_create(
        forecast=forecast,
        verdict=verdict,
        rationale="What happened.",
        evidence=factories.EVIDENCE,
        reason=reason,
        created_by=fact_checker,
    )


def forecast_by(claimant, phrase, *, published=True, source=None, topics=(), **fields):
    passage = factories.make_passage(source=source) if source else factories.make_passage()
    return factories.make_forecast(
        published=published,
        likelihood_phrase=phrase,
        claim_fields={"passage": passage, "claimant": claimant, "topics": list(topics)},
        **fields,
    )


@pytest.fixture
def kremlin(db):
    return factories.make_actor("Kremlin", kind="government_body")


@pytest.fixture
def scored(kremlin, fact_checker):
    """Four published, verified forecasts by one claimant with known points (ICD 203 midpoints)."""
    ukraine = factories.make_topic("Ukraine")
    # very unlikely -> 0.125; likely -> 0.675
    verify(forecast_by(kremlin, "very unlikely", topics=[ukraine]), "not_borne_out", fact_checker)
    verify(forecast_by(kremlin, "very unlikely", topics=[ukraine]), "borne_out", fact_checker)
    verify(forecast_by(kremlin, "likely"), "partly_borne_out", fact_checker)
    verify(forecast_by(kremlin, "unlikely"), "annulled", fact_checker)
    return ukraine


def test_track_record_equals_hand_computed_brier_scores(anon_client, kremlin, scored):
    response = anon_client.get(f"/api/v1/actors/{kremlin.pk}/track-record/")
    assert response.status_code == HTTPStatus.OK
    record = response.json()["as_claimant"]
    # (0.125-0)^2 = 0.015625, (0.125-1)^2 = 0.765625, (0.675-0.5)^2 = 0.030625; annulled not scored.
    # The latest verdicts come first.
    assert [row["brier"] for row in record["forecasts"]] == [None, 0.030625, 0.765625, 0.015625]
    assert record["count"] == 3
    assert record["unscored"] == 1
    # (0.015625 + 0.765625 + 0.030625) / 3 = 0.811875 / 3
    assert record["mean_brier"] == 0.270625
    # 1 - 0.270625 / 0.25
    assert record["brier_skill"] == -0.0825
    # very unlikely 0.05-0.20: not borne out 0.0025 / 0.04, borne out 0.9025 / 0.64; likely 0.55-0.80
    # partly: 0.0025 / 0.09 -> low end (0.0025 + 0.9025 + 0.0025) / 3, high end (0.04 + 0.64 + 0.09) / 3
    assert record["interval"]["mean_brier_at_low"] == 0.3025
    assert record["interval"]["mean_brier_at_high"] == round(0.77 / 3, 6)


def test_track_record_breaks_down_by_topic_and_phrase_with_calibration_counts(anon_client, kremlin, scored):
    record = anon_client.get(f"/api/v1/actors/{kremlin.pk}/track-record/").json()["as_claimant"]
    by_topic = {row["name"]: (row["count"], row["mean_brier"]) for row in record["by_topic"]}
    # (0.015625 + 0.765625) / 2
    assert by_topic == {"Ukraine": (2, 0.390625)}
    by_phrase = {row["phrase"]: (row["count"], row["unscored"]) for row in record["by_likelihood_phrase"]}
    assert by_phrase == {"very unlikely": (2, 0), "likely": (1, 0), "unlikely": (0, 1)}
    filled = [(b["lower"], b["count"], b["observed_frequency"]) for b in record["calibration"] if b["count"]]
    # 0.125 twice (one happened, one not), 0.675 once (partly)
    assert filled == [(0.1, 2, 0.5), (0.6, 1, 0.5)]


def test_re_resolution_scores_the_latest_verdict(anon_client, kremlin, fact_checker):
    forecast = forecast_by(kremlin, "very unlikely")
    verify(forecast, "borne_out", fact_checker)
    verify(forecast, "not_borne_out", fact_checker, reason="The first reading was wrong.")
    record = anon_client.get(f"/api/v1/actors/{kremlin.pk}/track-record/").json()["as_claimant"]
    assert [(row["verdict"], row["brier"]) for row in record["forecasts"]] == [("not_borne_out", 0.015625)]


def test_anonymous_track_record_counts_published_claims_only(
    anon_client, editor_client, kremlin, fact_checker
):
    verify(forecast_by(kremlin, "very unlikely"), "not_borne_out", fact_checker)
    verify(forecast_by(kremlin, "very likely", published=False), "not_borne_out", fact_checker)
    url = f"/api/v1/actors/{kremlin.pk}/track-record/"
    assert anon_client.get(url).json()["as_claimant"]["count"] == 1
    # The editor also sees the draft: 0.875 not borne out = 0.765625 -> (0.015625 + 0.765625) / 2
    editor_record = editor_client.get(url).json()["as_claimant"]
    assert (editor_record["count"], editor_record["mean_brier"]) == (2, 0.390625)


def test_author_record_covers_forecasts_in_the_sources_they_wrote(anon_client, kremlin, fact_checker):
    author = factories.make_actor("Dmitri Trenin", kind="person")
    source = factories.make_source(authors=[author])
    verify(forecast_by(kremlin, "very unlikely", source=source), "borne_out", fact_checker)
    data = anon_client.get(f"/api/v1/actors/{author.pk}/track-record/").json()
    assert data["actor"] == {"id": author.pk, "name": "Dmitri Trenin", "kind": "person"}
    assert data["as_claimant"]["count"] == 0
    assert (data["as_author"]["count"], data["as_author"]["mean_brier"]) == (1, 0.765625)
    assert [row["name"] for row in data["as_author"]["by_claimant"]] == ["Kremlin"]


def test_unverified_forecasts_are_not_in_the_track_record(anon_client, kremlin):
    forecast_by(kremlin, "very unlikely")
    record = anon_client.get(f"/api/v1/actors/{kremlin.pk}/track-record/").json()["as_claimant"]
    assert (record["count"], record["unscored"], record["mean_brier"]) == (0, 0, None)


def test_track_record_of_unknown_actor_is_404_with_message(anon_client, db):
    response = anon_client.get("/api/v1/actors/999999/track-record/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json()["message"] == "There is no actor with id 999999."


@pytest.mark.parametrize("bins", ["1", "21", "ten"])
def test_bad_bin_count_is_400_with_message(anon_client, kremlin, bins):
    response = anon_client.get(f"/api/v1/actors/{kremlin.pk}/track-record/", {"bins": bins})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["errors"] == {"bins": ["bins must be a whole number from 2 to 20."]}


def test_bin_count_can_be_chosen(anon_client, kremlin, scored):
    record = anon_client.get(f"/api/v1/actors/{kremlin.pk}/track-record/", {"bins": "4"}).json()
    assert [b["count"] for b in record["as_claimant"]["calibration"]] == [2, 0, 1, 0]


def populate(n, fact_checker, claimant, topics):
    author = factories.make_actor(kind="person")
    for _ in range(n):
        source = factories.make_source(authors=[author, factories.make_actor(kind="person")])
        verify(forecast_by(claimant, "likely", source=source, topics=topics), "borne_out", fact_checker)


# The actor with its score summary; then the names in its breakdowns (topics, sources and
# co-claimants) with its latest forecasts.
TRACK_RECORD_QUERIES = 2


def test_track_record_query_count_is_pinned_and_does_not_grow(
    anon_client, kremlin, fact_checker, django_assert_num_queries
):
    topics = [factories.make_topic(), factories.make_topic()]
    url = f"/api/v1/actors/{kremlin.pk}/track-record/"
    populate(2, fact_checker, kremlin, topics)
    with django_assert_num_queries(TRACK_RECORD_QUERIES):
        assert anon_client.get(url).json()["as_claimant"]["count"] == 2
    populate(12, fact_checker, kremlin, topics)
    with django_assert_num_queries(TRACK_RECORD_QUERIES):
        assert anon_client.get(url).json()["as_claimant"]["count"] == 14


def test_calibration_svg_is_an_image_with_bin_counts(anon_client, kremlin, scored):
    response = anon_client.get(f"/api/v1/actors/{kremlin.pk}/calibration.svg")
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    svg = response.content.decode()
    assert "Kremlin as claimant: 3 scored forecast(s)" in svg
    assert svg.count("<circle ") == 2
    assert ">n=2</text>" in svg
    assert ">n=1</text>" in svg


def test_calibration_svg_with_bad_role_answers_json_400(anon_client, kremlin):
    response = anon_client.get(f"/api/v1/actors/{kremlin.pk}/calibration.svg", {"role": "judge"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response["Content-Type"] == "application/json"
    assert response.json()["errors"] == {"role": ["role must be claimant or author."]}


def test_calibration_svg_of_unknown_actor_answers_json_404(anon_client, db):
    response = anon_client.get("/api/v1/actors/999999/calibration.svg")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response["Content-Type"] == "application/json"
    assert response.json()["message"] == "There is no actor with id 999999."


def test_calibration_svg_can_show_the_author_role(anon_client, kremlin, fact_checker):
    author = factories.make_actor("Dmitri Trenin", kind="person")
    verify(
        forecast_by(kremlin, "very unlikely", source=factories.make_source(authors=[author])),
        "borne_out",
        fact_checker,
    )
    svg = anon_client.get(f"/api/v1/actors/{author.pk}/calibration.svg", {"role": "author"}).content.decode()
    assert "Dmitri Trenin as author: 1 scored forecast(s)" in svg
    assert svg.count("<circle ") == 1


def test_track_record_lists_only_the_latest_forecasts_and_links_to_the_rest(
    anon_client, kremlin, fact_checker, monkeypatch
):
    monkeypatch.setattr(track_records, "RECENT_FORECASTS", 2)
    forecasts = [forecast_by(kremlin, "very unlikely") for _ in range(3)]
    for forecast in forecasts:
        verify(forecast, "not_borne_out", fact_checker)
    record = anon_client.get(f"/api/v1/actors/{kremlin.pk}/track-record/").json()["as_claimant"]
    assert record["count"] == 3
    assert [row["forecast"] for row in record["forecasts"]] == [forecasts[2].pk, forecasts[1].pk]
    link = record["forecasts_by_status"]["not_borne_out"]
    assert link == f"/api/v1/forecasts/?claimant={kremlin.pk}&status=not_borne_out"
    listed = anon_client.get(link).json()
    assert sorted(row["id"] for row in listed["results"]) == sorted(f.pk for f in forecasts)
