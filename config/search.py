"""`?search=` for every list: PostgreSQL full-text search where the table has a stored vector,
trigram similarity for names, and a portable LIKE fallback with the same API elsewhere.

A view opts in with:
    search_fields      fields matched by the fallback (every word must occur in one of them)
    search_vector      True when the table has a stored `search_vector` column (PostgreSQL)
    search_trigram     a field compared by trigram similarity on PostgreSQL (e.g. an actor's name)
"""

import difflib
import operator
from functools import reduce

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db import connection
from django.db.models import Expression, FloatField, Q
from django.db.models.functions import Greatest
from rest_framework.filters import BaseFilterBackend

SEARCH_PARAM = "search"
MAX_SEARCH_LENGTH = 200
SEARCH_CONFIG = "english"


class StoredSearchVector(Expression):
    """The base table's generated `search_vector` column, which the model does not declare."""

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection):
        alias = compiler.query.get_initial_alias()
        return f"{compiler.quote_name(alias)}.{connection.ops.quote_name('search_vector')}", []


def search_terms(request) -> str:
    raw = request.query_params.get(SEARCH_PARAM, "")
    if "\x00" in raw:
        # PostgreSQL cannot hold NUL in a string; refuse it the same way on every database.
        from rest_framework.exceptions import ValidationError

        raise ValidationError({SEARCH_PARAM: ["Null characters are not allowed."]})
    return " ".join(raw.split())[:MAX_SEARCH_LENGTH]


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _ordered_by_client(request) -> bool:
    # Cursor pages are keyed on id or modified_at, so a rank would be computed and thrown away.
    params = request.query_params
    return (
        bool(params.get("ordering", "").strip()) or params.get("pagination") == "cursor" or "cursor" in params
    )


class SearchFilter(BaseFilterBackend):
    """Ranked full-text search on PostgreSQL, word-by-word LIKE on other databases.

    Runs after ordering: without an explicit ?ordering=, matches come best first.
    """

    def filter_queryset(self, request, queryset, view):
        terms = search_terms(request)
        if not terms:
            return queryset
        ranked = not _ordered_by_client(request)
        if _is_postgres() and getattr(view, "search_trigram", None):
            return self._trigram(queryset, view.search_trigram, terms, ranked)
        if _is_postgres() and getattr(view, "search_vector", False):
            return self._full_text(queryset, terms, ranked)
        return self._fallback(queryset, view, terms)

    @staticmethod
    def _full_text(queryset, terms: str, ranked: bool):
        query = SearchQuery(terms, search_type="websearch", config=SEARCH_CONFIG)
        queryset = queryset.alias(search_vector_=StoredSearchVector()).filter(search_vector_=query)
        if ranked:
            queryset = queryset.annotate(search_rank=SearchRank(StoredSearchVector(), query)).order_by(
                "-search_rank", *queryset.query.order_by
            )
        return queryset

    @staticmethod
    def _trigram(queryset, field: str, terms: str, ranked: bool):
        from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity

        matches = (
            Q(**{f"{field}__trigram_similar": terms})
            | Q(**{f"{field}__trigram_word_similar": terms})
            | Q(**{f"{field}__icontains": terms})
            | Q(aliases__icontains=terms)
        )
        queryset = queryset.filter(matches)
        if ranked:
            similarity = Greatest(
                TrigramSimilarity(field, terms),
                TrigramWordSimilarity(terms, field),
                output_field=FloatField(),
            )
            queryset = queryset.annotate(search_rank=similarity).order_by(
                "-search_rank", *queryset.query.order_by
            )
        return queryset

    @staticmethod
    def _fallback(queryset, view, terms: str):
        fields = getattr(view, "search_fields", None) or []
        if not fields:
            return queryset
        condition = reduce(
            operator.and_,
            (
                reduce(operator.or_, (Q(**{f"{f}__icontains": word}) for f in fields))
                for word in terms.split()
            ),
        )
        matched = queryset.filter(condition)
        trigram_field = getattr(view, "search_trigram", None)
        if trigram_field and not matched.exists():
            # Without pg_trgm, spelling tolerance comes from difflib over the (small) name column.
            names = dict(queryset.values_list(trigram_field, "pk"))
            close = difflib.get_close_matches(terms, list(names), n=20, cutoff=0.6)
            close += [
                name
                for name in names
                if difflib.SequenceMatcher(None, terms.lower(), name.lower()).ratio() >= 0.6
            ]
            return queryset.filter(pk__in=[names[name] for name in close])
        if any("__" in f for f in fields):
            matched = matched.distinct()
        return matched

    def get_schema_operation_parameters(self, view):
        if not getattr(view, "search_fields", None):
            return []
        return [
            {
                "name": SEARCH_PARAM,
                "required": False,
                "in": "query",
                "description": 'Words to search for (PostgreSQL: full-text with stemming, "quoted phrases", '
                "-excluded words; best matches first unless ?ordering= is given).",
                "schema": {"type": "string", "maxLength": MAX_SEARCH_LENGTH},
            }
        ]
