"""List filters: applied when the query string names one, skipped (same rows) when it names none."""

import django_filters
import pytest
from django import forms
from django.db.models import Exists, OuterRef
from django.http import QueryDict
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

import sources.filters  # noqa: F401 - registers the sources' FilterSets for the check below
from claims.api.views import ClaimViewSet
from claims.filters import ClaimFilter, ForecastFilter
from claims.models import Claim
from config.filters import FilterBackend, clean_filters, narrowed, narrowed_form_class
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_claims():
    first = factories.make_claim(published=True, kind=Claim.Kind.ASSERTION)
    second = factories.make_claim(published=True, kind=Claim.Kind.RECOMMENDATION)
    return first, second


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return sorted(row["id"] for row in response.json()["results"])


def test_a_named_filter_is_applied(anon_client, two_claims):
    first, second = two_claims
    assert ids(anon_client.get("/api/v1/claims/?kind=assertion")) == [first.pk]
    assert ids(anon_client.get("/api/v1/claims/?kind=recommendation")) == [second.pk]


def test_without_filters_and_with_unrelated_parameters_every_visible_row_is_listed(anon_client, two_claims):
    factories.make_claim()  # a draft: anonymous callers never see it, filters or not
    everything = sorted(claim.pk for claim in two_claims)
    assert ids(anon_client.get("/api/v1/claims/")) == everything
    assert ids(anon_client.get("/api/v1/claims/?page_size=10&ordering=id")) == everything


def test_a_bad_filter_value_is_still_a_400_that_names_the_filter(anon_client, two_claims):
    response = anon_client.get("/api/v1/claims/?kind=bogus")
    assert response.status_code == 400
    assert "kind" in response.json()["errors"]
    response = anon_client.get("/api/v1/forecasts/?claimant=abc")
    assert response.status_code == 400
    assert "claimant" in response.json()["errors"]


def test_the_backend_builds_no_filterset_when_no_filter_is_named():
    view = ClaimViewSet(action="list", format_kwarg=None)
    claims = Claim.objects.all()
    unnamed = Request(APIRequestFactory().get("/api/v1/claims/?page_size=5&ordering=id"))
    named = Request(APIRequestFactory().get("/api/v1/claims/?kind=assertion"))
    assert FilterBackend().filter_queryset(unnamed, claims, view) is claims
    assert FilterBackend().filter_queryset(named, claims, view) is not claims


def test_two_named_filters_are_both_applied(anon_client, editor):
    topic = factories.make_topic("Ukraine")
    with_topic = factories.make_claim(published=True, kind=Claim.Kind.ASSERTION, topics=[topic])
    factories.make_claim(published=True, kind=Claim.Kind.RECOMMENDATION, topics=[topic])
    factories.make_claim(published=True, kind=Claim.Kind.ASSERTION)
    assert ids(anon_client.get(f"/api/v1/claims/?kind=assertion&topic={topic.slug}")) == [with_topic.pk]
    assert ids(anon_client.get(f"/api/v1/claims/?topic={topic.pk}&kind=assertion")) == [with_topic.pk]


def test_a_topic_is_named_by_slug_or_id_on_claims_and_forecasts(anon_client):
    topic, other = factories.make_topic("Ukraine"), factories.make_topic("Baltic Sea")
    forecast = factories.make_forecast(published=True, claim_fields={"topics": [topic]})
    factories.make_forecast(published=True, claim_fields={"topics": [other]})
    for name in (topic.slug, topic.pk):
        assert ids(anon_client.get(f"/api/v1/claims/?topic={name}")) == [forecast.claim_id]
        assert ids(anon_client.get(f"/api/v1/forecasts/?topic={name}")) == [forecast.pk]
    # A slug no topic has, or one that reads like SQL, matches nothing: it is a bound value.
    for slug in ("no-such-topic", "x' OR '1'='1"):
        assert ids(anon_client.get("/api/v1/claims/", {"topic": slug})) == []
        assert ids(anon_client.get("/api/v1/forecasts/", {"topic": slug})) == []


def test_the_narrowed_filterset_holds_only_the_named_filters_and_is_built_once():
    both = narrowed(ClaimFilter, frozenset({"kind", "topic"}))
    assert set(both.base_filters) == {"kind", "topic"}
    assert narrowed(ClaimFilter, frozenset({"topic", "kind"})) is both
    assert issubclass(both, ClaimFilter) and both.__name__ == "ClaimFilter"
    assert set(ClaimFilter.base_filters) > {"kind", "topic", "review_state"}


def _api_filtersets():
    found, pending = [], [django_filters.FilterSet]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in {"claims", "sources"}:
            found.append(cls)
    return found


def test_every_api_filter_reads_only_its_own_parameter_and_has_no_default():
    """What FilterBackend relies on when it builds only the filters a request names."""
    filtersets = _api_filtersets()
    assert {cls.__name__ for cls in filtersets} >= {"ClaimFilter", "ForecastFilter", "SourceFilter"}
    for filterset_class in filtersets:
        for name, filter_ in filterset_class.base_filters.items():
            field = filter_.field
            where = f"{filterset_class.__name__}.{name}"
            assert not isinstance(field.widget, forms.MultiWidget), f"{where} reads suffixed parameters"
            assert not field.required, f"{where} is required"
            assert field.initial is None and "initial" not in filter_.extra, f"{where} has a default"


