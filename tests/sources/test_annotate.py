"""The admin Annotate view: permissions, one-step creation with browser offsets, undo, dismissals."""

import json
from http import HTTPStatus

import pytest
from django.urls import reverse

from claims.models import Claim, Forecast
from sources.models import DismissedSuggestion, Passage
from tests import factories

EMOJI_TEXT = (
    "😀 Intro line.\r\nSanctions will very likely be extended by 2024. Moscow q\u0301 will not back down."
)


@pytest.fixture
def staff_annotator(db):
    from claims import roles

    return factories.make_user("annie", role=roles.ANNOTATOR, is_staff=True)


@pytest.fixture
def annotator_session(client, staff_annotator):
    client.force_login(staff_annotator)
    return client


def _urls(source):
    base = reverse("admin:sources_source_annotate", args=[source.pk])
    return base, base + "passages/", base + "undo/", base + "dismiss/"


def _post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def _utf16(text, index):
    return len(text[:index].encode("utf-16-le")) // 2


@pytest.mark.django_db
def test_annotator_sees_the_annotate_tool_and_a_fact_checker_does_not(client, staff_annotator):
    from claims import roles

    source = factories.make_source()
    change = reverse("admin:sources_source_change", args=[source.pk])
    page, *_ = _urls(source)
    client.force_login(staff_annotator)
    assert f'href="{page}"' in client.get(change).content.decode()
    assert client.get(page).status_code == HTTPStatus.OK

    checker = factories.make_user("fred", role=roles.FACT_CHECKER, is_staff=True)
    client.force_login(checker)
    assert f'href="{page}"' not in client.get(change).content.decode()
    assert client.get(page).status_code == HTTPStatus.FORBIDDEN
    assert _post(client, page + "passages/", {}).status_code == HTTPStatus.FORBIDDEN


@pytest.mark.django_db
def test_a_forecast_is_created_in_one_step_from_utf16_offsets(annotator_session, staff_annotator):
    source = factories.make_source(text=EMOJI_TEXT)
    _, create, _, _ = _urls(source)
    quote = "Sanctions will very likely be extended by 2024."
    start = source.text.index(quote)
    claimant = factories.make_actor("Kremlin")
    topic = factories.make_topic("Sanctions")
    response = _post(
        annotator_session,
        create,
        {
            "start": _utf16(source.text, start),
            "end": _utf16(source.text, start + len(quote)),
            "exact": quote,
            "kind": "forecast",
            "statement": "Sanctions on Russia will be extended by 2024.",
            "claimant": claimant.pk,
            "topics": [topic.pk],
            "likelihood_phrase": "very likely",
            "horizon": "by 2024",
            "resolve_by": "2024-12-31",
        },
    )
    assert response.status_code == HTTPStatus.CREATED, response.content
    passage = Passage.objects.get()
    assert (passage.start, passage.end, passage.exact) == (start, start + len(quote), quote)
    forecast = Forecast.objects.select_related("claim").get()
    assert (forecast.claim.claimant, forecast.likelihood_phrase, forecast.horizon_text) == (
        claimant,
        "very likely",
        "by 2024",
    )
    assert (forecast.probability_low, forecast.probability_high) == (0.8, 0.95)
    assert list(forecast.claim.topics.all()) == [topic]
    assert forecast.claim.created_by == staff_annotator
    assert response.json()["passage"]["start"] == _utf16(source.text, start)


