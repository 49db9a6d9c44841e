"""For the tests of the changelists' indexed search (config.admin_search): a search as the
changelist makes it, by the model admin's own search or by Django's, and what it sent."""

import pytest
from django.contrib import admin
from django.contrib.admin import ModelAdmin
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from tests import factories

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the indexed search is PostgreSQL's; others keep Django's"
)


def searched(model, search_term: str, *, djangos: bool = False, user=None) -> set[int]:
    """The keys of the model's rows that its admin's search finds, or Django's own search."""
    opts = model._meta
    request = RequestFactory().get(f"/admin/{opts.app_label}/{opts.model_name}/", {"q": search_term})
    request.user = user or factories.make_user(is_superuser=True, is_staff=True)
    model_admin = admin.site._registry[model]
    search = ModelAdmin.get_search_results if djangos else type(model_admin).get_search_results
    queryset, _ = search(model_admin, request, model.objects.all(), search_term)
    return set(queryset.values_list("pk", flat=True))


def searched_with_statements(model, search_term: str) -> tuple[set[int], list[str]]:
    """The keys found and the statements sent: the search's own, then that of the keys."""
    user = factories.make_user(is_superuser=True, is_staff=True)
    with CaptureQueriesContext(connection) as captured:
        found = searched(model, search_term, user=user)
    return found, [query["sql"] for query in captured.captured_queries]


def among(column: str, *keys: int) -> str:
    """How a statement compares the column with these keys (config.admin_search.AnyOf): one array,
    whose element type psycopg picks by the keys' size."""
    return f"{column} = ANY('{{{','.join(map(str, sorted(keys)))}}}'::"


def by_keys_alone(model, statement: str, *keys: int) -> bool:
    """Whether the list's statement finds the model's rows by these keys, and matches no text."""
    return among(f'"{model._meta.db_table}"."id"', *keys) in statement and " LIKE " not in statement


def statement_count(model, search_term: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        searched(model, search_term)
    return len(captured.captured_queries)


def plan_without_seqscan(model, lookup: str) -> str:
    """The plan of the lookup's keys for "pipeline" when the planner may not read the table."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    return model.objects.filter(**{lookup: "pipeline"}).order_by().values("pk").explain()
