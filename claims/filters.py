"""Filters for the claims API (django-filter)."""

import django_filters
from django.utils import timezone

from claims.models import Actor, Claim, Forecast, Topic, Verification
from claims.selectors import filter_by_subject, filter_by_topic, forecast_filter_status
from config.filters import IdFilter


class ActorFilter(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=Actor.Kind.choices)
    country = django_filters.CharFilter(lookup_expr="iexact")
    name = django_filters.CharFilter(lookup_expr="icontains")
    modified_since = django_filters.IsoDateTimeFilter(field_name="modified_at", lookup_expr="gte")

    class Meta:
        model = Actor
        fields = ["kind", "country", "name", "wikidata_id"]


class TopicFilter(django_filters.FilterSet):
    modified_since = django_filters.IsoDateTimeFilter(field_name="modified_at", lookup_expr="gte")

    class Meta:
        model = Topic
        fields = ["parent", "slug"]


class ClaimFilter(django_filters.FilterSet):
    # distinct=False: a filter on the row's own column cannot repeat rows, and DISTINCT costs a sort.
    kind = django_filters.MultipleChoiceFilter(choices=Claim.Kind.choices, distinct=False)
    review_state = django_filters.MultipleChoiceFilter(choices=Claim.ReviewState.choices, distinct=False)
    claimant = IdFilter(field_name="claimant_id")
    subject = IdFilter(method="filter_subject", help_text="Actor id of a subject.")
    topic = django_filters.CharFilter(method="filter_topic", help_text="Topic id or slug.")
    source = IdFilter(field_name="passage__source_id")
    passage = IdFilter(field_name="passage_id")
    modified_since = django_filters.IsoDateTimeFilter(field_name="modified_at", lookup_expr="gte")

    class Meta:
        model = Claim
        fields = ["kind", "review_state", "claimant", "subject", "topic", "source", "passage"]

    def filter_topic(self, queryset, name, value):
        return filter_by_topic(queryset, value)

    def filter_subject(self, queryset, name, value):
        return filter_by_subject(queryset, int(value))


class ForecastFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=Forecast.Status.choices,
        method="filter_status",
        help_text="open, due (resolve_by passed, no verdict) or a verdict.",
    )
    claimant = IdFilter(field_name="claimant_id")  # the forecast's copy of its claim's claimant
    subject = IdFilter(method="filter_subject", help_text="Actor id of a subject.")
    topic = django_filters.CharFilter(method="filter_topic", help_text="Topic id or slug.")
    source = IdFilter(field_name="claim__passage__source_id")
    resolve_by_after = django_filters.DateFilter(field_name="resolve_by", lookup_expr="gte")
    resolve_by_before = django_filters.DateFilter(field_name="resolve_by", lookup_expr="lte")
    probability_min = django_filters.NumberFilter(field_name="probability", lookup_expr="gte")
    probability_max = django_filters.NumberFilter(field_name="probability", lookup_expr="lte")
    lexicon = django_filters.ChoiceFilter(choices=Forecast.Lexicon.choices)
    modified_since = django_filters.IsoDateTimeFilter(field_name="modified_at", lookup_expr="gte")

    class Meta:
        model = Forecast
        fields = ["status", "claimant", "subject", "topic", "source", "lexicon"]

    def filter_status(self, queryset, name, value):
        return forecast_filter_status(queryset, value, timezone.localdate())

    def filter_topic(self, queryset, name, value):
        return filter_by_topic(queryset, value, claim="claim_id")

    def filter_subject(self, queryset, name, value):
        return filter_by_subject(queryset, int(value), claim="claim_id")


class VerificationFilter(django_filters.FilterSet):
    verdict = django_filters.MultipleChoiceFilter(choices=Verification.Verdict.choices)
    # Verifications are append-only, so "modified since" is "recorded since".
    modified_since = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", help_text="Verdicts recorded at or after this time."
    )

    class Meta:
        model = Verification
        fields = ["verdict"]
