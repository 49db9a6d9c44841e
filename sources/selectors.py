"""Reads of sources and passages, with eager loading and visibility done once."""

from django.db.models import Count, Prefetch, QuerySet

from claims.models import Actor
from claims.selectors import can_see_unpublished, published_claims_exist_for_passage
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
