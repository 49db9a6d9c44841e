"""The passages' admin search on PostgreSQL: a term found through the trigram index of the
quotes and the sources' titles finds the same passages as Django's own search; a term found in
more passages than the cap keeps Django's condition. Other databases keep Django's search, which
these tests compare against."""

from functools import partial

import pytest

from sources.admin import PassageAdmin
from sources.models import Passage
from tests import admin_search, factories
from tests.admin_search import postgres_only

pytestmark = pytest.mark.django_db
searched = partial(admin_search.searched, Passage)

TEXT = "The Nord Stream pipeline would reopen. Analysts call a 50% cut_in supplies very unlikely."


@pytest.fixture
def passages(db):
    """Passages whose terms sit in the quote only or the source's title only."""
    pipeline_report = factories.make_source(text=TEXT, title="Gazprom annual report")
    briefing = factories.make_source(text=TEXT, title="A Gdańsk briefing")
    return {
        "quote": factories.make_passage(source=briefing, quote="Nord Stream pipeline"),
        "title": factories.make_passage(source=pipeline_report, quote="Analysts call"),
        "symbols": factories.make_passage(source=briefing, quote="a 50% cut_in supplies"),
    }


@postgres_only
@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("pipeline", {"quote"}),
        ("gazprom", {"title"}),
        ("gazprom analysts", {"title"}),  # the title and the quote, both needed
        ("gazprom pipeline", set()),  # in two different passages: none has both
        ("GDAŃSK", {"quote", "symbols"}),
        ("50%", {"symbols"}),
        ("cut_in", {"symbols"}),
        ("zzqx", set()),
    ],
)
def test_the_indexed_search_finds_what_djangos_finds(passages, term, expected, monkeypatch):
    monkeypatch.setattr(PassageAdmin, "indexed_search_cap", 10**9)

    assert searched(term) == {passages[name].pk for name in expected} == searched(term, djangos=True)


@postgres_only
def test_a_rare_term_is_searched_as_the_keys_its_indexes_found(passages, monkeypatch):
    monkeypatch.setattr(PassageAdmin, "indexed_search_cap", 5)
    found, statements = admin_search.searched_with_statements(Passage, "gazprom")
    *lookups, search = statements

    assert found == {passages["title"].pk}
    # The quotes through their index, the titles' keys, then their passages by key.
    assert len(lookups) == 3
    assert 'UPPER("sources_passage"."exact"::text) LIKE UPPER(' in lookups[0]
    assert 'UPPER("sources_source"."title"::text) LIKE UPPER(' in lookups[1]
    assert admin_search.among('"sources_passage"."source_id"', passages["title"].source_id) in lookups[2]
    assert admin_search.by_keys_alone(Passage, search, passages["title"].pk)


@postgres_only
@pytest.mark.parametrize("term", ["pipeline", "gazprom analysts", "gdańsk", "zzqx"])
def test_a_term_past_the_cap_keeps_djangos_condition(passages, term, monkeypatch):
    monkeypatch.setattr(PassageAdmin, "indexed_search_cap", -1)
    found, statements = admin_search.searched_with_statements(Passage, term)

    assert found == searched(term, djangos=True)
    assert 'UPPER("sources_source"."title"::text) LIKE UPPER(' in statements[-1]
