"""Page numbers for people, a keyset cursor for apps, modified_since for incremental sync."""

import base64
import datetime as dt
import re
from http import HTTPStatus

import pytest
from django.db import connection
from django.utils import timezone

from claims import services
from claims.models import Actor, Forecast
from config.api import MAX_PAGE_SIZE
from tests import factories

pytestmark = pytest.mark.django_db


def _actors(n: int) -> list[Actor]:
    return [factories.make_actor(f"Actor {i:03d}") for i in range(n)]


def _page_all(client, url: str, params: dict) -> list[dict]:
    rows, response = [], client.get(url, params)
    while True:
        assert response.status_code == HTTPStatus.OK, response.json()
        body = response.json()
        assert set(body) == {"next", "results"}
        rows += body["results"]
        if body["next"] is None:
            return rows
        response = client.get(body["next"])


def test_cursor_pages_through_every_row_once_in_id_order(anon_client):
    actors = _actors(7)
    rows = _page_all(anon_client, "/api/v1/actors/", {"pagination": "cursor", "page_size": 3})
    assert [row["id"] for row in rows] == [a.pk for a in actors]


def test_cursor_is_stable_when_rows_are_added_while_paging(anon_client):
    actors = _actors(4)
    first = anon_client.get("/api/v1/actors/", {"pagination": "cursor", "page_size": 2}).json()
    added = factories.make_actor("Zed added later")
    rest = _page_all(anon_client, first["next"], {})
    assert [r["id"] for r in first["results"] + rest] == [*(a.pk for a in actors), added.pk]


def test_cursor_by_modified_at_is_a_sync_feed(anon_client):
    actors = _actors(3)
    services.actor_update(actor=actors[0], description="changed")
    rows = _page_all(
        anon_client, "/api/v1/actors/", {"pagination": "cursor", "ordering": "modified_at", "page_size": 2}
    )
    assert [r["id"] for r in rows] == [actors[1].pk, actors[2].pk, actors[0].pk]


def test_cursor_refuses_an_ordering_it_cannot_key_on(anon_client):
    response = anon_client.get("/api/v1/actors/", {"pagination": "cursor", "ordering": "name"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["message"] == (
        "ordering: Cursor pagination orders by one of id, -id, modified_at, -modified_at; not 'name'."
    )


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!",
        base64.urlsafe_b64encode(b'{"o":"-id","v":[1]}').decode(),
        base64.urlsafe_b64encode(b'{"o":"id","v":["1"]}').decode(),
        base64.urlsafe_b64encode(b"[]").decode(),
    ],
)
def test_a_tampered_cursor_is_a_400_that_says_what_to_do(anon_client, cursor):
    response = anon_client.get("/api/v1/actors/", {"cursor": cursor})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["message"] == (
        "cursor: This cursor is not valid for this list and ordering. Use the next link as given, "
        "or start again without a cursor."
    )


def test_page_size_is_capped(anon_client):
    _actors(3)
    response = anon_client.get("/api/v1/actors/", {"page_size": 10_000, "pagination": "cursor"})
    assert response.status_code == HTTPStatus.OK
    assert len(response.json()["results"]) == 3
    assert MAX_PAGE_SIZE == 200


@pytest.mark.parametrize("size", ["0", "-1", "ten"])
def test_a_bad_page_size_is_a_400(anon_client, size):
    response = anon_client.get("/api/v1/actors/", {"page_size": size})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["message"] == "page_size must be a whole number from 1 to 200."


def test_page_numbers_report_an_exact_count_below_the_cap(anon_client):
    _actors(5)
    body = anon_client.get("/api/v1/actors/", {"page_size": 2, "page": 2}).json()
    assert (body["count"], body["count_exact"], len(body["results"])) == (5, True, 2)


def test_page_numbers_stop_counting_at_the_cap(anon_client, monkeypatch):
    monkeypatch.setattr("config.api.COUNT_CAP", 4)
    _actors(6)
    body = anon_client.get("/api/v1/actors/", {"page_size": 2}).json()
    assert (body["count"], body["count_exact"]) == (4, False)


def test_a_page_past_the_end_says_to_use_the_cursor(anon_client):
    _actors(1)
    response = anon_client.get("/api/v1/actors/", {"page": 5})
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "page through more with ?pagination=cursor" in response.json()["message"]


def test_cursor_pages_do_not_count_rows(anon_client, django_assert_num_queries):
    _actors(3)
    with django_assert_num_queries(1):
        anon_client.get("/api/v1/actors/", {"pagination": "cursor"})


