"""The annotate view's analyse endpoint: the phrase and horizon found in a free selection."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from claims import roles
from tests import factories

TEXT = "😀 Intro. Sanctions will very likely be extended by 2024. The end."


@pytest.fixture
def source(db):
    return factories.make_source(text=TEXT)


def utf16(text: str, code_points: int) -> int:
    return len(text[:code_points].encode("utf-16-le")) // 2


def test_a_selection_yields_its_likelihood_phrase_and_horizon(client, source):
    client.force_login(factories.make_user("ann", role=roles.ANNOTATOR, is_staff=True))
    start = TEXT.index("Sanctions")
    end = TEXT.index(" The end.")
    response = client.get(
        reverse("admin:sources_source_annotate_analyse", args=[source.pk]),
        {"start": utf16(TEXT, start), "end": utf16(TEXT, end)},
    )
    assert response.status_code == HTTPStatus.OK
    assert response.json() == {"likelihood_phrase": "very likely", "horizon": "by 2024"}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "x", "end": "4"}, "start and end must be offsets in the text"),
        ({"start": "1", "end": "2"}, "falls inside the character at 0"),
        ({"start": "20", "end": "10"}, "start must come before end."),
    ],
)
def test_bad_offsets_are_a_400_that_says_why(client, source, query, message):
    client.force_login(factories.make_user("ann", role=roles.ANNOTATOR, is_staff=True))
    response = client.get(reverse("admin:sources_source_annotate_analyse", args=[source.pk]), query)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert message in response.json()["detail"]
