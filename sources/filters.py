"""Filters for the sources API (django-filter)."""

import django_filters

from config.filters import IdFilter
from sources.models import Passage, Source


class SourceFilter(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=Source.Kind.choices)
    publisher = django_filters.CharFilter(lookup_expr="iexact")
    author = IdFilter(field_name="authors__id", distinct=True)
    published_after = django_filters.DateFilter(field_name="published_on", lookup_expr="gte")
    published_before = django_filters.DateFilter(field_name="published_on", lookup_expr="lte")
    modified_since = django_filters.IsoDateTimeFilter(field_name="modified_at", lookup_expr="gte")

    class Meta:
        model = Source
        fields = ["kind", "publisher", "language", "author"]


class PassageFilter(django_filters.FilterSet):
    anchor_status = django_filters.MultipleChoiceFilter(choices=Passage.AnchorStatus.choices)
    modified_since = django_filters.IsoDateTimeFilter(field_name="modified_at", lookup_expr="gte")

    class Meta:
        model = Passage
        fields = ["source", "anchor_status", "revision"]
