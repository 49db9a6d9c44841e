"""The forecasts' admin search on PostgreSQL: a term found through the trigram indexes of the
forecasts' own searched fields and of their claims' statements finds the same forecasts as
Django's own search; a term found in more forecasts than the cap keeps Django's condition.
Other databases keep Django's search, which these tests compare against."""

from functools import partial
from http import HTTPStatus

import pytest
from django.test import Client

from claims import roles
from claims.admin import ForecastAdmin
from claims.models import Claim, Forecast
from tests import admin_search, factories
from tests.admin_search import plan_without_seqscan, postgres_only

pytestmark = pytest.mark.django_db
searched = partial(admin_search.searched, Forecast)


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
    monkeypatch.setattr(ForecastAdmin, "indexed_search_cap", 10**9)

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
    monkeypatch.setattr(ForecastAdmin, "indexed_search_cap", 10**9)

    assert searched(term) == {forecasts[name].pk for name in expected}


@postgres_only
def test_a_rare_term_is_searched_as_the_keys_its_indexes_found(forecasts, monkeypatch):
    monkeypatch.setattr(ForecastAdmin, "indexed_search_cap", 5)
    found, statements = admin_search.searched_with_statements(Forecast, "pipeline")
    *lookups, search = statements

    assert found == {forecasts["outcome"].pk}
    assert len(lookups) == 2 and all(lookup.endswith("LIMIT 6") for lookup in lookups)
    assert 'UPPER("claims_forecast"."horizon_text"::text) LIKE UPPER(' in lookups[0]
    assert 'UPPER("U0"."statement"::text) LIKE UPPER(' in lookups[1]
    assert admin_search.by_keys_alone(Forecast, search, forecasts["outcome"].pk)


@postgres_only
@pytest.mark.parametrize("term", ["pipeline", "spring", "kupala elections", "zzqx"])
def test_a_term_past_the_cap_keeps_djangos_condition(forecasts, term, monkeypatch):
    monkeypatch.setattr(ForecastAdmin, "indexed_search_cap", -1)
    found, statements = admin_search.searched_with_statements(Forecast, term)

    assert found == searched(term, djangos=True)
    assert 'UPPER("claims_claim"."statement"::text) LIKE UPPER(' in statements[-1]


@postgres_only
@pytest.mark.parametrize(
    ("common", "term"),
    [
        ({"claim_fields": {"statement": "Talks on the Danube."}}, "danube"),
        ({"horizon_text": "by spring"}, "by spring"),
    ],
)
def test_a_term_common_in_either_table_keeps_djangos_condition(forecasts, common, term, monkeypatch):
    """The rows each lookup finds are counted: a term that more claims' statements hold than the
    cap keeps Django's condition though no forecast's own field holds it, and the other way."""
    for _ in range(20):
        factories.make_forecast(**{"outcome": "Talks resume.", **common})
    monkeypatch.setattr(ForecastAdmin, "indexed_search_cap", 10)
    found, statements = admin_search.searched_with_statements(Forecast, term)

    assert len(found) == 20
    assert 'UPPER("claims_claim"."statement"::text) LIKE UPPER(' in statements[-1]


@postgres_only
def test_the_statements_of_a_search_do_not_grow_with_the_forecasts(forecasts, monkeypatch):
    monkeypatch.setattr(ForecastAdmin, "indexed_search_cap", 10**9)

    before = admin_search.statement_count(Forecast, "deliveries spring")
    for _ in range(5):
        factories.make_forecast(outcome="More deliveries in spring.")
    assert admin_search.statement_count(Forecast, "deliveries spring") == before


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
    assert index in plan_without_seqscan(model, lookup)


def test_the_changelist_searches(forecasts):
    client = Client()
    client.force_login(factories.make_user(role=roles.EDITOR, is_staff=True))

    response = client.get("/admin/claims/forecast/", {"q": "kupala elections"})

    assert response.status_code == HTTPStatus.OK
    assert [forecast.pk for forecast in response.context["cl"].result_list] == [forecasts["horizon"].pk]
