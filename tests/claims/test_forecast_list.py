"""The forecasts' list in the admin: its date hierarchy finds its years, months and days through
the resolve_by index and gives what Django's own tag gives; its status filter has fixed choices."""

import datetime as dt
from http import HTTPStatus

import pytest
from django.contrib.admin.templatetags import admin_list
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from claims import roles, services
from claims.models import Forecast
from config.admin_dates import date_hierarchy
from tests import factories

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/claims/forecast/"
MADE_ON = dt.date(2000, 1, 1)


@pytest.fixture
def checker(db):
    return factories.make_user("list-checker", role=roles.FACT_CHECKER, is_staff=True)


@pytest.fixture
def checker_client(checker):
    client = Client()
    client.force_login(checker)
    return client


def forecast(resolve_by, *, topics=(), outcome="Russia invades Ukraine."):
    return factories.make_forecast(
        outcome=outcome, made_on=MADE_ON, resolve_by=resolve_by, claim_fields={"topics": list(topics)}
    )


def changelist(client, params=None):
    response = client.get(LIST_URL, params or {})
    assert response.status_code == HTTPStatus.OK
    return response.context["cl"]


def hierarchy(client, params=None):
    """This project's hierarchy and Django's, for the same list, and the statements of ours."""
    cl = changelist(client, params)
    with CaptureQueriesContext(connection) as captured:
        ours = date_hierarchy(cl)
    return ours, admin_list.date_hierarchy(cl), [query["sql"] for query in captured.captured_queries]


def titles(context) -> list[str]:
    return [choice["title"] for choice in context["choices"]]


@pytest.fixture
def spread(db):
    """Forecasts over three years, two of them in March 2025, one undated, one in a topic."""
    topic = factories.make_topic("Energy")
    forecast(dt.date(2023, 6, 30))
    forecast(dt.date(2025, 3, 2), topics=[topic])
    forecast(dt.date(2025, 3, 19))
    forecast(dt.date(2025, 11, 1))
    forecast(dt.date(2027, 1, 1))
    forecast(None)
    return topic


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["2023", "2025", "2027"]),
        ({"resolve_by__year": "2025"}, ["March 2025", "November 2025"]),
        ({"resolve_by__year": "2025", "resolve_by__month": "3"}, ["March 2", "March 19"]),
        ({"resolve_by__year": "2025", "resolve_by__month": "3", "resolve_by__day": "19"}, ["March 19"]),
        ({"resolve_by__year": "2024"}, []),
        # Django ignores a month without a year and offers the years of what it filters.
        ({"resolve_by__month": "3"}, ["2025"]),
        ({"resolve_by__month": "6"}, ["2023"]),
    ],
)
def test_the_date_hierarchy_gives_what_djangos_gives_at_every_level(checker_client, spread, params, expected):
    ours, djangos, _ = hierarchy(checker_client, params)
    assert titles(ours) == expected
    assert ours == djangos


def test_a_list_in_one_year_or_one_month_opens_on_its_months_or_days_as_djangos_does(checker_client, spread):
    ours, djangos, _ = hierarchy(checker_client, {"topic": spread.pk})
    assert titles(ours) == ["March 2"]
    assert ours == djangos
    forecast(dt.date(2025, 3, 30), topics=[spread])
    ours, djangos, _ = hierarchy(checker_client, {"topic": spread.pk})
    assert titles(ours) == ["March 2", "March 30"]
    assert ours == djangos
    forecast(dt.date(2025, 8, 30), topics=[spread])
    ours, djangos, _ = hierarchy(checker_client, {"topic": spread.pk})
    assert titles(ours) == ["March 2025", "August 2025"]
    assert ours == djangos


def test_the_date_hierarchy_of_a_filtered_list_offers_only_the_years_it_holds(checker_client, spread):
    forecast(dt.date(2030, 5, 5), topics=[spread])
    ours, djangos, _ = hierarchy(checker_client, {"topic": spread.pk})
    assert titles(ours) == ["2025", "2030"]
    assert ours == djangos


def test_a_list_without_dates_offers_no_period(checker_client):
    forecast(None)
    ours, djangos, _ = hierarchy(checker_client)
    assert ours["choices"] == [] and ours["show"]
    assert ours == djangos


