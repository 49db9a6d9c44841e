"""A searched changelist of a large table counts its matches up to a cap and says "more than"
past it (config.admin_search.CappedSearchCountMixin); a list that is not searched counts as
Django's does. The cap is made small here, as a million rows would make it bite."""

from http import HTTPStatus

import pytest
from django.contrib.admin import helpers
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims import roles
from claims.admin import ClaimAdmin
from claims.models import Claim
from config.admin_search import CappedCountPaginator
from tests import admin_search, factories
from tests.admin_search import postgres_only

pytestmark = pytest.mark.django_db

CLAIMS = "/admin/claims/claim/"


@pytest.fixture
def editor_client(client):
    client.force_login(factories.make_user("count-editor", role=roles.EDITOR, is_staff=True))
    return client


@pytest.fixture
def cap_of_three(monkeypatch):
    """A cap of 3 over pages of 2: as 10,000 over pages of 100, the cap is past the first page."""
    monkeypatch.setattr(CappedCountPaginator, "cap", 3)
    monkeypatch.setattr(ClaimAdmin, "list_per_page", 2)


@pytest.fixture
def needles():
    """Five draft claims that hold "needle", and two that do not."""
    passage = factories.make_passage()
    found = [factories.make_claim(passage=passage, statement=f"The needle {i}.") for i in range(5)]
    for i in range(2):
        factories.make_claim(passage=passage, statement=f"The haystack {i}.")
    return found


def test_a_search_with_more_matches_than_the_cap_says_more_than_and_counts_no_further(
    editor_client, cap_of_three, needles
):
    with CaptureQueriesContext(connection) as captured:
        response = editor_client.get(CLAIMS, {"q": "needle"})

    assert response.status_code == HTTPStatus.OK
    changelist = response.context["cl"]
    assert changelist.paginator.capped and changelist.result_count == 3
    assert len(changelist.result_list) == 2
    content = response.content.decode()
    assert "More than 3 results" in content
    assert "More than 3 claims: the pages hold the first 3; refine the search for the rest." in content
    assert "Select all of more than 3 claims" in content
    assert response.context["selection_note_all"] == "All of more than 3 selected"
    counts = [query["sql"] for query in captured.captured_queries if "COUNT(" in query["sql"]]
    assert len(counts) == 1 and "LIMIT 4" in counts[0], counts


def test_a_search_within_the_cap_counts_exactly_as_djangos_does(editor_client, cap_of_three, needles):
    response = editor_client.get(CLAIMS, {"q": "haystack"})

    changelist = response.context["cl"]
    assert not changelist.paginator.capped and changelist.result_count == 2
    content = response.content.decode()
    assert "2 results" in content and "More than" not in content
    assert response.context["selection_note_all"] == "All 2 selected"


def test_a_list_that_is_not_searched_counts_every_row(editor_client, cap_of_three, needles):
    response = editor_client.get(CLAIMS)

    changelist = response.context["cl"]
    assert not isinstance(changelist.paginator, CappedCountPaginator)
    assert changelist.result_count == 7
    assert "More than" not in response.content.decode()


def test_a_capped_search_pages_through_the_counted_rows_and_no_further(editor_client, cap_of_three, needles):
    first = editor_client.get(CLAIMS, {"q": "needle"})
    second = editor_client.get(CLAIMS, {"q": "needle", "p": 2})
    past = editor_client.get(CLAIMS, {"q": "needle", "p": 3})

    assert first.context["cl"].paginator.num_pages == 2
    shown = [claim.pk for response in (first, second) for claim in response.context["cl"].result_list]
    assert len(shown) == len(set(shown)) == 3
    # Past the counted rows, as past the last page of any list: Django's redirect to ?e=1.
    assert past.status_code == HTTPStatus.FOUND and past["Location"].endswith("?e=1")


