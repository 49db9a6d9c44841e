"""Two people editing the same row in the admin: the second save is refused, nothing is overwritten."""

import re
from http import HTTPStatus

import pytest

from claims import roles
from tests import factories


def change_form_data(client, url: str) -> dict:
    page = client.get(url).content.decode()
    version = re.search(r'name="_row_version" value="([^"]+)"', page)
    assert version, "the change form must carry the row's version"
    return {"_row_version": version.group(1)}


@pytest.mark.django_db
def test_the_second_of_two_concurrent_admin_saves_is_refused_with_a_clear_message(client):
    claim = factories.make_claim(statement="Original wording.")
    first, second = (
        factories.make_user(name, role=roles.ANNOTATOR, is_staff=True) for name in ("ann", "bob")
    )
    url = f"/admin/claims/claim/{claim.pk}/change/"
    client.force_login(first)
    opened_by_first = change_form_data(client, url)
    client.force_login(second)
    opened_by_second = change_form_data(client, url)
    form = {
        "passage": claim.passage_id,
        "kind": "assertion",
        "forecast-TOTAL_FORMS": "0",
        "forecast-INITIAL_FORMS": "0",
    }

    client.force_login(first)
    saved = client.post(url, form | opened_by_first | {"statement": "Ann's wording."})
    assert saved.status_code == HTTPStatus.FOUND

    client.force_login(second)
    refused = client.post(url, form | opened_by_second | {"statement": "Bob's wording."})
    assert refused.status_code == HTTPStatus.OK
    page = refused.content.decode()
    assert "This claim was changed by ann at" in page
    assert "Your changes were not saved, so theirs are not overwritten" in page
    claim.refresh_from_db()
    assert claim.statement == "Ann's wording."


@pytest.mark.django_db
def test_an_editor_sees_the_history_of_a_claim_and_reverts_a_change(client):
    from claims.services import claim_update

    claim = factories.make_claim(statement="First wording.")
    claim_update(claim=claim, statement="A careless rewrite.")
    editor = factories.make_user("edith", role=roles.EDITOR, is_staff=True)
    client.force_login(editor)
    history = client.get(f"/admin/claims/claim/{claim.pk}/history/")
    assert history.status_code == HTTPStatus.OK
    assert "A careless rewrite." in history.content.decode() or "Changed" in history.content.decode()
    first_version = claim.history.order_by("history_id").first()
    url = f"/admin/claims/claim/{claim.pk}/history/{first_version.history_id}/"
    assert "First wording." in client.get(url).content.decode()
    reverted = client.post(
        url,
        {
            "passage": claim.passage_id,
            "statement": "First wording.",
            "kind": "assertion",
            "forecast-TOTAL_FORMS": "0",
            "forecast-INITIAL_FORMS": "0",
        },
    )
    assert reverted.status_code == HTTPStatus.FOUND
    claim.refresh_from_db()
    assert claim.statement == "First wording."
    assert claim.history.count() == 3
