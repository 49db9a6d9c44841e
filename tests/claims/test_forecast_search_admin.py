"""The forecasts' admin search on PostgreSQL: a term found through the trigram indexes of the
forecasts' own searched fields and of their claims' statements finds the same forecasts as
Django's own search; a term most forecasts hold keeps Django's condition. Other databases keep
Django's search, which these tests compare against."""

from http import HTTPStatus

import pytest
from django.contrib import admin
from django.contrib.admin import ModelAdmin
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from claims import roles
from claims.admin import ForecastAdmin
from claims.models import Claim, Forecast
from tests import factories

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the indexed search is PostgreSQL's; others keep Django's"
)


@pytest.fixture
def forecasts(db):
    """Forecasts whose terms sit in one searched field each, and one in none of them."""

    def forecast(statement, outcome, likelihood_phrase="unlikely", horizon_text=""):
        return factories.make_forecast(
            outcome=outcome,
            likelihood_phrase=likelihood_phrase,
            horizon_text=horizon_text,
            claim_fields={"statement": statement},
        )

    return {
        "outcome": forecast("Talks go on.", "The Nord Stream pipeline reopens."),
        "statement": forecast("Gas deliveries will resume in spring.", "Deliveries resume."),
        "phrase": forecast("A ceasefire.", "A ceasefire holds.", likelihood_phrase="almost certain"),
        "horizon": forecast("Elections.", "Elections are held.", horizon_text="before the Kupala night"),
        "symbols": forecast("Supplies.", "A 50% cut_in supplies."),
        "unicode": forecast("Doubts in GDAŃSK.", "The port stays open."),
        "none": forecast("The commission meets.", "The commission will not meet."),
    }


def model_admin() -> ForecastAdmin:
    return admin.site._registry[Forecast]


def searched(search_term, *, djangos=False) -> set[int]:
    request = RequestFactory().get("/admin/claims/forecast/", {"q": search_term})
    request.user = factories.make_user(is_superuser=True, is_staff=True)
    forecasts_admin = model_admin()
    search = ModelAdmin.get_search_results if djangos else type(forecasts_admin).get_search_results
    queryset, _ = search(forecasts_admin, request, Forecast.objects.all(), search_term)
    return set(queryset.values_list("pk", flat=True))


TERMS = [
    "pipeline",  # the outcome only
    "PIPELINE",  # case
    "spring",  # the claim's statement only
    "almost certain",  # the phrase only, two terms
    '"almost certain"',  # a quoted phrase
    "kupala",  # the horizon only
    "deliveries",  # the outcome and the statement
    "kupala elections",  # the horizon and the statement, both needed
    "kupala pipeline",  # in two different forecasts: none has both
    "peline reo",  # inside words
    "50%",  # LIKE's wildcards, matched as text
    "cut_in",
    "_",
    "gdańsk",  # non-ASCII, in either case
    "zzqx",
    "   ",
]


@postgres_only
@pytest.mark.parametrize("term", TERMS)
def test_the_indexed_search_finds_what_djangos_finds(forecasts, term, monkeypatch):
    monkeypatch.setattr(ForecastAdmin, "indexed_search_max_share", float("inf"))

    assert searched(term) == searched(term, djangos=True)


@postgres_only
@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("pipeline", {"outcome"}),
        ("spring", {"statement"}),
        ("almost certain", {"phrase"}),
        ("kupala", {"horizon"}),
        ("kupala elections", {"horizon"}),
        ("kupala pipeline", set()),
        ("deliveries", {"statement"}),
        ("cut_in", {"symbols"}),
        ("50%", {"symbols"}),
        ("gdańsk", {"unicode"}),
    ],
)
def test_the_indexed_search_finds_each_field(forecasts, term, expected, monkeypatch):
    """Not only the same as Django's: the forecasts each term is in, so an empty search on both
    sides would not pass."""
    monkeypatch.setattr(ForecastAdmin, "indexed_search_max_share", float("inf"))

    assert searched(term) == {forecasts[name].pk for name in expected}


