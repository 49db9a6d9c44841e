"""The admin's autocomplete (select2): the box that finds a row by typing, for the due queue's
filters and the source filter of the lists, and the requests it makes, which ask a model admin
for choices through its queryset and its search. These let an admin tell those requests from
its own pages and refuse what its changelist's search form would refuse. And the changelists'
search at a million rows, through the indexes of the fields it searches."""

import json

from django.contrib.admin.utils import lookup_spawns_duplicates
from django.contrib.admin.views.main import SEARCH_VAR
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import gettext as _

from config.filters import MAX_ID, is_id_text


def autocomplete_asks_for(request, model=None, field_name: str | None = None) -> bool:
    """Whether this is the admin's autocomplete asking for choices, for model.field_name when
    they are given (the field the choices are for, not the model they are of)."""
    match = request.resolver_match
    if match is None or match.url_name != "autocomplete":
        return False
    if model is None:
        return True
    return (
        request.GET.get("app_label") == model._meta.app_label
        and request.GET.get("model_name") == model._meta.model_name
        and request.GET.get("field_name") == field_name
    )


class AutocompleteTargetMixin:
    """For a model admin whose rows other forms choose through the autocomplete: a term with a
    NUL character matches nothing. No stored text holds one (the services refuse them), and
    PostgreSQL refuses the character in a statement, which made the autocomplete answer 500;
    the changelist's search form drops such a term before it gets here."""

    def get_search_results(self, request, queryset, search_term):
        if "\x00" in search_term:
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)


class IdAutocompleteSelect(AutocompleteSelect):
    """The admin's autocomplete, showing a chosen value only when it is written as an id that
    can exist. Django's widget looks the value up as given, so "1.5", "²" or an id past the
    largest answered 500 where the form's own error should show."""

    def __init__(self, field, admin_site, *, placeholder: str = "", **kwargs):
        super().__init__(field, admin_site, **kwargs)
        self.placeholder = placeholder

    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = super().build_attrs(base_attrs, extra_attrs)
        attrs["data-placeholder"] = self.placeholder  # Django's widget always sets it empty
        return attrs

    def optgroups(self, name, value, attr=None):
        ids = [v for v in value if is_id_text(v) and int(v) <= MAX_ID]
        return super().optgroups(name, ids, attr)


def search_terms(search_term: str) -> list[str]:
    """The terms of an admin search as Django's changelist reads them: words, or "quoted phrases"."""
    terms = []
    for bit in smart_split(search_term):
        if bit.startswith(('"', "'")) and bit[0] == bit[-1]:
            bit = unescape_string_literal(bit)
        terms.append(bit)
    return terms


def estimated_share(queryset) -> float:
    """The share of its table's rows that PostgreSQL's planner expects the queryset to find, from
    its statistics: two EXPLAINs, no row read."""

    def rows(qs) -> float:
        return json.loads(qs.order_by().values("pk").explain(format="json"))[0]["Plan"]["Plan Rows"]

    return rows(queryset) / max(rows(queryset.model._base_manager.all()), 1.0)


class IndexedSearchMixin:
    """A changelist's search, on PostgreSQL, as the union of the rows each searched field's index
    finds, with the same rows as Django's search.

    Django matches every term with `UPPER(field) LIKE UPPER('%term%')` over the search fields,
    ORed across the tables they are joined from, which no index can serve: it reads every row of
    each table. Each field here has a trigram index on that same expression (pg_trgm), and each
    term's rows are the union of the rows found through each index, so a term that is rare among
    a million rows is found among those few. A term that many rows hold is cheaper to find by
    reading the tables, as Django does, since the page then joins and sorts every match (at a
    million claims, 16,317 matches took ~1 s through the union against ~3 s for Django's, and
    158,414 took ~8 s against ~3 s): when the planner's statistics expect more than
    `indexed_search_max_share` of a table to match it, the term keeps Django's condition.
    Other databases keep Django's search."""

    indexed_search_max_share = 0.02

    def indexed_search(self, term: str) -> tuple[list, list]:
        """For one term: the querysets of the indexed lookups whose expected share decides the
        way, and the querysets of this model's keys whose union is the rows matching the term."""
        raise NotImplementedError

    def get_search_results(self, request, queryset, search_term):
        if connection.vendor != "postgresql":
            return super().get_search_results(request, queryset, search_term)
        search_fields = self.get_search_fields(request)
        may_have_duplicates = False
        for term in search_terms(search_term):
            lookups, keys = self.indexed_search(term)
            if any(estimated_share(lookup) > self.indexed_search_max_share for lookup in lookups):
                # Django's condition for the term (search fields here are plain paths: no ^, = or @).
                fields = [(f"{field}__icontains", term) for field in search_fields]
                queryset = queryset.filter(Q.create(fields, connector=Q.OR))
                may_have_duplicates |= any(lookup_spawns_duplicates(self.opts, f) for f in search_fields)
            else:
                first, *rest = (keys_of.order_by().values("pk") for keys_of in keys)
                queryset = queryset.filter(pk__in=first.union(*rest))
        return queryset, may_have_duplicates


# A searched changelist counts its matches up to this many: 100 pages of 100.
SEARCH_COUNT_CAP = 10_000


class CappedCountPaginator(Paginator):
    """Counts the rows up to `cap`, and says whether there were more (`capped`).

    A page of a search is read in a few milliseconds from an index in the list's order, but
    Django's paginator counts every match first: at a million claims, counting the 158,414
    that hold "Russia" across the three searched tables took 1.5 s and the page's rows 3 ms;
    counting up to 10,001 took 0.11 s. Past the cap the list has `cap` rows in whole pages.
    """

    cap = SEARCH_COUNT_CAP
    capped = False

    @cached_property
    def count(self):
        counted = self.object_list.order_by().values("pk")[: self.cap + 1].count()
        self.capped = counted > self.cap
        return min(counted, self.cap)


class CappedSearchCountMixin:
    """For a model admin over a table of millions: a search counts its matches up to
    SEARCH_COUNT_CAP, and the list says "more than" that many (the admin's templates
    pagination.html, search_form.html and actions.html read `cl.paginator.capped`). A list that
    is not searched counts as Django's does; an index answers those counts."""

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        if request.GET.get(SEARCH_VAR, "").strip():
            return CappedCountPaginator(queryset, per_page, orphans, allow_empty_first_page)
        return super().get_paginator(request, queryset, per_page, orphans, allow_empty_first_page)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None) or {}
        changelist = context.get("cl")
        if changelist is not None and getattr(changelist.paginator, "capped", False):
            # Selecting across the pages selects every match, past the counted ones too.
            context["selection_note_all"] = _("All of more than %(count)s selected") % {
                "count": changelist.result_count
            }
        return response
