"""Searching the claims' list in the admin: on PostgreSQL through the full-text indexes of the
claims and passages and the actors' name index, as the API's search reads words; elsewhere
Django's substring search."""

from http import HTTPStatus

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from claims import roles
from tests import factories

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/claims/claim/"
on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text search is PostgreSQL's")
on_other_databases = pytest.mark.skipif(connection.vendor == "postgresql", reason="Django's own search")


@pytest.fixture
def annotator_client(db):
    client = Client()
    client.force_login(factories.make_user("searcher", role=roles.ANNOTATOR, is_staff=True))
    return client


@pytest.fixture
def claims(db):
    kremlin = factories.make_actor("Kremlin")
    return {
        "pipeline": factories.make_claim(statement="The Nord Stream pipeline will be repaired."),
        "gas": factories.make_claim(statement="Nord Stream gas flows resume in spring."),
        "sanctions": factories.make_claim(
            statement="Brussels keeps its course.",
            passage=factories.make_passage(quote="Sanctions will likely be extended by 2024"),
        ),
        "kremlin": factories.make_claim(statement="Talks stall over the winter.", claimant=kremlin),
    }


def found(client, term) -> set[str]:
    response = client.get(LIST_URL, {"q": term})
    assert response.status_code == HTTPStatus.OK
    return {claim.statement for claim in response.context["cl"].result_list}


def test_a_word_of_the_statement_finds_the_claim(annotator_client, claims):
    assert found(annotator_client, "pipeline") == {claims["pipeline"].statement}


@on_postgres
def test_words_match_by_their_stem_in_the_statement_and_the_quoted_passage(annotator_client, claims):
    assert found(annotator_client, "pipelines") == {claims["pipeline"].statement}
    assert found(annotator_client, "sanction") == {claims["sanctions"].statement}


@on_postgres
def test_the_search_reads_phrases_and_exclusions_as_the_apis_search(annotator_client, claims):
    both = {claims["pipeline"].statement, claims["gas"].statement}
    assert found(annotator_client, '"nord stream"') == both
    assert found(annotator_client, '"nord stream" -gas') == {claims["pipeline"].statement}
    assert found(annotator_client, "pipeline or spring") == both


@on_postgres
def test_part_of_the_claimants_name_finds_their_claims(annotator_client, claims):
    assert found(annotator_client, "Krem") == {claims["kremlin"].statement}


@on_postgres
def test_the_search_reads_indexes_not_every_claim(annotator_client, claims):
    with CaptureQueriesContext(connection) as captured:
        found(annotator_client, "pipeline")
    searched = [query["sql"] for query in captured.captured_queries if "websearch_to_tsquery" in query["sql"]]
    assert len(searched) == 2  # the count and the page
    for sql in searched:
        condition = sql.split(" WHERE ", 1)[1]
        assert '"statement"' not in condition and '"exact"' not in condition  # no substring scans
        assert sql.count("= ANY(ARRAY(SELECT") == 2
    [count] = [sql for sql in searched if sql.startswith("SELECT COUNT(*)")]
    assert "JOIN" not in count.split(" WHERE ")[0]  # the passages and claimants are not joined


@on_postgres
def test_the_search_box_says_how_it_reads_words(annotator_client, claims):
    content = annotator_client.get(LIST_URL).content.decode()
    assert "Finds the words in the statement or the quoted passage, as the API&#x27;s search does" in content


@on_other_databases
def test_elsewhere_the_search_matches_inside_words_as_djangos_does(annotator_client, claims):
    assert found(annotator_client, "pipel") == {claims["pipeline"].statement}
    assert found(annotator_client, "Krem") == {claims["kremlin"].statement}


@pytest.mark.parametrize("term", ["a\x00b", "   ", "-", '"', "&|!:*()"])
def test_a_term_of_no_words_or_with_a_nul_is_answered_not_a_500(annotator_client, claims, term):
    response = annotator_client.get(LIST_URL, {"q": term})
    assert response.status_code == HTTPStatus.OK
