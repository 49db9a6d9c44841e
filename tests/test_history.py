"""History of many-to-many links: each record snapshots the links the row had at that moment,
and the record of a row's creation, which can have none yet, reads none."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from simple_history.models import HistoricalRecords as LibraryHistoricalRecords

from claims import services as claim_services
from config.history import HistoricalRecords
from sources import services as source_services
from tests import factories

pytestmark = pytest.mark.django_db

LINK_TABLES = ("claims_claim_topics", "claims_claim_subjects", "sources_source_authors")


def _links(record, field, name):
    return sorted(getattr(row, name).pk for row in getattr(record, field).all())


def _link_reads(create):
    with CaptureQueriesContext(connection) as queries:
        created = create()
    reads = [
        q["sql"] for q in queries if q["sql"].startswith("SELECT") and any(t in q["sql"] for t in LINK_TABLES)
    ]
    return created, len(reads)


def _as_the_library_does(monkeypatch):
    monkeypatch.setattr(
        HistoricalRecords,
        "create_historical_record_m2ms",
        LibraryHistoricalRecords.create_historical_record_m2ms,
    )


def test_creating_a_claim_without_links_reads_no_link_table(monkeypatch):
    passage, claimant = factories.make_passage(), factories.make_actor()

    def create():
        return claim_services.claim_create(passage=passage, statement="A claim.", claimant=claimant)

    claim, reads = _link_reads(create)
    assert reads == 0
    [record] = claim.history.all()
    assert record.history_type == "+"
    assert _links(record, "topics", "topic") == [] and _links(record, "subjects", "actor") == []
    _as_the_library_does(monkeypatch)
    assert _link_reads(create)[1] == 2  # what django-simple-history reads: subjects and topics


def test_each_later_record_of_a_claim_snapshots_its_links():
    passage = factories.make_passage()
    first, second = factories.make_topic("First"), factories.make_topic("Second")
    subject = factories.make_actor("Subject")
    claim = claim_services.claim_create(
        passage=passage, statement="A claim.", subjects=[subject], topics=[first]
    )
    created, *added = claim.history.order_by("history_id")
    assert created.history_type == "+" and _links(created, "topics", "topic") == []
    assert [record.history_type for record in added] == ["~", "~"]  # one per field linked
    assert _links(added[-1], "topics", "topic") == [first.pk]
    assert _links(added[-1], "subjects", "actor") == [subject.pk]

    claim_services.claim_update(claim=claim, topics=[second])
    latest = claim.history.order_by("history_id").last()
    assert _links(latest, "topics", "topic") == [second.pk]
    assert _links(latest, "subjects", "actor") == [subject.pk]


@pytest.mark.parametrize("with_author", [True, False])
def test_a_sources_creation_reads_its_links_only_for_the_record_of_adding_them(monkeypatch, with_author):
    authors = [factories.make_actor("Author")] if with_author else []

    def create():
        return source_services.source_create(title="A source", text="Some text.", authors=authors)

    source, reads = _link_reads(create)
    created, *added = source.history.order_by("history_id")
    assert created.history_type == "+" and _links(created, "authors", "actor") == []
    assert [_links(record, "authors", "actor") for record in added] == (
        [[authors[0].pk]] if with_author else []
    )
    _as_the_library_does(monkeypatch)
    assert _link_reads(create)[1] == reads + 1