def test_modified_since_on_every_list(anon_client, fact_checker):
    forecast = factories.make_forecast(published=True)
    services.verification_create(
        forecast=forecast,
        verdict="not_borne_out",
        rationale="r",
        evidence=factories.EVIDENCE,
        created_by=fact_checker,
    )
    future = (timezone.now() + dt.timedelta(hours=1)).isoformat()
    past = (timezone.now() - dt.timedelta(hours=1)).isoformat()
    lists = [
        "/api/v1/sources/",
        "/api/v1/passages/",
        "/api/v1/actors/",
        "/api/v1/topics/",
        "/api/v1/claims/",
        "/api/v1/forecasts/",
        f"/api/v1/forecasts/{forecast.pk}/verifications/",
    ]
    factories.make_topic()
    factories.make_actor()
    for url in lists:
        assert anon_client.get(url, {"modified_since": future}).json()["results"] == [], url
        assert anon_client.get(url, {"modified_since": past}).json()["results"] != [], url
    response = anon_client.get("/api/v1/claims/", {"modified_since": "yesterday"})
    assert response.status_code == HTTPStatus.BAD_REQUEST


def test_a_page_carries_its_count_in_the_same_statement(anon_client, django_assert_num_queries):
    _actors(5)
    with django_assert_num_queries(1) as queries:
        body = anon_client.get("/api/v1/actors/", {"page_size": 2, "page": 2}).json()
    assert (body["count"], body["count_exact"]) == (5, True)
    assert [row["name"] for row in body["results"]] == ["Actor 002", "Actor 003"]
    assert "COUNT(*)" in queries.captured_queries[0]["sql"]


def test_an_empty_first_page_counts_nothing(anon_client, django_assert_num_queries):
    _actors(3)
    future = (timezone.now() + dt.timedelta(hours=1)).isoformat()
    with django_assert_num_queries(1):
        body = anon_client.get("/api/v1/actors/", {"modified_since": future}).json()
    assert (body["count"], body["count_exact"], body["results"], body["next"]) == (0, True, [], None)


def test_the_last_counted_page_ends_at_the_cap(anon_client, monkeypatch):
    """Past the cap a page is cut where the count stops, as Django's paginator cuts it."""
    monkeypatch.setattr("config.api.COUNT_CAP", 4)
    _actors(9)
    body = anon_client.get("/api/v1/actors/", {"page_size": 2, "page": 3}).json()
    assert (body["count"], body["count_exact"]) == (4, False)
    assert [row["name"] for row in body["results"]] == ["Actor 004"]
    assert body["next"] is None


def test_an_empty_page_within_the_cap_is_a_404(anon_client):
    _actors(2)
    response = anon_client.get("/api/v1/actors/", {"page_size": 2, "page": 2})
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.json()["message"].startswith("There is no page 2 in this result")


def test_a_page_past_the_counted_rows_is_refused_without_reading_it(
    anon_client, monkeypatch, django_assert_num_queries
):
    """A far page number costs a capped count, never an OFFSET over the whole result."""
    monkeypatch.setattr("config.api.COUNT_CAP", 4)
    _actors(9)
    with django_assert_num_queries(1) as queries:
        response = anon_client.get("/api/v1/actors/", {"page_size": 2, "page": 1_000_000})
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "OFFSET" not in queries.captured_queries[0]["sql"].upper()


def test_the_last_page_by_name(anon_client):
    _actors(5)
    body = anon_client.get("/api/v1/actors/", {"page_size": 2, "page": "last"}).json()
    assert (body["count"], [row["name"] for row in body["results"]]) == (5, ["Actor 004"])


