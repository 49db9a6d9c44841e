"""Content negotiation: the remembered choice is DRF's own, for every header, and the store is bounded."""

import pytest
from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from config.api import ContentNegotiation
from sources.api.views import SourceViewSet

ACCEPT_HEADERS = [
    None,
    "*/*",
    "application/json",
    "application/json; indent=4",
    "text/html",
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "text/csv",
    "application/*",
    "text/*;q=0.5, application/json;q=0.1",
]


@pytest.fixture
def choices(monkeypatch):
    store = {}
    monkeypatch.setattr(ContentNegotiation, "_choices", store)
    return store


def _request(accept=None, query=""):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    return Request(APIRequestFactory().get(f"/api/v1/sources/1/{query}", **headers))


def _renderers():
    return [renderer() for renderer in SourceViewSet.renderer_classes]


def _chosen(negotiation, request, renderers, suffix=None):
    try:
        renderer, media_type = negotiation.select_renderer(request, renderers, suffix)
    except exceptions.NotAcceptable:
        return 406
    return renderers.index(renderer), media_type


@pytest.mark.parametrize("query", ["", "?format=json", "?format=csv", "?format=api"])
@pytest.mark.parametrize("accept", ACCEPT_HEADERS)
def test_each_choice_is_drfs_the_first_time_and_when_remembered(choices, accept, query):
    renderers = _renderers()
    expected = _chosen(DefaultContentNegotiation(), _request(accept, query), renderers)
    first = _chosen(ContentNegotiation(), _request(accept, query), renderers)
    again = _chosen(ContentNegotiation(), _request(accept, query), renderers)
    assert first == again == expected
    assert len(choices) == (0 if expected == 406 else 1)


def test_a_format_suffix_is_part_of_the_choice(choices):
    renderers = _renderers()
    assert _chosen(ContentNegotiation(), _request("*/*"), renderers)[0] == 0
    csv = _chosen(ContentNegotiation(), _request("*/*"), renderers, suffix="csv")
    assert renderers[csv[0]].format == "csv"
    assert _chosen(ContentNegotiation(), _request("*/*"), renderers)[0] == 0


def test_an_unacceptable_header_is_refused_each_time_and_not_remembered(choices):
    for _ in range(2):
        assert _chosen(ContentNegotiation(), _request("image/png"), _renderers()) == 406
    assert choices == {}


def test_headers_past_the_limit_are_negotiated_but_not_stored(choices, monkeypatch):
    monkeypatch.setattr(ContentNegotiation, "CHOICES_KEPT", 3)
    renderers = _renderers()
    for n in range(10):
        accept = f"application/json; version={n}"
        assert _chosen(ContentNegotiation(), _request(accept), renderers) == (0, accept)
    assert len(choices) == 3


@pytest.mark.django_db
def test_the_api_answers_by_the_accept_header(anon_client, choices):
    assert anon_client.get("/api/v1/sources/", HTTP_ACCEPT="application/json")["Content-Type"] == (
        "application/json"
    )
    assert anon_client.get("/api/v1/sources/", HTTP_ACCEPT="text/csv")["Content-Type"].startswith("text/csv")
    assert anon_client.get("/api/v1/sources/", HTTP_ACCEPT="image/png").status_code == 406
    assert anon_client.get("/api/v1/sources/", HTTP_ACCEPT="application/json")["Content-Type"] == (
        "application/json"
    )
