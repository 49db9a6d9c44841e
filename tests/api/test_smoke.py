from http import HTTPStatus

from tests import factories


def test_annotator_token_can_create_a_passage(annotator_client):
    source = factories.make_source()
    start = source.text.index("very unlikely")
    response = annotator_client.post(
        "/api/v1/passages/",
        {"source": source.pk, "start": start, "end": start + 13, "exact": "very unlikely"},
        format="json",
    )
    assert response.status_code == HTTPStatus.CREATED, response.json()
    assert response.json()["exact"] == "very unlikely"
