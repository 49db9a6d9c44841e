"""Hostile input: every malformed request is a 4xx with a JSON message, and nothing is stored.

SECURITY.md lists these cases; keep the two in step.
"""

import json
from http import HTTPStatus

import pytest
from django.test import Client

from sources.models import Passage
from tests import factories

B, L = HTTPStatus.BAD_REQUEST, HTTPStatus.REQUEST_ENTITY_TOO_LARGE


def passage_body(source_id: int, **overrides) -> str:
    return json.dumps({"source": source_id, "start": 0, "end": 6, "exact": "Russia"} | overrides)


# name -> (body factory taking the source id, expected status, text the message must contain)
BODIES = {
    "NUL byte in a string": (
        lambda s: passage_body(s, exact="Rus\x00sia"),
        B,
        "Null characters are not allowed",
    ),
    "invalid UTF-8": (
        lambda s: b'{"source": 1, "start": 0, "end": 6, "exact": "\xff\xfe"}',
        B,
        "The request body is not valid JSON",
    ),
    "huge numbers": (lambda s: passage_body(s, start=10**30, end=10**31), B, "A valid integer is required"),
    "Infinity": (lambda s: passage_body(s).replace('"end": 6', '"end": Infinity'), B, "not valid JSON"),
    "negative offset": (lambda s: passage_body(s, start=-5), B, "greater than or equal to 0"),
    "reversed offsets": (lambda s: passage_body(s, start=10, end=3), B, "A passage must end after it starts"),
    "offset past the end": (lambda s: passage_body(s, end=10**6), B, "past the end of the text"),
    "unknown source id": (lambda s: passage_body(10**40), B, "object does not exist"),
    "deeply nested JSON": (lambda s: "[" * 100_000 + "]" * 100_000, B, "nested too deeply"),
    "deeply nested object": (lambda s: '{"a":' * 5000 + "1" + "}" * 5000, B, "nested too deeply"),
    "oversized body": (lambda s: passage_body(s, exact="x" * (3 * 1024 * 1024)), L, "too large"),
    "a list instead of an object": (lambda s: "[1, 2, 3]", B, "Expected a dictionary"),
    "not JSON at all": (lambda s: "hello", B, "not valid JSON"),
    "empty body": (lambda s: "", B, "source: This field is required."),
    "unknown enum value": (lambda s: passage_body(s, offsets="bytes"), B, "is not a valid choice"),
}


@pytest.mark.parametrize("case", sorted(BODIES))
def test_hostile_bodies_get_a_4xx_json_message_and_store_nothing(annotator_client, case):
    source = factories.make_source()
    make_body, expected, fragment = BODIES[case]
    before = Passage.objects.count()
    response = annotator_client.generic(
        "POST", "/api/v1/passages/", make_body(source.pk), content_type="application/json"
    )
    assert response.status_code == expected
    body = response.json()
    assert body["status"] == expected
    assert fragment in body["message"]
    assert Passage.objects.count() == before


QUERIES = {
    "?resolve_by_after=9999-99-99": "Enter a valid date",
    "?resolve_by_after=0000-01-01": "Enter a valid date",
    "?status=maybe": "maybe is not one of the available choices",
    "?probability_min=1e400": "less than or equal to",
    "?probability_min=NaN": "Enter a number",
    "?claimant=99999999999999999999999": "Ensure this value is less than or equal to 9223372036854775807.",
    "?cursor=garbage": "This cursor is not valid",
    "?topic=%00": "Null characters are not allowed",
    "?search=%00": "Null characters are not allowed",
    "?modified_since=yesterday": "Enter a valid date/time",
}


@pytest.mark.parametrize("query", sorted(QUERIES))
def test_hostile_query_strings_get_a_400_json_message(anon_client, db, query):
    response = anon_client.get("/api/v1/forecasts/" + query)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert QUERIES[query] in response.json()["message"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/claims/99999999999999999999999999/",
        "/api/v1/claims/abc/",
        # The source detail's statement is prepared on PostgreSQL, its id bound as a parameter.
        "/api/v1/sources/99999999999999999999999999/",
        "/api/v1/sources/9223372036854775808/",
        "/api/v1/sources/abc/",
    ],
)
def test_impossible_ids_are_404_not_500(anon_client, db, path):
    response = anon_client.get(path)
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json()["message"] == "Nothing was found at this address."


def test_page_size_is_capped(anon_client, db):
    for _ in range(3):
        factories.make_claim(published=True)
    response = anon_client.get("/api/v1/claims/?page_size=100000")
    assert response.status_code == HTTPStatus.OK
    assert len(response.json()["results"]) == 3


def test_oversized_body_outside_the_api_is_a_plain_413(client, db):
    body = "username=" + "x" * (3 * 1024 * 1024)
    response = client.generic("POST", "/admin/login/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert b"The request body is too large" in response.content


# Characters Python's str.isdigit() accepts: "²" is one int() refuses, "٣" (Arabic-Indic three)
# one it reads as 3. Ids in addresses and query strings are ASCII digits; anything else is not an id.
SUPERSCRIPT_TWO = "²"


def _arabic_indic(number: int) -> str:
    return str(number).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))


@pytest.mark.parametrize("path", ["/api/v1/claims/", "/api/v1/forecasts/"])
def test_a_topic_in_other_digits_is_a_slug_that_matches_nothing(anon_client, db, path):
    topic = factories.make_topic("Energy")
    forecast = factories.make_forecast(published=True)
    forecast.claim.topics.add(topic)
    assert anon_client.get(f"{path}?topic={topic.pk}").json()["count"] == 1
    for value in (SUPERSCRIPT_TWO, _arabic_indic(topic.pk)):
        response = anon_client.get(path, {"topic": value})
        assert response.status_code == HTTPStatus.OK, response.content
        assert response.json()["results"] == []


@pytest.mark.parametrize("path", ["/api/v1/claims/", "/api/v1/forecasts/"])
def test_a_topic_id_no_column_holds_matches_nothing_without_reading_the_table(
    anon_client, db, path, django_assert_num_queries
):
    factories.make_forecast(published=True)
    with django_assert_num_queries(0):
        response = anon_client.get(path, {"topic": "99999999999999999999", "review_state": "published"})
    assert response.status_code == HTTPStatus.OK
    assert response.json()["results"] == []


@pytest.fixture
def superuser_client(db):
    client = Client()
    client.force_login(factories.make_user("root", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (f"/admin/claims/forecast/?topic={SUPERSCRIPT_TWO}", HTTPStatus.OK),
        (f"/admin/claims/forecast/due/?topic={SUPERSCRIPT_TWO}", HTTPStatus.OK),
        (f"/admin/claims/forecast/{SUPERSCRIPT_TWO}/verify/", HTTPStatus.NOT_FOUND),
        # The admin's own answer for a row that does not exist: back to the list, with a message.
        (f"/admin/claims/actor/{SUPERSCRIPT_TWO}/change/", HTTPStatus.FOUND),
        ("/admin/claims/actor/99999999999999999999999/change/", HTTPStatus.FOUND),
        ("/admin/claims/forecast/99999999999999999999999/verify/", HTTPStatus.NOT_FOUND),
    ],
)
def test_admin_addresses_with_other_digits_are_not_500(superuser_client, path, expected):
    assert superuser_client.get(path).status_code == expected
    # As for any other value that is not an id.
    assert superuser_client.get(path.replace(SUPERSCRIPT_TWO, "abc")).status_code == expected
