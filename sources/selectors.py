"""Reads of sources and passages, with eager loading and visibility done once."""

import functools

import orjson
from django.db.models import Count, Prefetch, QuerySet

from claims.models import Actor
from claims.selectors import (
    can_see_unpublished,
    iso_utc_sql,
    published_claims_exist_for_passage,
    table_sql,
)
from config.db import fetch_prepared
from sources.models import Passage, Source


def source_list() -> QuerySet[Source]:
    """Sources without their text (lists never carry it), authors prefetched."""
    return (
        Source.objects.defer("text")
        .prefetch_related(Prefetch("authors", queryset=Actor.objects.only("id", "name", "kind")))
        .annotate(passage_count=Count("passages"))
    )


def source_detail() -> QuerySet[Source]:
    return Source.objects.prefetch_related(
        Prefetch("authors", queryset=Actor.objects.only("id", "name", "kind"))
    ).annotate(passage_count=Count("passages"))


def source_representation(pk) -> dict | None:
    """A source's detail representation, or None when there is no such source, from one
    statement: no ORM query to compile, no prefetch, no model instance holding the text.
    PostgreSQL only (json_rows_available()); elsewhere the view serializes source_detail().

    At a million claims this took the request from 4.8 ms to 1.5 ms in process (3.6 ms of
    Python to 0.9); preparing the statement (PostgreSQL plans it once per connection) took
    this function from 0.55 to 0.22 ms. tests/perf/test_fast_representations.py holds
    it equal to SourceDetailSerializer's generic representation.
    """
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    _, rows = fetch_prepared(_source_detail_sql(), [pk])
    if not rows:
        return None
    [row] = rows
    values = dict(zip(SOURCE_DETAIL_COLUMNS, row, strict=True))
    published_on = values["published_on"]
    return {
        **values,
        "authors": orjson.loads(values["authors"]),
        "published_on": None if published_on is None else published_on.isoformat(),
        "provenance": orjson.loads(values["provenance"]),
    }


# A source's fields as the API shows them, in the representation's order: the list's, and
# the detail's (the list's and the text with its notes); the serializers use them too.
SOURCE_LIST_COLUMNS = (
    "id", "title", "kind", "publisher", "authors", "published_on", "published_precision", "url",
    "language", "revision", "text_sha256", "passage_count", "created_at", "modified_at",
)  # fmt: skip
SOURCE_DETAIL_COLUMNS = (*SOURCE_LIST_COLUMNS, "text", "provenance", "notes")


@functools.cache
def _source_detail_sql() -> str:
    return f"""SELECT s.id, s.title, s.kind, s.publisher,
        coalesce((
            SELECT json_agg(json_build_object('id', a.id, 'name', a.name, 'kind', a.kind)
                            ORDER BY a.name, a.id)
            FROM {table_sql(Source.authors.through)} sa JOIN {table_sql(Actor)} a ON a.id = sa.actor_id
            WHERE sa.source_id = s.id), '[]')::text,
        s.published_on, s.published_precision, s.url, s.language, s.revision, s.text_sha256,
        (SELECT count(*) FROM {table_sql(Passage)} p WHERE p.source_id = s.id),
        {iso_utc_sql("s.created_at")}, {iso_utc_sql("s.modified_at")},
        s.text, s.provenance::text, s.notes
    FROM {table_sql(Source)} s WHERE s.id = %s"""


def passage_list(*, user) -> QuerySet[Passage]:
    passages = Passage.objects.select_related("source").defer("source__text")
    if not can_see_unpublished(user):
        passages = passages.filter(published_claims_exist_for_passage())
    return passages


def passages_for_annotation(*, source: Source, ids=None) -> list[Passage]:
    """A source's passages (or those with the given ids) with claims and forecasts, in two queries."""
    from claims.models import Claim

    claims = Claim.objects.select_related("claimant", "forecast").order_by("id")
    passages = Passage.objects.filter(source=source)
    if ids is not None:
        passages = passages.filter(pk__in=ids)
    return list(passages.prefetch_related(Prefetch("claims", queryset=claims)).order_by("start", "end", "id"))