def test_the_narrowed_filterset_builds_its_form_class_once_and_a_form_per_request():
    narrow = narrowed(ClaimFilter, frozenset({"kind", "claimant"}))
    bad = narrow(data=QueryDict("kind=bogus&claimant=1"), queryset=Claim.objects.all())
    good = narrow(data=QueryDict("kind=assertion&claimant=1"), queryset=Claim.objects.all())
    assert type(bad.form) is type(good.form)
    assert type(good.form) is narrow(data={}, queryset=Claim.objects.all()).get_form_class()
    # Each request's form has its own fields and errors: one request's bad value is not another's.
    assert not bad.is_valid() and "kind" in bad.errors
    assert good.is_valid(), good.errors
    assert good.form.fields["kind"] is not bad.form.fields["kind"]
    # The unnarrowed FilterSet keeps django-filter's behaviour, a new class each time.
    full = ClaimFilter(data={}, queryset=Claim.objects.all())
    assert full.get_form_class() is not full.get_form_class()


def test_a_filter_whose_choices_depend_on_the_request_gets_a_new_form_class_each_time():
    class ByRequest(django_filters.FilterSet):
        claimant = django_filters.ModelChoiceFilter(queryset=lambda request: Claim.objects.none())

        class Meta:
            model = Claim
            fields = ["claimant"]

    narrow = narrowed(ByRequest, frozenset({"claimant"}))
    first = narrow(data={}, queryset=Claim.objects.all())
    assert first.get_form_class() is not first.get_form_class()


def test_the_topic_and_subject_tests_stay_right_inside_another_query():
    """ClaimLinked writes its EXISTS around the row's claim column, which Django relabels when
    the filtered queryset becomes a subquery (U0, U1...): the answers must not change."""
    from claims.models import Forecast
    from claims.selectors import filter_by_subject, filter_by_topic

    topic = factories.make_topic("Ukraine")
    about = factories.make_actor("Kremlin")
    tagged = factories.make_forecast(claim_fields={"topics": [topic], "subjects": [about]})
    factories.make_forecast()  # neither
    forecasts = Forecast.objects.all()
    for filtered in (
        filter_by_topic(forecasts, topic.slug, claim="claim_id"),
        filter_by_topic(forecasts, str(topic.pk), claim="claim_id"),
        filter_by_subject(forecasts, about.pk, claim="claim_id"),
    ):
        assert list(filtered.values_list("pk", flat=True)) == [tagged.pk]
        # As a subquery of claims (pk__in), and correlated to claims (Exists with OuterRef).
        inner = Claim.objects.filter(pk__in=filtered.values("claim_id"))
        assert list(inner.values_list("pk", flat=True)) == [tagged.claim_id]
        correlated = Claim.objects.filter(Exists(filtered.filter(claim_id=OuterRef("pk"))))
        assert list(correlated.values_list("pk", flat=True)) == [tagged.claim_id]
    # On claims themselves, nested in a second level.
    claims = filter_by_topic(Claim.objects.all(), topic.slug)
    nested = Forecast.objects.filter(claim__in=Claim.objects.filter(pk__in=claims.values("pk")))
    assert list(nested.values_list("pk", flat=True)) == [tagged.pk]


FORECAST_QUERIES = [
    "claimant=5&status=due",
    "claimant=05&status=open",
    "claimant= 7 &status=borne_out",
    "claimant=0",
    "claimant=abc",
    "claimant=99999999999999999999999",
    "claimant=&status=",
    "claimant=3&claimant=4",
    "status=maybe",
    "topic=ukraine&lexicon=ipcc",
    "topic=%20ukraine%20",
    "topic=%00",
    "probability_min=0.5&resolve_by_after=2026-01-01",
    "probability_min=NaN",
    "resolve_by_before=9999-99-99",
    "modified_since=2026-11-28T10:00:00Z",
]


@pytest.mark.parametrize(
    ("filterset", "query"),
    [
        *((ForecastFilter, query) for query in FORECAST_QUERIES),
        (ClaimFilter, "review_state=published&review_state=draft&topic=1"),
        (ClaimFilter, "review_state=published&review_state=bogus"),
        (ClaimFilter, "kind=forecast&kind=assertion&claimant=2&source=3"),
        (ClaimFilter, "subject=-1"),
    ],
)
def test_filters_cleaned_field_by_field_are_the_forms_values(filterset, query):
    """config.filters.clean_filters, which the kept page statements validate with, against
    the form django-filter validates with: the same values, and None where the form refuses."""
    data = QueryDict(query)
    names = frozenset(data.keys() & filterset.base_filters.keys())
    form_class = narrowed_form_class(filterset, names)
    form = form_class(data=data)
    expected = form.cleaned_data if form.is_valid() else None
    assert clean_filters(form_class, data) == expected