def test_the_date_hierarchy_reads_no_distinct_dates_and_no_aggregate(checker_client, spread):
    """Two statements, as Django's tag makes, but each finds a row through the index: the first
    and last dates by order, then whether each year has a row."""
    _, _, sql = hierarchy(checker_client)
    assert len(sql) == 2
    assert not [
        query for query in sql if "date_trunc" in query.lower() or "MIN(" in query or "DISTINCT" in query
    ]
    assert "ORDER BY" in sql[0] and "LIMIT 1" in sql[0]
    assert sql[1].count("EXISTS") >= 5  # 2023 to 2027, one for each year


def test_a_searched_list_keeps_djangos_hierarchy(checker_client, spread):
    """A search's matches cannot be estimated, and finding the first of a rare term by walking
    the date's index reads more than Django's one pass over the rows."""
    forecast(dt.date(2026, 2, 2), outcome="The pipeline reopens.")
    ours, djangos, sql = hierarchy(checker_client, {"q": "pipeline"})
    assert titles(ours) == ["February 2"]
    assert ours == djangos
    assert [query for query in sql if "MIN(" in query]


def test_a_search_that_reached_its_counts_cap_takes_the_index_and_gives_djangos_hierarchy(
    checker_client, spread, monkeypatch
):
    """A search matching more rows than its count's cap (config.admin_search) matches so many
    that the walk along the date's index meets one at once: no pass over every match."""
    from claims.admin import ForecastAdmin
    from config.admin_search import CappedCountPaginator

    monkeypatch.setattr(CappedCountPaginator, "cap", 2)
    monkeypatch.setattr(ForecastAdmin, "list_per_page", 1)
    for params, expected in [
        ({"q": "Russia"}, ["2023", "2025", "2027"]),  # every forecast of spread
        ({"q": "Russia", "resolve_by__year": "2025"}, ["March 2025", "November 2025"]),
    ]:
        cl = changelist(checker_client, params)
        ours, djangos, sql = hierarchy(checker_client, params)

        assert cl.paginator.capped, params
        assert titles(ours) == expected
        assert ours == djangos
        assert not [query for query in sql if "MIN(" in query or "DISTINCT" in query], sql


def test_the_forecasts_page_shows_the_hierarchys_links(checker_client, spread):
    response = checker_client.get(LIST_URL, {"resolve_by__year": "2025"})
    assert response.status_code == HTTPStatus.OK
    content = response.content.decode()
    assert 'href="?resolve_by__month=3&amp;resolve_by__year=2025"' in content
    assert 'href="?resolve_by__month=11&amp;resolve_by__year=2025"' in content
    assert "resolve_by__month=6" not in content


@pytest.mark.parametrize(
    "params",
    [
        {"resolve_by__year": "2025", "resolve_by__month": "13"},
        {"resolve_by__year": "0"},
        {"resolve_by__year": "2025", "resolve_by__month": "2", "resolve_by__day": "30"},
        {"resolve_by__month": "abc"},
        {"resolve_by__day": "x"},
    ],
)
def test_a_date_that_cannot_exist_is_refused_not_a_500(checker_client, spread, params):
    response = checker_client.get(LIST_URL, params)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].endswith("?e=1")


def test_the_status_filter_offers_every_status_by_its_name_without_reading_the_forecasts(
    checker_client, spread
):
    with CaptureQueriesContext(connection) as captured:
        response = checker_client.get(LIST_URL)
    content = response.content.decode()
    for status in Forecast.Status:
        assert f'href="?status={status.value}"' in content
        assert f">{status.label}</a>" in content
    assert not [query["sql"] for query in captured.captured_queries if "DISTINCT" in query["sql"]]


def test_the_status_filter_shows_the_forecasts_with_that_status(checker_client, spread, fact_checker):
    today = timezone.localdate()
    settled = forecast(today - dt.timedelta(days=3))
    services.verification_create(
        forecast=settled,
        verdict="borne_out",
        rationale="r",
        evidence=factories.EVIDENCE,
        created_by=fact_checker,
    )
    expected = {
        status: {f.pk for f in Forecast.objects.all() if f.status_on(today) == status}
        for status in ("open", "due", "borne_out")
    }
    assert all(expected.values())
    for status, pks in expected.items():
        shown = {f.pk for f in changelist(checker_client, {"status": status}).result_list}
        assert shown == pks, status


@pytest.mark.parametrize("value", ["verified", "DUE", "\u00b2"])
def test_a_status_that_does_not_exist_is_refused_not_a_500(checker_client, value):
    forecast(dt.date(2025, 1, 1))
    response = checker_client.get(LIST_URL, {"status": value})
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].endswith("?e=1")