@pytest.mark.django_db
def test_a_wrong_quote_is_refused_with_what_the_text_holds_and_nothing_is_kept(annotator_session):
    source = factories.make_source(text=EMOJI_TEXT)
    _, create, _, _ = _urls(source)
    response = _post(
        annotator_session,
        create,
        {"start": 0, "end": 2, "exact": "Hi", "kind": "assertion", "statement": "Greeting."},
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["detail"] == (
        "The quote does not match the source text at 0–1: the text holds '😀' there, not 'Hi'. "
        "Offsets count Unicode code points of the normalised text (\\n newlines, NFC)."
    )
    assert (Passage.objects.count(), Claim.objects.count()) == (0, 0)


@pytest.mark.django_db
def test_a_forecast_with_an_unknown_phrase_leaves_no_passage_behind(annotator_session):
    source = factories.make_source()
    _, create, _, _ = _urls(source)
    response = _post(
        annotator_session,
        create,
        {
            "start": 0,
            "end": 6,
            "exact": "Russia",
            "kind": "forecast",
            "statement": "S.",
            "likelihood_phrase": "meh",
        },
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["detail"].startswith("'meh' is not in the ICD 203 lexicon.")
    assert Passage.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"start": "0", "end": 6, "exact": "Russia", "statement": "S."},
            "start must be a whole number, got '0'.",
        ),
        ({"start": 0, "end": 6, "exact": "Russia", "statement": ""}, "Write the claim's statement."),
        (
            {"start": 0, "end": 6, "exact": "Russia", "statement": "S.", "kind": "x"},
            "Unknown kind 'x'; use one of assertion, forecast, recommendation, assessment.",
        ),
        (
            {"start": 0, "end": 6, "exact": "Russia", "statement": "S.", "topics": [999]},
            "No topic with id 999.",
        ),
    ],
)
def test_bad_input_is_a_400_with_a_message(annotator_session, body, message):
    source = factories.make_source()
    _, create, _, _ = _urls(source)
    response = _post(annotator_session, create, body)
    assert (response.status_code, response.json()["detail"]) == (HTTPStatus.BAD_REQUEST, message)


@pytest.mark.django_db
def test_undo_removes_the_last_creation_and_its_passage(annotator_session):
    source = factories.make_source()
    _, create, undo, _ = _urls(source)
    body = {"start": 0, "end": 6, "exact": "Russia", "kind": "forecast", "statement": "S."}
    claim = _post(annotator_session, create, body).json()["claim"]
    response = _post(annotator_session, undo, {"claim": claim})
    assert response.status_code == HTTPStatus.OK
    assert response.json()["passage_kept"] is False
    assert (Passage.objects.count(), Claim.objects.count(), Forecast.objects.count()) == (0, 0, 0)


@pytest.mark.django_db
def test_only_the_creator_can_undo(client, annotator_session):
    from claims import roles

    source = factories.make_source()
    _, create, undo, _ = _urls(source)
    claim = _post(annotator_session, create, {"start": 0, "end": 6, "exact": "Russia", "statement": "S."})
    other = factories.make_user("otto", role=roles.ANNOTATOR, is_staff=True)
    client.force_login(other)
    response = _post(client, undo, {"claim": claim.json()["claim"]})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["detail"] == "Only the annotator who created this claim can undo it."


@pytest.mark.django_db
def test_a_dismissed_suggestion_is_not_suggested_again(annotator_session):
    source = factories.make_source()
    page, _, _, dismiss = _urls(source)
    suggestions = annotator_session.get(page).context["data"]["suggestions"]
    first = suggestions[0]
    response = _post(annotator_session, dismiss, {"start": first["start"], "end": first["end"]})
    assert response.status_code == HTTPStatus.OK
    assert DismissedSuggestion.objects.get().sentence == first["exact"]
    again = annotator_session.get(page).context["data"]["suggestions"]
    assert [s["exact"] for s in again] == [s["exact"] for s in suggestions[1:]]


@pytest.mark.django_db
def test_the_annotate_page_query_count_does_not_grow_with_passages(
    annotator_session, django_assert_num_queries
):
    from sources import services

    source = factories.make_source(text=" ".join(f"Sentence {i} will be long enough." for i in range(60)))
    page, *_ = _urls(source)

    def tag(i):
        quote = f"Sentence {i} will"
        start = source.text.index(quote)
        passage = services.passage_create(source=source, start=start, end=start + len(quote))
        factories.make_claim(passage=passage, kind="forecast")

    tag(0)
    # session, user, 2 permission lookups, source, passages, claims, dismissals, actors, topics
    with django_assert_num_queries(10):
        annotator_session.get(page)
    for i in range(1, 41):
        tag(i)
    with django_assert_num_queries(10):
        response = annotator_session.get(page)
    assert len(response.context["data"]["passages"]) == 41
