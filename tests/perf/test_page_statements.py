"""Numbered pages answered from the statement kept for their shape (config.page_statements)."""

import datetime as dt
from unittest import mock

import pytest
from django.db import connection
from django.db.models import Count
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext

from claims.filters import ClaimFilter
from claims.models import Claim, Forecast, Topic
from config import page_statements
from tests.perf.helpers import planned_per_request, postgres_only, top_claimant, walk

pytestmark = [pytest.mark.django_db, postgres_only]

FORECASTS, CLAIMS = "/api/v1/forecasts/", "/api/v1/claims/"


def _claimants() -> list[int]:
    """Claimants with many forecasts, a middling number and one, the most first."""
    counts = list(Forecast.objects.values_list("claimant").annotate(n=Count("id")).order_by("-n", "claimant"))
    return [counts[0][0], counts[len(counts) // 2][0], counts[-1][0]]


def _answer(client, url):
    response = client.get(url)
    return response.status_code, response.content


def _compiles(client, url) -> int:
    """How many statements Django compiled to answer the URL."""
    with mock.patch.object(SQLCompiler, "as_sql", autospec=True, side_effect=SQLCompiler.as_sql) as as_sql:
        client.get(url)
    return as_sql.call_count


def _kept_templates() -> int:
    return sum(isinstance(t, page_statements.Template) for t in page_statements._kept.values())


@pytest.mark.parametrize("reader", ["anon_client", "editor_client"])
@pytest.mark.parametrize(
    "query",
    [
        "claimant={claimant}&status=due",
        "claimant={claimant}&status=open",
        "claimant={claimant}&status=borne_out",
        "claimant={claimant}",
        "status=due&claimant={claimant}&page_size=2&page=2",
        "claimant={claimant}&page_size=2&page=3&format=csv",
    ],
)
def test_forecast_pages_of_a_kept_shape_answer_as_the_orm_does_for_every_claimant(
    corpus, request, reader, query
):
    client = request.getfixturevalue(reader)
    urls = [f"{FORECASTS}?{query.format(claimant=claimant)}" for claimant in _claimants()]
    with planned_per_request():
        expected = [_answer(client, url) for url in urls]
    assert [_answer(client, url) for url in urls] == expected
    assert _kept_templates() == 1, "the claimants' pages did not share one kept statement"
    assert any(status == 200 and b'"results":[]' not in body for status, body in expected)


def _topics() -> list[str]:
    """Topics by slug and by id: the most claimed, and one with few claims."""
    counts = list(Topic.objects.annotate(n=Count("claims")).filter(n__gt=0).order_by("-n", "id"))
    top, few = counts[0], counts[-1]
    return [top.slug, few.slug, str(top.pk), str(few.pk)]


@pytest.mark.parametrize("reader", ["anon_client", "editor_client"])
@pytest.mark.parametrize(
    "query",
    [
        "topic={topic}",
        "topic={topic}&review_state=published",
        "topic={topic}&review_state=draft&review_state=published&page_size=3&page=2",
    ],
)
def test_claim_pages_of_a_kept_shape_answer_as_the_orm_does_for_every_topic(corpus, request, reader, query):
    client = request.getfixturevalue(reader)
    urls = [f"{CLAIMS}?{query.format(topic=topic)}" for topic in _topics()]
    with planned_per_request():
        expected = [_answer(client, url) for url in urls]
    assert [_answer(client, url) for url in urls] == expected
    # One statement for the slugs and one for the ids: a slug is looked up in the statement.
    assert _kept_templates() == 2
    assert any(status == 200 and b'"results":[]' not in body for status, body in expected)


@pytest.mark.parametrize("path", [f"{FORECASTS}?claimant={{claimant}}", f"{CLAIMS}?topic={{topic}}"])
def test_a_walk_through_numbered_pages_answers_as_the_orm_does(corpus, anon_client, path):
    url = path.format(claimant=top_claimant(), topic=_topics()[0])
    kept = [walk(anon_client, f"{url}&page_size={size}") for size in (2, 3)]
    with planned_per_request():
        assert [walk(anon_client, f"{url}&page_size={size}") for size in (2, 3)] == kept
    assert len(kept[0]) > 3
    assert _kept_templates() == len(kept[0]) + len(kept[1])  # one per page number and size


def test_a_kept_shape_answers_another_value_in_one_statement_compiling_nothing(corpus, anon_client):
    top, middling, _ = _claimants()
    anon_client.get(f"{FORECASTS}?claimant={top}&status=due")
    assert _compiles(anon_client, f"{FORECASTS}?claimant={middling}&status=due") == 0
    with CaptureQueriesContext(connection) as queries:
        anon_client.get(f"{FORECASTS}?claimant={middling}&status=due")
    assert len(queries) == 1
    # The first request of a shape compiles its page, and the page again for the stand-ins.
    assert _compiles(anon_client, f"{FORECASTS}?claimant={middling}&status=open") > 0


@pytest.mark.parametrize(
    "query",
    [
        "claimant=0&status=due",
        "claimant=abc&status=due",
        "claimant=99999999999999999999999&status=due",
        "claimant={claimant}&status=maybe",
        "claimant={claimant}&status=due&page=0",
        "claimant={claimant}&status=due&page=abc",
        "claimant={claimant}&status=due&page=99",
        "claimant={claimant}&status=due&page=last",
        "claimant={claimant}&status=due&page_size=0",
        "claimant={claimant}&status=due&page_size=-1",
        "claimant=&status=due",
        "claimant=%20{claimant}&status=due",
        "claimant={claimant}&claimant=1&status=due",
    ],
)
def test_after_a_shape_is_kept_other_query_strings_answer_as_before(corpus, anon_client, query):
    top = top_claimant()
    anon_client.get(f"{FORECASTS}?claimant={top}&status=due")
    anon_client.get(f"{FORECASTS}?claimant={top}&status=due&page=2")
    url = f"{FORECASTS}?{query.format(claimant=top)}"
    with planned_per_request():
        expected = _answer(anon_client, url)
    assert _answer(anon_client, url) == expected


def test_each_day_has_its_own_statement(corpus, anon_client):
    top = top_claimant()
    url = f"{FORECASTS}?claimant={top}&status=due"
    dates = sorted(
        Forecast.objects.filter(claimant=top, verdict="", resolve_by__isnull=False)
        .values_list("resolve_by", flat=True)
        .distinct()
    )
    assert len(dates) >= 3
    # Nothing due yet, about half, all of them.
    days = [dates[0], dates[len(dates) // 2], dates[-1] + dt.timedelta(days=1)]
    answers = []
    for day in days:
        with mock.patch("django.utils.timezone.localdate", return_value=day):
            kept = _answer(anon_client, url)
            with planned_per_request():
                assert kept == _answer(anon_client, url)
            answers.append(kept)
    assert len({body for _, body in answers}) == len(days), "the days' due forecasts should differ"


def test_who_may_see_drafts_is_part_of_the_shape(corpus, anon_client, editor_client):
    assert Claim.objects.exclude(review_state=Claim.ReviewState.PUBLISHED).exists()
    url = f"{CLAIMS}?topic={_topics()[0]}"
    anon, editor = _answer(anon_client, url), _answer(editor_client, url)
    assert anon != editor
    assert (_answer(anon_client, url), _answer(editor_client, url)) == (anon, editor)
    with planned_per_request():
        assert (_answer(anon_client, url), _answer(editor_client, url)) == (anon, editor)


def test_a_filter_whose_statement_depends_on_its_value_otherwise_is_not_kept(
    corpus, anon_client, monkeypatch
):
    """A topic filter that also narrowed long values to forecasts: the stand-in is long, so its
    statement is not the request's (the same parameters, another condition). Kept, it would
    answer every slug with forecasts only; the shape is answered as before instead."""
    filter_topic = ClaimFilter.filter_topic

    def branching(self, queryset, name, value):
        queryset = filter_topic(self, queryset, name, value)
        return queryset.filter(kind=Claim.Kind.FORECAST) if len(value) > 20 else queryset

    monkeypatch.setattr(ClaimFilter, "filter_topic", branching)
    slug = _topics()[0]
    with planned_per_request():
        expected = _answer(anon_client, f"{CLAIMS}?topic={slug}")
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert _answer(anon_client, f"{CLAIMS}?topic={slug}") == expected
        assert len(queries) == 1
    assert list(page_statements._kept.values()) == [page_statements.NOT_KEPT]
    assert _compiles(anon_client, f"{CLAIMS}?topic={slug}") > 0


def test_a_process_keeps_at_most_so_many_shapes(corpus, anon_client, monkeypatch):
    monkeypatch.setattr(page_statements, "KEPT_SHAPES", 2)
    top = top_claimant()
    for status in ("due", "open", "borne_out"):
        anon_client.get(f"{FORECASTS}?claimant={top}&status={status}")
    assert [key[-1] for key in page_statements._kept] == [
        (("claimant", "int"), ("status", "choice", "open")),
        (("claimant", "int"), ("status", "choice", "borne_out")),
    ]


def test_pages_with_other_filters_search_or_ordering_are_not_kept(corpus, anon_client):
    top = top_claimant()
    for query in (
        f"claimant={top}&probability_min=0.5",
        f"claimant={top}&ordering=-probability",
        "search=stream",
        f"claimant={top}&pagination=cursor",
    ):
        assert anon_client.get(f"{FORECASTS}?{query}").status_code == 200
    assert page_statements._kept == {}
