"""The admin's lists stay cheap as the data grows: a fixed number of queries whatever the
page holds, no source texts read for a filter menu, and filters that read the forecasts' own
copies of their claim's claimant and review state instead of joining the claims."""

import datetime as dt
import re
from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import SimpleTestCase
from django.test.utils import CaptureQueriesContext

from claims import roles, services
from claims.models import Forecast
from sources import services as source_services
from sources.models import Source
from tests import factories
from tests.test_admin import CHANGELISTS

pytestmark = pytest.mark.django_db

_html = SimpleTestCase()
assert_html_equal = _html.assertHTMLEqual


def assert_html_contains(response, html):
    _html.assertContains(response, html, html=True)


LISTS = [*CHANGELISTS, "/admin/claims/forecast/due/"]


@pytest.fixture
def editor_client(client):
    """An editor who also records verdicts, so that every list opens, the due queue included."""
    user = factories.make_user("admin-editor", role=roles.EDITOR, is_staff=True)
    user.groups.add(Group.objects.get(name=roles.FACT_CHECKER))
    client.force_login(user)
    return client


def populate(n: int, checker) -> None:
    topic = factories.make_topic()
    for i in range(n):
        forecast = factories.make_forecast(
            published=i % 2 == 0,
            resolve_by=dt.date(2023, 1, 1 + i),
            claim_fields={
                "passage": factories.make_passage(source=factories.make_source()),
                "claimant": factories.make_actor(),
                "subjects": [factories.make_actor()],
                "topics": [topic],
            },
        )
        if i % 3 == 0:
            services.verification_create(
                forecast=forecast,
                verdict="borne_out",
                rationale="r",
                evidence=factories.EVIDENCE,
                created_by=checker,
            )


def get_with_queries(client, url: str, params=None):
    """The page (200 expected) and the SQL it ran."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == HTTPStatus.OK, url
    return response, [query["sql"] for query in captured.captured_queries]


def queries(client, url: str, params=None) -> list[str]:
    return get_with_queries(client, url, params)[1]


@pytest.mark.parametrize("url", LISTS)
def test_a_changelist_does_not_query_per_row(editor_client, fact_checker, url):
    populate(2, fact_checker)
    small = len(queries(editor_client, url))
    populate(8, fact_checker)
    assert len(queries(editor_client, url)) == small


@pytest.mark.parametrize("url", ["/admin/claims/claim/", "/admin/sources/passage/", "/admin/sources/source/"])
def test_no_list_reads_the_sources_texts(editor_client, fact_checker, url):
    """The source filter's menu and the sources' own list read titles, never whole texts."""
    populate(3, fact_checker)
    text_column = f"{connection.ops.quote_name('sources_source')}.{connection.ops.quote_name('text')}"
    assert not [sql for sql in queries(editor_client, url) if text_column in sql]


SOURCE_FILTERS = [
    ("/admin/claims/claim/", "passage__source__id__exact"),
    ("/admin/sources/passage/", "source__id__exact"),
]


@pytest.mark.parametrize(("url", "parameter"), SOURCE_FILTERS)
def test_the_source_filter_is_one_box_holding_the_chosen_source(editor_client, fact_checker, url, parameter):
    """Sources are found by typing in the admin's autocomplete, not listed one link each: the
    page carries the chosen source alone, filters by it, and keeps the list's other parameters
    for the box's own form."""
    populate(3, fact_checker)
    others = list(Source.objects.values_list("title", flat=True))
    source = factories.make_source(title="The one to find")
    claim = factories.make_claim(passage=factories.make_passage(source=source), statement="Found by source.")
    response = editor_client.get(url, {parameter: source.pk, "q": "very unlikely", "o": "1"})
    shown = list(response.context["cl"].result_list)
    assert shown == ([claim] if "claim" in url else [claim.passage])
    page = response.content.decode()
    assert [title for title in others if title in page] == []
    select = re.search(rf'<select name="{parameter}"[^>]*>', page).group(0)
    assert 'class="admin-autocomplete' in select
    assert 'data-placeholder="Any source: type to find one"' in select
    assert_html_contains(response, f'<option value="{source.pk}" selected>The one to find</option>')
    assert_html_contains(response, '<input type="hidden" name="q" value="very unlikely">')
    assert_html_contains(response, '<input type="hidden" name="o" value="1">')
    assert "sources/autocomplete_filter.js" in page


@pytest.mark.parametrize(("url", "parameter"), SOURCE_FILTERS)
@pytest.mark.parametrize("value", ["abc", "\u00b2", "1.5", ""])
def test_a_source_filter_that_is_not_an_id_is_refused_not_a_500(editor_client, url, parameter, value):
    factories.make_claim()
    response = editor_client.get(url, {parameter: value})
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].endswith("?e=1")


@pytest.mark.parametrize(("url", "parameter"), SOURCE_FILTERS)
@pytest.mark.parametrize("value", ["0", "-1", "99999999999999999999999"])
def test_a_source_filter_for_no_source_shows_an_empty_list(editor_client, url, parameter, value):
    factories.make_claim()
    response = editor_client.get(url, {parameter: value})
    assert response.status_code == HTTPStatus.OK
    assert list(response.context["cl"].result_list) == []