@postgres_only
def test_the_indexed_search_is_a_union_of_the_indexed_lookups(forecasts, monkeypatch):
    monkeypatch.setattr(ForecastAdmin, "indexed_search_max_share", float("inf"))
    with CaptureQueriesContext(connection) as captured:
        searched("pipeline")
    search = captured.captured_queries[-1]["sql"]

    assert " UNION " in search
    assert 'UPPER("U0"."horizon_text"::text) LIKE UPPER(' in search
    assert '"claims_claim"' not in search.partition(" WHERE ")[0]  # no join for the page
    explains = [query["sql"] for query in captured.captured_queries if query["sql"].startswith("EXPLAIN")]
    assert 2 <= len(explains) <= 4


@postgres_only
@pytest.mark.parametrize("term", ["pipeline", "spring", "kupala elections", "zzqx"])
def test_a_term_most_forecasts_hold_keeps_djangos_condition(forecasts, term, monkeypatch):
    monkeypatch.setattr(ForecastAdmin, "indexed_search_max_share", -1.0)
    with CaptureQueriesContext(connection) as captured:
        found = searched(term)

    assert found == searched(term, djangos=True)
    search = captured.captured_queries[-1]["sql"]
    assert " UNION " not in search
    assert 'UPPER("claims_claim"."statement"::text) LIKE UPPER(' in search


@postgres_only
@pytest.mark.parametrize(
    ("common", "term"),
    [
        ({"claim_fields": {"statement": "Talks on the Danube."}}, "danube"),
        ({"horizon_text": "by spring"}, "by spring"),
    ],
)
def test_a_term_common_in_either_table_keeps_djangos_condition(forecasts, common, term, monkeypatch):
    """The planner's estimates of both lookups decide: a term most claims' statements hold
    keeps Django's condition though no forecast's own field holds it, and the other way."""
    for _ in range(20):
        factories.make_forecast(**{"outcome": "Talks resume.", **common})
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE claims_claim")
        cursor.execute("ANALYZE claims_forecast")
    monkeypatch.setattr(ForecastAdmin, "indexed_search_max_share", 0.5)
    with CaptureQueriesContext(connection) as captured:
        found = searched(term)

    assert len(found) == 20
    assert " UNION " not in captured.captured_queries[-1]["sql"]


@postgres_only
def test_the_statements_of_a_search_do_not_grow_with_the_forecasts(forecasts, monkeypatch):
    monkeypatch.setattr(ForecastAdmin, "indexed_search_max_share", float("inf"))

    def statements():
        with CaptureQueriesContext(connection) as captured:
            searched("deliveries spring")
        return len(captured.captured_queries)

    before = statements()
    for _ in range(5):
        factories.make_forecast(outcome="More deliveries in spring.")
    assert statements() == before


@postgres_only
@pytest.mark.parametrize(
    ("model", "lookup"),
    [
        (Forecast, "outcome__icontains"),
        (Forecast, "likelihood_phrase__icontains"),
        (Forecast, "horizon_text__icontains"),
        (Claim, "statement__icontains"),
    ],
)
def test_djangos_search_expressions_are_the_indexed_ones(forecasts, model, lookup):
    """Each field's index is on the expression Django's icontains writes, UPPER(column::text),
    so the planner can use it for the statement the ORM sends."""
    index = "claim_statement_upper_trgm_idx" if model is Claim else "forecast_search_upper_trgm_idx"
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = model.objects.filter(**{lookup: "pipeline"}).order_by().values("pk").explain()

    assert index in plan


def test_the_changelist_searches(forecasts):
    client = Client()
    client.force_login(factories.make_user(role=roles.EDITOR, is_staff=True))

    response = client.get("/admin/claims/forecast/", {"q": "kupala elections"})

    assert response.status_code == HTTPStatus.OK
    assert [forecast.pk for forecast in response.context["cl"].result_list] == [forecasts["horizon"].pk]