def _published_forecasts(n: int):
    """n published forecasts of one claimant on one topic, their statements all matching "nord
    stream", with resolve_by dates that repeat (so the forecasts' order needs its id tie-break)."""
    claimant, topic = factories.make_actor("Prolific"), factories.make_topic("Energy")
    passage = factories.make_passage()
    for i in range(n):
        factories.make_forecast(
            published=True,
            claim_fields={
                "passage": passage,
                "claimant": claimant,
                "topics": [topic],
                "statement": f"Nord Stream {'gas ' * (i % 3)}claim {i}",
            },
            made_on=dt.date(2025, 1, 1),
            resolve_by=dt.date(2030, 1, 1 + i % 3),
        )
    return claimant, topic


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/api/v1/claims/", {"topic": "energy", "review_state": "published"}),
        ("/api/v1/claims/", {"search": "nord stream"}),
        ("/api/v1/claims/", {"ordering": "id"}),
        ("/api/v1/forecasts/", {"status": "open"}),
        ("/api/v1/forecasts/", {"ordering": "-resolve_by"}),
    ],
)
def test_numbered_pages_hold_the_rows_of_one_whole_page_in_its_order(anon_client, url, params):
    """Past the first page the rows are read by their keys (config.api's _page_rows): pages 1-4
    of three rows, end to end, are one page of all rows."""
    claimant, _ = _published_forecasts(11)
    params = {**params, "claimant": claimant.pk}
    whole = anon_client.get(url, {**params, "page_size": 200}).json()["results"]
    assert len(whole) == 11
    pages = [anon_client.get(url, {**params, "page_size": 3, "page": n}).json() for n in (1, 2, 3, 4)]
    assert [row for page in pages for row in page["results"]] == whole
    assert {page["count"] for page in pages} == {11}
    assert pages[-1]["next"] is None


def test_a_later_page_computes_only_its_own_rows(anon_client, django_assert_num_queries):
    """The OFFSET applies to the keys alone, in a subquery of the page's statement; the page's
    rows (on PostgreSQL each row's JSON, in the same statement) are read for its keys only.
    (A claimant's claims are planned per request, so Django records the statement as sent.)"""
    claimant, _ = _published_forecasts(5)
    # Elsewhere the rows, their subjects and their topics follow in three statements, by the page's ids.
    with django_assert_num_queries(1 if connection.vendor == "postgresql" else 4) as queries:
        params = {"claimant": claimant.pk, "page_size": 2, "page": 2}
        body = anon_client.get("/api/v1/claims/", params).json()
    assert (body["count"], len(body["results"])) == (5, 2)
    sql = queries.captured_queries[0]["sql"]
    assert sql.count("OFFSET") == 1
    # On PostgreSQL the keys come as an array, found once (config.api's _page_rows).
    keys = sql[sql.rindex(" = ANY(ARRAY(SELECT " if connection.vendor == "postgresql" else " IN (SELECT ") :]
    assert "OFFSET 2" in keys, sql
    assert re.search(r"\) ORDER BY [^()]+ LIMIT 2$", sql), sql


@pytest.mark.parametrize(("ordering", "descending"), [("resolve_by", False), ("-resolve_by", True)])
def test_a_client_ordering_ends_with_the_id_in_its_direction(anon_client, ordering, descending):
    _published_forecasts(6)
    rows = anon_client.get("/api/v1/forecasts/", {"ordering": ordering, "page_size": 200}).json()["results"]
    keys = [(row["resolve_by"], row["id"]) for row in rows]
    assert len(keys) == 6
    assert keys == sorted(keys, reverse=descending)


@pytest.mark.parametrize("with_claimant", [False, True])
def test_open_forecasts_come_by_resolve_by_then_undated_then_by_id(anon_client, with_claimant):
    """The open forecasts are ordered by OpenUntil (resolve_by, none last), which their index
    holds: on PostgreSQL the order of resolve_by and id as before; on SQLite, where nulls sort
    first, the undated ones now come last there too. Due and verified forecasts are not listed."""
    claimant = factories.make_actor("Prolific")
    today = timezone.localdate()
    dates = [None, today, today + dt.timedelta(days=30), None, today, today - dt.timedelta(days=1)]
    forecasts = [
        factories.make_forecast(
            published=True,
            claim_fields={"claimant": claimant},
            made_on=today - dt.timedelta(days=400),
            resolve_by=resolve_by,
        )
        for resolve_by in dates
    ]
    verified = factories.make_forecast(published=True, claim_fields={"claimant": claimant}, made_on=today)
    Forecast.objects.filter(pk=verified.pk).update(verdict="borne_out")
    expected = [
        f.pk
        for f in sorted(
            (f for f in forecasts if f.resolve_by is None or f.resolve_by >= today),
            key=lambda f: (f.resolve_by is None, f.resolve_by or today, f.pk),
        )
    ]
    params = {"status": "open", **({"claimant": claimant.pk} if with_claimant else {})}
    walked = [anon_client.get("/api/v1/forecasts/", {**params, "page_size": 2, "page": n}) for n in (1, 2, 3)]
    assert [row["id"] for page in walked for row in page.json()["results"]] == expected
    assert {row["status"] for page in walked for row in page.json()["results"]} == {"open"}
