"""Filter building blocks shared by the apps' FilterSets."""

import functools

import django_filters
from django import forms
from django_filters import utils
from django_filters.filters import QuerySetRequestMixin
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.filters import OrderingFilter as DRFOrderingFilter

MAX_ID = 2**63 - 1


def is_id_text(value) -> bool:
    """Whether a value from an address or a query string is written as an id: ASCII digits only.
    str.isdigit() also accepts "²", which int() refuses (a 500), and other scripts' digits."""
    value = str(value)
    return value.isascii() and value.isdigit()


class IdField(forms.IntegerField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class IdFilter(django_filters.NumberFilter):
    """A row id: a whole number a database id column can hold, else a 400 that says so."""

    field_class = IdField


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, building only the filters the request names.

    A FilterSet deep-copies every declared filter and builds and validates a form field for
    each on every request, though a request names one or two: building only those took
    1-2.5 ms of Python off a filtered claim or forecast page at a million claims. Here the
    FilterSet is a subclass holding just the named filters (cached per combination), and a
    request that names none skips it.

    This is the same answer as long as no filter has a default, is required, or reads a query
    parameter other than its own name (a range filter's `_min`/`_max`, say);
    tests/api/test_filter_backend.py checks every FilterSet of the API for that.
    """

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return queryset
        named = frozenset(request.query_params.keys() & filterset_class.base_filters.keys())
        if not named:
            return queryset
        filterset = narrowed(filterset_class, named)(**self.get_filterset_kwargs(request, queryset, view))
        if not filterset.is_valid() and self.raise_exception:
            raise utils.translate_validation(filterset.errors)
        return filterset.qs


class _FormClassOnce:
    """Builds the FilterSet's form class once per class instead of once per request.

    django-filter makes a new Form class on every request (a metaclass run, and a form field
    built for each filter), though it depends only on the declared filters: 62 µs of the
    383 µs a forecast page's two filters took. Each form made from the class still deep-copies
    its fields, so no request sees another's. A field that depends on the request (a
    ModelChoiceFilter given a callable queryset) would be frozen by this, so narrowed()
    refuses those.
    """

    _form_class = None

    def get_form_class(self):
        cls = type(self)
        if cls.__dict__.get("_form_class") is None:
            cls._form_class = super().get_form_class()
        return cls._form_class


def _reads_the_request(filter_) -> bool:
    return isinstance(filter_, QuerySetRequestMixin) and callable(filter_.queryset)


@functools.lru_cache(maxsize=1024)
def narrowed(filterset_class, names: frozenset):
    """The FilterSet class with only the named filters (a subclass, so Meta and methods stay)."""
    filters = {name: filter_ for name, filter_ in filterset_class.base_filters.items() if name in names}
    bases = (filterset_class,)
    if not any(_reads_the_request(filter_) for filter_ in filters.values()):
        bases = (_FormClassOnce, filterset_class)
    subclass = type(filterset_class.__name__, bases, {"__module__": filterset_class.__module__})
    subclass.base_filters = filters
    return subclass


@functools.lru_cache(maxsize=1024)
def narrowed_form_class(filterset_class, names: frozenset):
    """The form that validates the named filters, the class FilterBackend's FilterSet uses;
    None when a filter's field depends on the request, and is built for each."""
    subclass = narrowed(filterset_class, names)
    if not issubclass(subclass, _FormClassOnce):
        return None
    return subclass().get_form_class()


def clean_filters(form_class, data) -> dict | None:
    """The values the form (narrowed_form_class) would clean from the query string, each field
    cleaning its own value as the form does; None when one is not valid, or when the form
    cleans more than field by field. Without the form: a form deep-copies its fields (a
    choice field with its choices) for each instance, 0.2 ms of a forecast page's 1.3 ms of
    Python. Fields are not changed by cleaning, so the class's own are shared."""
    if not _cleans_field_by_field(form_class):
        return None
    cleaned = {}
    for name, field in form_class.base_fields.items():
        try:
            cleaned[name] = field.clean(field.widget.value_from_datadict(data, {}, name))
        except forms.ValidationError:
            return None
    return cleaned


@functools.cache
def _cleans_field_by_field(form_class) -> bool:
    """No form-wide clean() or clean_<field>() of its own, no disabled or file fields."""
    return (
        form_class.clean is forms.Form.clean
        and form_class._post_clean is forms.Form._post_clean
        and not any(hasattr(form_class, f"clean_{name}") for name in form_class.base_fields)
        and not any(
            field.disabled or isinstance(field, forms.FileField) for field in form_class.base_fields.values()
        )
    )


class OrderingFilter(DRFOrderingFilter):
    """DRF's ?ordering=, with the primary key as its last key when the client's ordering does
    not name it, in the direction of the ordering's first key (so that -resolve_by is
    resolve_by reversed). Without it rows that tie (two forecasts due the same day) came in any
    order PostgreSQL found them, a different one on each page's statement, so numbered pages
    repeated some rows and skipped others. The views' default orderings end with the id already.
    """

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        if not ordering:
            return ordering
        pk_names = {"pk", queryset.model._meta.pk.name}
        if any(term.lstrip("-") in pk_names for term in ordering if isinstance(term, str)):
            return ordering
        first = ordering[0]
        descending = isinstance(first, str) and first.startswith("-")
        return [*ordering, "-pk" if descending else "pk"]
