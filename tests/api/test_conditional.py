"""ETag on details, If-None-Match → 304, If-Match on writes → 412 when stale, the row unchanged."""

import hashlib
from http import HTTPStatus

import pytest

from claims.models import Claim
from config.api_views import representation_etag
from tests import factories

pytestmark = pytest.mark.django_db


def test_detail_has_an_etag_and_a_current_if_none_match_gets_304(anon_client):
    actor = factories.make_actor("Kremlin")
    first = anon_client.get(f"/api/v1/actors/{actor.pk}/")
    etag = first["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    again = anon_client.get(f"/api/v1/actors/{actor.pk}/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == HTTPStatus.NOT_MODIFIED
    assert again.content == b""
    assert again["ETag"] == etag


@pytest.mark.parametrize("kind", ["actors", "sources"])
def test_a_csv_detail_with_a_current_if_none_match_gets_304(anon_client, kind):
    # The CSV renderer was given the 304's empty body and answered 500.
    pk = (factories.make_actor("Kremlin") if kind == "actors" else factories.make_source()).pk
    first = anon_client.get(f"/api/v1/{kind}/{pk}/", {"format": "csv"})
    assert first.status_code == HTTPStatus.OK
    again = anon_client.get(f"/api/v1/{kind}/{pk}/", {"format": "csv"}, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == HTTPStatus.NOT_MODIFIED
    assert again.content == b""
    assert again["ETag"] == first["ETag"]


def test_the_etag_changes_when_the_representation_does(anon_client, editor_client):
    actor = factories.make_actor("Kremlin")
    etag = anon_client.get(f"/api/v1/actors/{actor.pk}/")["ETag"]
    editor_client.patch(f"/api/v1/actors/{actor.pk}/", {"country": "Russia"}, format="json")
    response = anon_client.get(f"/api/v1/actors/{actor.pk}/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == HTTPStatus.OK
    assert response["ETag"] != etag


def test_a_nested_change_changes_the_claims_etag(anon_client, editor_client):
    claimant = factories.make_actor("Kremlin")
    claim = factories.make_claim(published=True, claimant=claimant)
    etag = anon_client.get(f"/api/v1/claims/{claim.pk}/")["ETag"]
    editor_client.patch(f"/api/v1/actors/{claimant.pk}/", {"name": "The Kremlin"}, format="json")
    assert anon_client.get(f"/api/v1/claims/{claim.pk}/")["ETag"] != etag


def test_two_clients_editing_one_claim_the_second_gets_412_and_nothing_is_overwritten(
    annotator_client, editor_client
):
    claim = factories.make_claim(statement="The original wording.")
    url = f"/api/v1/claims/{claim.pk}/"
    etag_a = annotator_client.get(url)["ETag"]
    etag_b = editor_client.get(url)["ETag"]
    assert etag_a == etag_b

    first = annotator_client.patch(url, {"statement": "First edit."}, format="json", HTTP_IF_MATCH=etag_a)
    assert first.status_code == HTTPStatus.OK
    assert first["ETag"] != etag_a
    assert first["ETag"] == annotator_client.get(url)["ETag"]

    second = editor_client.patch(url, {"statement": "Second edit."}, format="json", HTTP_IF_MATCH=etag_b)
    assert second.status_code == HTTPStatus.PRECONDITION_FAILED
    body = second.json()
    assert (body["status"], body["code"]) == (412, "precondition_failed")
    assert body["message"] == (
        f"This claim has changed since you read it: its ETag is now {first['ETag']}, not {etag_b}. "
        "Nothing was stored. Fetch it again, reapply your change, and send the new ETag in If-Match."
    )
    claim.refresh_from_db()
    assert claim.statement == "First edit."
    assert claim.history.count() == 2


def test_a_write_without_if_match_is_applied(editor_client):
    actor = factories.make_actor("Kremlin")
    response = editor_client.patch(f"/api/v1/actors/{actor.pk}/", {"country": "Russia"}, format="json")
    assert response.status_code == HTTPStatus.OK
    assert response.json()["country"] == "Russia"


def test_if_match_star_and_a_list_containing_the_current_etag_are_accepted(editor_client):
    actor = factories.make_actor("Kremlin")
    url = f"/api/v1/actors/{actor.pk}/"
    etag = editor_client.get(url)["ETag"]
    listed = editor_client.patch(url, {"country": "A"}, format="json", HTTP_IF_MATCH=f'"stale", {etag}')
    assert listed.status_code == HTTPStatus.OK
    star = editor_client.patch(url, {"country": "B"}, format="json", HTTP_IF_MATCH="*")
    assert star.status_code == HTTPStatus.OK


def test_stale_if_match_on_a_forecast_keeps_the_stored_probability(annotator_client):
    forecast = factories.make_forecast()
    url = f"/api/v1/forecasts/{forecast.pk}/"
    response = annotator_client.patch(
        url, {"likelihood_phrase": "likely"}, format="json", HTTP_IF_MATCH='"0000"'
    )
    assert response.status_code == HTTPStatus.PRECONDITION_FAILED
    forecast.refresh_from_db()
    assert (forecast.likelihood_phrase, forecast.probability) == ("very unlikely", 0.125)


def test_if_match_on_a_row_the_caller_cannot_see_is_404(annotator_client):
    response = annotator_client.patch(
        "/api/v1/claims/999999/", {"statement": "x"}, format="json", HTTP_IF_MATCH='"x"'
    )
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert Claim.objects.count() == 0


def test_a_written_claim_is_answered_as_a_read_answers_it(annotator_client, editor_client):
    passage = factories.make_passage()
    claimant, subject = factories.make_actor("Ministry"), factories.make_actor("Kyiv")
    topics = [factories.make_topic("Energy"), factories.make_topic("Security")]
    created = annotator_client.post(
        "/api/v1/claims/",
        {
            "passage": passage.pk,
            "statement": "Talks will not resume this year.",
            "kind": "forecast",
            "claimant": claimant.pk,
            "subjects": [subject.pk],
            "topics": [topic.pk for topic in topics],
        },
        format="json",
    )
    assert created.status_code == HTTPStatus.CREATED, created.content
    url = f"/api/v1/claims/{created.json()['id']}/"
    read = annotator_client.get(url)
    assert created.json() == read.json()
    assert [topic["name"] for topic in created.json()["topics"]] == ["Energy", "Security"]
    assert created["ETag"] == read["ETag"]

    edited = annotator_client.patch(url, {"subjects": []}, format="json", HTTP_IF_MATCH=read["ETag"])
    assert edited.status_code == HTTPStatus.OK
    reread = annotator_client.get(url)
    assert (edited.json(), edited["ETag"]) == (reread.json(), reread["ETag"])

    annotator_client.post(f"{url}review/", {"action": "submit"}, format="json")
    published = editor_client.post(f"{url}review/", {"action": "publish"}, format="json")
    assert published.status_code == HTTPStatus.OK
    assert published.json() == editor_client.get(url).json()
    assert published.json()["review_state"] == "published"


def test_a_claim_deleted_before_its_answer_is_answered_as_written(annotator_client, monkeypatch):
    from claims.api import views

    monkeypatch.setattr(views, "claim_representations", lambda ids: [])  # as if deleted meanwhile
    passage = factories.make_passage()
    created = annotator_client.post(
        "/api/v1/claims/",
        {"passage": passage.pk, "statement": "Gone before it was read back.", "kind": "assertion"},
        format="json",
    )
    assert created.status_code == HTTPStatus.CREATED
    assert created.json()["statement"] == "Gone before it was read back."


def test_a_sources_etag_follows_its_text_through_the_stored_digest(anon_client, editor_client):
    source = factories.make_source(text="The first text of the source.")
    url = f"/api/v1/sources/{source.pk}/"
    read = anon_client.get(url)
    assert read["ETag"] == representation_etag(read.json(), "json", {"text": "text_sha256"})

    edited = editor_client.patch(
        url,
        {"text": "The second text of the source.", "reason": "typo"},
        format="json",
        HTTP_IF_MATCH=read["ETag"],
    )
    assert edited.status_code == HTTPStatus.OK, edited.json()
    reread = anon_client.get(url)
    assert reread.json()["text_sha256"] == hashlib.sha256(b"The second text of the source.").hexdigest()
    assert reread["ETag"] == edited["ETag"] != read["ETag"]

    stale = editor_client.patch(url, {"text": "A third text."}, format="json", HTTP_IF_MATCH=read["ETag"])
    assert stale.status_code == HTTPStatus.PRECONDITION_FAILED
    assert anon_client.get(url).json()["text"] == "The second text of the source."


def test_a_field_named_in_digests_is_hashed_by_its_digest_not_its_value():
    data = {"id": 1, "text": "a long text", "text_sha256": "d1"}
    digests = {"text": "text_sha256"}
    tag = representation_etag(data, "json", digests)
    assert representation_etag({**data, "text": "another text"}, "json", digests) == tag
    assert representation_etag({**data, "text_sha256": "d2"}, "json", digests) != tag
    assert representation_etag(data, "json") != tag  # without digests the value itself is hashed
