"""GET /api/v1/passages/{id}/annotation/ returns a W3C Web Annotation."""

from http import HTTPStatus

import pytest

from tests import factories


@pytest.mark.django_db
def test_passage_annotation_is_a_w3c_web_annotation_with_both_selectors(annotator, anon_client):
    source = factories.make_source(text="😀 Intro. Russia's intervention remains very unlikely. Outro.")
    passage = factories.make_passage(source=source, quote="remains very unlikely", created_by=annotator)
    claim = factories.make_claim(passage=passage, statement="No invasion.", kind="forecast", published=True)
    response = anon_client.get(f"/api/v1/passages/{passage.pk}/annotation/")
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("application/ld+json")
    body = response.json()
    assert body["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert body["type"] == "Annotation"
    assert body["id"] == f"http://testserver/api/v1/passages/{passage.pk}/annotation/"
    assert body["creator"] == {"type": "Person", "nickname": "annie"}
    assert body["created"] == passage.created_at.isoformat()
    assert body["target"]["selector"] == [
        {
            "type": "TextQuoteSelector",
            "exact": "remains very unlikely",
            "prefix": "😀 Intro. Russia's intervention ",
            "suffix": ". Outro.",
        },
        # Code points: the emoji counts once, not twice as in UTF-16.
        {"type": "TextPositionSelector", "start": 31, "end": 52},
    ]
    assert body["body"] == [
        {
            "type": "SpecificResource",
            "purpose": "classifying",
            "source": f"http://testserver/api/v1/claims/{claim.pk}/",
            "value": "No invasion.",
        }
    ]


@pytest.mark.django_db
def test_annotation_of_an_unpublished_passage_is_hidden_from_anonymous_callers(anon_client):
    passage = factories.make_passage()
    factories.make_claim(passage=passage)
    response = anon_client.get(f"/api/v1/passages/{passage.pk}/annotation/")
    assert response.status_code == HTTPStatus.NOT_FOUND
