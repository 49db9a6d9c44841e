"""The claims' admin search on PostgreSQL: a term found through the trigram indexes of the
statements and the quoted passages, and the claimants' names, finds the same claims as Django's
own search; a term found in more claims than the cap keeps Django's condition. Other databases
keep Django's search, which these tests compare against."""

from functools import partial
from http import HTTPStatus

import pytest
from django.test import Client

from claims import roles
from claims.admin import ClaimAdmin
from claims.models import Claim
from sources.models import Passage
from tests import admin_search, factories
from tests.admin_search import plan_without_seqscan, postgres_only

pytestmark = pytest.mark.django_db
searched = partial(admin_search.searched, Claim)

TEXT = (
    "The Kremlin said the Nord Stream pipeline would reopen. "
    "Analysts call a 50% cut_in supplies very unlikely. "
    "Officials in Gdańsk doubt that a back\\slash of 'quotes' matters. "
    "Nobody expects the Danube Commission to meet."
)


@pytest.fixture
def claims(db):
    """Claims whose terms sit in the statement only, the quoted passage only, or the claimant's
    name only, and one in none of them."""
    source = factories.make_source(text=TEXT)

    def claim(quote, statement, claimant=None):
        passage = factories.make_passage(source=source, quote=quote)
        return factories.make_claim(passage=passage, statement=statement, claimant=claimant)

    return {
        "statement": claim("The Kremlin said", "Gas deliveries will resume in spring."),
        "passage": claim("Nord Stream pipeline would reopen", "Deliveries resume."),
        "claimant": claim("Analysts call", "Supplies will hold.", factories.make_actor("Gazprom Export")),
        "symbols": claim("a 50% cut_in supplies", "A cut is very unlikely."),
        "unicode": claim("Officials in Gdańsk doubt", "Doubts in GDAŃSK."),
        "quotes": claim("a back\\slash of 'quotes' matters", "Nothing to see."),
        "none": claim("Nobody expects", "The commission will not meet."),
    }


TERMS = [
    "spring",  # the statement only
    "SPRING",  # case
    "nord stream",  # two terms, each in the passage only
    '"nord stream"',  # a quoted phrase
    '"stream pipeline"',
    "gazprom",  # the claimant's name only
    "gazprom hold",  # the claimant and the statement, both needed
    "gazprom spring",  # in two different claims: none has both
    "ream pip",  # inside words
    "50%",  # LIKE's wildcards, matched as text
    "cut_in",
    "_",
    "\\slash",
    "'quotes'",  # quoted: the word without its quotes
    "gdańsk",  # non-ASCII, in either case
    "deliveries",
    "danube",
    "zzqx",
    "   ",
]


@postgres_only
@pytest.mark.parametrize("term", TERMS)
def test_the_indexed_search_finds_what_djangos_finds(claims, term, monkeypatch):
    monkeypatch.setattr(ClaimAdmin, "indexed_search_cap", 10**9)

    assert searched(term) == searched(term, djangos=True)


@postgres_only
@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("spring", {"statement"}),
        ("nord stream", {"passage"}),
        ("gazprom", {"claimant"}),
        ("gazprom hold", {"claimant"}),
        ("gazprom spring", set()),
        ("cut_in", {"symbols"}),
        ("50%", {"symbols"}),
        ("gdańsk", {"unicode"}),
        ("'quotes'", {"quotes"}),
        ("deliveries", {"statement", "passage"}),
    ],
)
def test_the_indexed_search_finds_each_field(claims, term, expected, monkeypatch):
    """Not only the same as Django's: the claims each term is in, so an empty search on both
    sides would not pass."""
    monkeypatch.setattr(ClaimAdmin, "indexed_search_cap", 10**9)

    assert searched(term) == {claims[name].pk for name in expected}


@postgres_only
def test_a_rare_term_is_searched_as_the_keys_its_indexes_found(claims, monkeypatch):
    monkeypatch.setattr(ClaimAdmin, "indexed_search_cap", 5)
    found, statements = admin_search.searched_with_statements(Claim, "nord")
    *lookups, search = statements

    assert found == {claims["passage"].pk}
    # One lookup a searched field, each read up to the cap and one more, through the fields' own
    # expressions (the indexed ones); the passages' keys are read first, and their claims by them.
    assert len(lookups) == 4 and all(lookup.endswith("LIMIT 6") for lookup in lookups)
    assert 'UPPER("claims_claim"."statement"::text) LIKE UPPER(' in lookups[0]
    assert 'UPPER("sources_passage"."exact"::text) LIKE UPPER(' in lookups[1]
    assert admin_search.among('"claims_claim"."passage_id"', claims["passage"].passage_id) in lookups[2]
    assert 'UPPER("claims_actor"."name"::text) LIKE UPPER(' in lookups[3]
    # The list reads the keys found, not the tables again.
    assert admin_search.by_keys_alone(Claim, search, claims["passage"].pk)