def test_selecting_across_a_capped_search_acts_on_every_match(editor_client, cap_of_three, needles):
    response = editor_client.post(
        f"{CLAIMS}?q=needle",
        {
            "action": "submit_claims",
            "select_across": "1",
            "index": "0",
            helpers.ACTION_CHECKBOX_NAME: [needles[0].pk],
        },
    )

    assert response.status_code == HTTPStatus.FOUND
    states = set(Claim.objects.filter(statement__contains="needle").values_list("review_state", flat=True))
    assert states == {Claim.ReviewState.IN_REVIEW}  # all five, past the three counted
    assert set(
        Claim.objects.filter(statement__contains="haystack").values_list("review_state", flat=True)
    ) == {Claim.ReviewState.DRAFT}


# On PostgreSQL a search finds each term through the indexes of its fields first
# (config.admin_search.IndexedSearchMixin); the cap of those lookups is made small here too.


@pytest.fixture
def indexed_cap_of_three(cap_of_three, monkeypatch):
    monkeypatch.setattr(ClaimAdmin, "indexed_search_cap", 3)


def searched_list(client, params) -> tuple:
    """The claims' changelist for params, its counting statements, and every statement it sent."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(CLAIMS, params)
    statements = [query["sql"] for query in captured.captured_queries]
    return response, response.context["cl"], [sql for sql in statements if "COUNT(" in sql], statements


@postgres_only
def test_a_term_its_indexes_found_past_the_cap_is_not_counted_again(
    editor_client, indexed_cap_of_three, needles
):
    response, changelist, counts, _ = searched_list(editor_client, {"q": "needle"})

    assert changelist.paginator.capped and changelist.result_count == 3
    assert "More than 3 results" in response.content.decode()
    assert counts == []  # the lookup that passed the cap counted them


@postgres_only
def test_terms_one_field_holds_together_past_the_cap_are_not_counted_again(
    editor_client, indexed_cap_of_three, needles
):
    _, changelist, counts, statements = searched_list(editor_client, {"q": "the needle"})

    assert changelist.paginator.capped and changelist.result_count == 3
    assert counts == []  # the paginator's is spared
    # The keys of the statements that hold both terms, read past the cap.
    both = "UPPER('%the%') AND UPPER(\"claims_claim\".\"statement\"::text) LIKE UPPER('%needle%')) LIMIT 4"
    assert any(both in sql for sql in statements)
    # Past the cap together, so each term alone: their own lookups are not read.
    assert not any(
        f"LIKE UPPER('%{term}%') LIMIT 4" in sql for sql in statements for term in ("the", "needle")
    )


@postgres_only
def test_terms_in_different_fields_are_counted_exactly(editor_client, indexed_cap_of_three, needles):
    """Each term is past the cap, but no one field holds both: the rows that do are no lower
    bound past it, and the paginator counts the matches itself."""
    pinewood = factories.make_actor("Pinewood Institute")
    factories.make_claim(statement="Reeds.", claimant=pinewood)
    factories.make_claim(statement="Rushes.", claimant=pinewood)
    for claim in needles[:2]:
        claim.claimant = pinewood
        claim.save(update_fields=["claimant"])

    _, changelist, counts, _ = searched_list(editor_client, {"q": "needle pinewood"})

    assert not changelist.paginator.capped and changelist.result_count == 2
    assert {claim.pk for claim in changelist.result_list} == {needles[0].pk, needles[1].pk}
    # The paginator's count, of Django's condition for both terms, after the fields' own.
    assert "LIKE UPPER('%pinewood%')" in counts[-1] and counts[-1].endswith("LIMIT 4) subquery")


@postgres_only
def test_a_term_common_in_the_table_but_not_in_the_list_is_searched_through_its_indexes(
    editor_client, indexed_cap_of_three, needles
):
    published = factories.make_claim(statement="The needle, published.", published=True)

    _, changelist, counts, _ = searched_list(
        editor_client, {"q": "needle", "review_state__exact": "published"}
    )

    assert not changelist.paginator.capped and changelist.result_count == 1
    assert [claim.pk for claim in changelist.result_list] == [published.pk]
    assert any(admin_search.among('"claims_claim"."id"', published.pk) in sql for sql in counts)