def test_the_sources_list_counts_passages_without_joining_them(editor_client):
    busy = factories.make_source(title="Busy")
    for quote in ("remains very unlikely", "Sanctions will likely", "expected to expire"):
        factories.make_passage(source=busy, quote=quote)
    factories.make_source(title="Quiet")
    response, sql = get_with_queries(editor_client, "/admin/sources/source/")
    counts = {source.title: source._passage_count for source in response.context["cl"].result_list}
    assert counts == {"Busy": 3, "Quiet": 0}
    assert not [query for query in sql if 'JOIN "sources_passage"' in query]


def test_the_forecast_list_filters_by_review_state_without_the_claims(editor_client, fact_checker):
    populate(4, fact_checker)
    response, sql = get_with_queries(
        editor_client, "/admin/claims/forecast/", {"review_state__exact": "published"}
    )
    shown = list(response.context["cl"].result_list)
    assert shown and {forecast.claim.review_state for forecast in shown} == {"published"}
    assert len(shown) == Forecast.objects.filter(claim__review_state="published").count()
    assert not [query for query in sql if "claims_claim" in query and "claims_forecast" in query]


def test_the_forecast_list_filters_by_topic_without_distinct(editor_client, fact_checker):
    populate(3, fact_checker)
    topic = factories.make_topic()
    wanted = factories.make_forecast(claim_fields={"topics": [topic]})
    response, sql = get_with_queries(editor_client, "/admin/claims/forecast/", {"topic": topic.pk})
    assert list(response.context["cl"].result_list) == [wanted]
    assert not [query for query in sql if 'DISTINCT "claims_forecast"."id"' in query]


@pytest.mark.parametrize("value", ["ukraine", "99999999999999999999999"])
def test_a_topic_filter_that_is_not_an_id_is_refused_not_a_500(editor_client, value):
    factories.make_topic()
    response = editor_client.get("/admin/claims/forecast/", {"topic": value})
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].endswith("?e=1")


def test_the_due_queue_offers_only_claimants_with_forecasts(editor_client):
    with_forecast = factories.make_actor(name="Has a forecast")
    factories.make_forecast(resolve_by=dt.date(2023, 1, 1), claim_fields={"claimant": with_forecast})
    factories.make_actor(name="Has none")
    source_services.source_create(title="Unrelated", text="Some text.", kind="report")
    response = editor_client.get("/admin/claims/forecast/due/")
    assert list(response.context["filters"].fields["claimant"].queryset) == [with_forecast]


def test_the_due_queue_writes_out_only_the_chosen_source_and_claimant(editor_client):
    """Sources and claimants are offered by the admin's autocomplete, not by menus holding
    every one of them: the page carries the chosen option of each and no other."""
    chosen = factories.make_actor(name="Chosen claimant")
    other = factories.make_actor(name="Other claimant")
    for claimant in (chosen, other):
        factories.make_forecast(resolve_by=dt.date(2023, 1, 1), claim_fields={"claimant": claimant})
    source_services.source_create(title="Unchosen source", text="Some text.", kind="report")
    response = editor_client.get("/admin/claims/forecast/due/", {"claimant": chosen.pk})
    page = response.content.decode()
    assert_html_contains(response, f'<option value="{chosen.pk}" selected>Chosen claimant</option>')
    assert "Other claimant" not in page
    assert "Unchosen source" not in page
    for name in ("source", "claimant"):
        select = re.search(rf'<select name="{name}"[^>]*>', page).group(0)
        assert 'class="admin-autocomplete' in select
        assert 'data-ajax--url="/admin/autocomplete/"' in select
        assert f'data-placeholder="Any {name}: type to find one"' in select
    assert "admin/js/autocomplete.js" in page


def test_the_due_queue_keeps_the_chosen_filter_selected(editor_client):
    chosen = factories.make_actor(name="Chosen")
    factories.make_forecast(resolve_by=dt.date(2023, 1, 1), claim_fields={"claimant": chosen})
    response = editor_client.get("/admin/claims/forecast/due/", {"claimant": chosen.pk})
    assert_html_contains(response, f'<option value="{chosen.pk}" selected>Chosen</option>')


def test_a_source_found_through_two_of_its_authors_comes_once_without_distinct(editor_client):
    """Searching sources by an author's name joins the authors; each source still comes once,
    found by id, not by making the rows DISTINCT over every column (its text included), which
    took 428 ms for the autocomplete at a million claims."""
    authors = [factories.make_actor("Anna Energy"), factories.make_actor("Boris Energy")]
    factories.make_source(title="Two energy authors", authors=authors)
    factories.make_source(title="No author")
    autocomplete = {"app_label": "sources", "model_name": "passage", "field_name": "source", "term": "energy"}
    response, sql = get_with_queries(editor_client, "/admin/autocomplete/", autocomplete)
    assert [result["text"] for result in response.json()["results"]] == ["Two energy authors"]
    assert not [query for query in sql if "DISTINCT" in query]
    # The autocomplete shows titles: it reads no source's text and counts no passages.
    assert not [query for query in sql if '"sources_source"."text"' in query or "sources_passage" in query]
    response, sql = get_with_queries(editor_client, "/admin/sources/source/", {"q": "energy"})
    assert [source.title for source in response.context["cl"].result_list] == ["Two energy authors"]
    # (The filter menus and the date hierarchy list distinct values; the rows are not made distinct.)
    assert not [query for query in sql if 'DISTINCT "sources_source"."id"' in query]