@postgres_only
def test_passages_past_the_cap_are_read_through_a_subquery(claims, monkeypatch):
    """More passages hold the term than the cap, but only one has a claim: the claims are found
    through the passages' subquery, and the term is still searched as the keys found."""
    with_claim = factories.make_claim(
        passage=factories.make_passage(source=factories.make_source(text=TEXT), quote="the Danube"),
        statement="Talks.",
    )
    for _ in range(2):  # passages with no claim
        factories.make_passage(source=factories.make_source(text=TEXT), quote="the Danube")
    monkeypatch.setattr(ClaimAdmin, "indexed_search_cap", 2)
    found, statements = admin_search.searched_with_statements(Claim, "danube")

    assert found == {with_claim.pk} == searched("danube", djangos=True)
    assert '"claims_claim"."passage_id" IN (SELECT' in statements[2]
    assert admin_search.among('"claims_claim"."id"', with_claim.pk) in statements[-1]


@postgres_only
def test_a_term_found_in_many_rows_of_one_field_stops_at_that_field(claims, monkeypatch):
    """Past the cap in the statements, the passages and the claimants are not read for it."""
    for _ in range(3):
        factories.make_claim(statement="Deliveries resume in spring.")
    monkeypatch.setattr(ClaimAdmin, "indexed_search_cap", 2)
    found, statements = admin_search.searched_with_statements(Claim, "spring")

    assert found == searched("spring", djangos=True) and len(found) == 4
    assert len(statements) == 2 and statements[0].endswith("LIMIT 3")
    assert 'UPPER("sources_passage"."exact"::text) LIKE UPPER(' in statements[1]  # Django's condition


@postgres_only
def test_several_rare_terms_are_searched_as_the_keys_they_share(claims, monkeypatch):
    monkeypatch.setattr(ClaimAdmin, "indexed_search_cap", 5)
    found, statements = admin_search.searched_with_statements(Claim, "deliveries resume")

    both = sorted([claims["statement"].pk, claims["passage"].pk])
    assert found == set(both) == searched("deliveries resume", djangos=True)
    assert admin_search.among('"claims_claim"."id"', *both) in statements[-1]


@postgres_only
@pytest.mark.parametrize("term", ["spring", "nord stream", "gazprom hold", "zzqx"])
def test_a_term_past_the_cap_keeps_djangos_condition(claims, term, monkeypatch):
    monkeypatch.setattr(ClaimAdmin, "indexed_search_cap", -1)
    found, statements = admin_search.searched_with_statements(Claim, term)

    assert found == searched(term, djangos=True)
    assert 'UPPER("sources_passage"."exact"::text) LIKE UPPER(' in statements[-1]


@postgres_only
def test_the_statements_of_a_search_do_not_grow_with_the_claims(claims, monkeypatch):
    monkeypatch.setattr(ClaimAdmin, "indexed_search_cap", 10**9)

    before = admin_search.statement_count(Claim, "deliveries spring")
    for _ in range(5):
        factories.make_claim(statement="More deliveries in spring.")
    assert admin_search.statement_count(Claim, "deliveries spring") == before


@postgres_only
@pytest.mark.parametrize(
    ("model", "lookup", "index"),
    [
        (Claim, "statement__icontains", "claim_statement_upper_trgm_idx"),
        (Passage, "exact__icontains", "passage_exact_upper_trgm_idx"),
    ],
)
def test_djangos_search_expression_is_the_indexed_one(claims, model, lookup, index):
    """The index is on the expression Django's icontains writes, UPPER(column::text), so the
    planner can use it for the statement the ORM sends."""
    assert index in plan_without_seqscan(model, lookup)


def test_the_changelist_searches(claims):
    client = Client()
    client.force_login(factories.make_user(role=roles.EDITOR, is_staff=True))

    response = client.get("/admin/claims/claim/", {"q": "gazprom hold"})

    assert response.status_code == HTTPStatus.OK
    assert [claim.pk for claim in response.context["cl"].result_list] == [claims["claimant"].pk]
