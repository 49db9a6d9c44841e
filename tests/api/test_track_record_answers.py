"""A track record's answer is remembered per process and given again only while everything it
was made from, read from the database on every request, is unchanged (claims.track_records)."""

from unittest import mock

import orjson
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims import services, track_records
from tests import factories
from tests.claims.test_score_summaries import forecast_by, verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def kremlin(fact_checker):
    kremlin = factories.make_actor("Kremlin")
    energy = factories.make_topic("Energy")
    source = factories.make_source(
        title="Gas talks", authors=[factories.make_actor("Analyst", kind="person")]
    )
    for phrase, verdict in (
        ("likely", "borne_out"),
        ("unlikely", "not_borne_out"),
        ("very likely", "borne_out"),
    ):
        verify(forecast_by(kremlin, phrase, source=source, topics=[energy]), verdict, fact_checker)
    return kremlin


def _url(actor) -> str:
    return f"/api/v1/actors/{actor.pk}/track-record/"


def _get(client, actor, **extra):
    response = client.get(_url(actor), **extra)
    assert response.status_code == 200, response.content
    return response


@pytest.fixture
def assembled():
    """Counts the track records made, as opposed to given again."""
    with mock.patch.object(track_records, "_assembled", wraps=track_records._assembled) as spy:
        yield spy


def test_an_unchanged_track_record_is_given_again_after_reading_the_database(anon_client, kremlin, assembled):
    first = _get(anon_client, kremlin).content
    with CaptureQueriesContext(connection) as queries:
        again = _get(anon_client, kremlin).content
    assert again == first
    assert assembled.call_count == 1
    # Still the actor with its records and the names-and-recent statement, read each time.
    assert len(queries) == 2


def test_a_renamed_topic_source_or_actor_shows_at_once(anon_client, kremlin, assembled):
    _get(anon_client, kremlin)
    services.topic_update(topic=track_records.Topic.objects.get(name="Energy"), name="Gas")
    record = orjson.loads(_get(anon_client, kremlin).content)
    assert [row["name"] for row in record["as_claimant"]["by_topic"]] == ["Gas"]

    services.actor_update(actor=kremlin, name="The Kremlin")
    assert orjson.loads(_get(anon_client, kremlin).content)["actor"]["name"] == "The Kremlin"
    assert assembled.call_count == 3


def test_a_new_verdict_shows_at_once(anon_client, kremlin, fact_checker):
    before = orjson.loads(_get(anon_client, kremlin).content)["as_claimant"]
    source = track_records.Source.objects.get(title="Gas talks")
    newest = forecast_by(kremlin, "almost certain", source=source)
    verify(newest, "borne_out", fact_checker)
    after = orjson.loads(_get(anon_client, kremlin).content)["as_claimant"]
    assert (before["count"], after["count"]) == (3, 4)
    assert after["forecasts"][0]["forecast"] == newest.pk


def test_a_changed_recent_forecast_shows_at_once(anon_client, kremlin):
    before = orjson.loads(_get(anon_client, kremlin).content)["as_claimant"]["forecasts"]
    forecast = track_records.Forecast.objects.get(pk=before[0]["forecast"])
    # A verified forecast's phrase can still be corrected; the recent list reads it live.
    track_records.Forecast.objects.filter(pk=forecast.pk).update(likelihood_phrase="a corrected phrase")
    after = orjson.loads(_get(anon_client, kremlin).content)["as_claimant"]["forecasts"]
    assert after[0]["likelihood_phrase"] == "a corrected phrase"


def test_each_scope_has_its_own_answer(anon_client, editor_client, kremlin, fact_checker):
    draft = forecast_by(
        kremlin, "likely", source=track_records.Source.objects.get(title="Gas talks"), published=False
    )
    verify(draft, "borne_out", fact_checker)
    for _ in range(2):
        assert orjson.loads(_get(anon_client, kremlin).content)["as_claimant"]["count"] == 3
        assert orjson.loads(_get(editor_client, kremlin).content)["as_claimant"]["count"] == 4


def test_other_formats_leave_the_remembered_answer_as_it_was(anon_client, kremlin):
    json_answer = _get(anon_client, kremlin).content
    csv_answer = anon_client.get(_url(kremlin), {"format": "csv"})
    assert csv_answer.status_code == 200
    assert csv_answer["Content-Type"].startswith("text/csv")
    page = _get(anon_client, kremlin, HTTP_ACCEPT="text/html").content.decode()
    # The browsable API writes its own indented copy, not the compact JSON kept for clients.
    assert '"as_claimant": {' in page.replace("&quot;", '"')
    assert _get(anon_client, kremlin).content == json_answer
    assert anon_client.get(_url(kremlin), {"bins": 5}).status_code == 200
    assert _get(anon_client, kremlin).content == json_answer


def test_other_bins_are_computed_each_time(anon_client, kremlin, assembled):
    for _ in range(2):
        record = orjson.loads(anon_client.get(_url(kremlin), {"bins": 4}).content)
        assert len(record["as_claimant"]["calibration"]) == 4
    assert assembled.call_count == 2


def test_at_most_the_bound_of_answers_is_remembered(anon_client, kremlin, fact_checker, monkeypatch):
    monkeypatch.setattr(track_records, "REMEMBERED_ANSWERS", 2)
    others = [factories.make_actor(f"Actor {n}") for n in range(3)]
    source = track_records.Source.objects.get(title="Gas talks")
    for actor in others:
        verify(forecast_by(actor, "likely", source=source), "borne_out", fact_checker)
    for actor in [kremlin, *others]:
        _get(anon_client, actor)
    assert list(track_records._answers) == [(others[1].pk, "published"), (others[2].pk, "published")]
