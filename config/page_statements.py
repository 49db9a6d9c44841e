"""Numbered pages answered from a statement compiled once for the page's shape.

A numbered page filtered only by a view's plan_stable_filters runs prepared (config.api), so
PostgreSQL plans it once per connection. The process still validated the filters with
django-filter, filtered and ordered the queryset, and compiled the page and its count, on
every request: about two thirds of the Python of a page of the top claimant's due forecasts
at a million claims (bench/findings.md).

Here each process keeps the compiled statement for the page's shape:
- the view, and what its rows depend on besides the query string (the view's `rows_key`:
  the caller's visibility, JSON or plain rows, the day);
- the page number and size;
- for each filter the request names, its part of the shape:
  - a filter with choices (a status, a review state) by its value, which chooses the SQL;
  - any other (a claimant's id, a topic's id or slug) by the kind of its value, "int",
    "digits" or "text". Its value is a parameter of the statement.

A request of a kept shape has its filters validated by the same form django-filter validates
them with. Its values are then put in the kept statement's parameters, and the statement runs.

The first request of a shape is answered as before. Its statement is then compiled a second
time, for stand-in values of the same kinds, and the stand-ins' places in the parameters are
where later requests' values go. The shape is kept only if putting this request's own values
in those places gives this request's own statement exactly: the same SQL and the same
parameters. Otherwise it is remembered as not kept, and its requests are answered as before.

The contract for a view's plan_stable_filters, beyond a stable plan: a filter's SQL depends on
its value only through the value's kind. A filter that branched on its value in some other way
would need choices.
"""

import threading
from typing import NamedTuple

from django_filters.constants import EMPTY_VALUES

from config.api import Pagination, numbered_plan_is_stable
from config.bounded import put_bounded
from config.filters import MAX_ID, clean_filters, is_id_text, narrowed_form_class

# Shapes kept by each process; the oldest kept is forgotten first. A shape costs a statement's
# text (~3 KB for a forecast page) and its parameters.
KEPT_SHAPES = 512

NOT_KEPT = object()  # a shape whose statement cannot be reused (see the module's docstring)


class Template(NamedTuple):
    """A kept statement: its SQL, its parameters, and the places of the filters' values."""

    sql: str
    params: tuple
    # (place in params, filter name, int or None): int where the filter's text becomes a number.
    slots: tuple[tuple[int, str, type | None], ...]

    def bind(self, values: dict) -> tuple[str, list]:
        params = list(self.params)
        for index, name, convert in self.slots:
            params[index] = convert(values[name]) if convert else values[name]
        return self.sql, params


class Shape(NamedTuple):
    key: tuple
    number: int
    page_size: int
    values: dict  # the cleaned values of the filters that are parameters, by name
    stand_ins: dict  # a stand-in value of the same kind for each, as a query string gives it


_kept: dict[tuple, Template | object] = {}
_kept_lock = threading.Lock()


def kept(key: tuple):
    """The kept statement for a shape, NOT_KEPT, or None when the shape has not been seen."""
    return _kept.get(key)


def keep(key: tuple, template) -> None:
    put_bounded(_kept, _kept_lock, key, template, KEPT_SHAPES)


def forget_all() -> None:
    with _kept_lock:
        _kept.clear()


def _kind(value) -> str | None:
    """The kind of a filter's cleaned value; None for values not put in a kept statement."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return "int"
    if isinstance(value, str):
        if not is_id_text(value):
            return "text"
        return "digits" if int(value) <= MAX_ID else None
    return None


def _stand_in(kind: str, index: int) -> str:
    """A value of the kind, as a query string gives it, that no request is expected to send."""
    if kind == "int":
        return str(MAX_ID - index)
    if kind == "digits":
        return str(MAX_ID - 64 - index)
    return f"stand-in-{index}-for-a-kept-page-statement"


def shape(view, request, rows, rows_key) -> Shape | None:
    """The shape of the numbered page the request asks of the view's rows; None for a page that
    is not answered from a kept statement (see numbered_plan_is_stable), or whose query string
    is not valid (the usual path then answers with its error)."""
    paginator = view.paginator
    if not isinstance(paginator, Pagination) or not numbered_plan_is_stable(request, view, rows):
        return None
    numbered = paginator.numbered_page(request)
    if numbered is None:
        return None
    number, page_size = numbered
    params = request.query_params
    filterset_class = view.filterset_class
    names = frozenset(params.keys() & filterset_class.base_filters.keys())
    parts, values, stand_ins = [], {}, {}
    if names:
        form_class = narrowed_form_class(filterset_class, names)
        cleaned = None if form_class is None else clean_filters(form_class, params)
        if cleaned is None:
            return None
        for name in sorted(names):
            value = cleaned[name]
            if value in EMPTY_VALUES:
                parts.append((name, "empty"))
            elif hasattr(form_class.base_fields[name], "choices"):
                parts.append((name, "choice", tuple(value) if isinstance(value, list) else value))
            else:
                kind = _kind(value)
                if kind is None:
                    return None
                parts.append((name, kind))
                values[name] = value
                stand_ins[name] = _stand_in(kind, len(stand_ins))
    key = (type(view), rows_key, number, page_size, tuple(parts))
    return Shape(key, number, page_size, values, stand_ins)


class _WithQuery:
    """The request, with another query string (the stand-ins')."""

    def __init__(self, request, query_params):
        self._wrapped = request
        self.query_params = query_params

    def __getattr__(self, name):
        return getattr(self._wrapped, name)


def template_for(view, rows, page: Shape, statement: tuple[str, list]) -> Template | object:
    """The statement of the page's shape with its values' places found (see the module's
    docstring); NOT_KEPT when the request's own statement cannot be rebuilt from it."""
    request = view.request
    query = request.query_params.copy()
    for name, raw in page.stand_ins.items():
        query[name] = raw
    stand_in_request = _WithQuery(request, query)
    stand_ins = {}
    if page.values:  # the stand-ins as the filters receive them, of the same kinds as the request's
        form_class = narrowed_form_class(view.filterset_class, frozenset(page.values))
        stand_ins = clean_filters(form_class, query)
        if stand_ins is None or any(_kind(stand_ins[n]) != _kind(page.values[n]) for n in page.values):
            return NOT_KEPT
    view.request = stand_in_request
    try:
        queryset = view.filter_queryset(rows)
    finally:
        view.request = request
    stand_in_statement = view.paginator.page_statement(queryset, page.number, page.page_size)
    if stand_in_statement is None:
        return NOT_KEPT
    sql, params = stand_in_statement
    slots, found = [], set()
    for index, param in enumerate(params):
        for name, value in stand_ins.items():
            convert = _converts(value, param)
            if convert is not False:
                slots.append((index, name, convert))
                found.add(name)
    template = Template(sql, tuple(params), tuple(slots))
    if found != set(stand_ins) or not _same(template.bind(page.values), statement):
        return NOT_KEPT
    return template


def _same(statement, other) -> bool:
    """The same SQL and parameters, each of the same type (1 == True == 1.0 in Python)."""
    (sql, params), (other_sql, other_params) = statement, other
    return (
        sql == other_sql
        and len(params) == len(other_params)
        and all(type(a) is type(b) and a == b for a, b in zip(params, other_params, strict=True))
    )


def _converts(stand_in, param):
    """How a parameter is made from the filter's value, if this parameter is the stand-in:
    None (the value itself), int (digits as a number), or False (it is not the stand-in)."""
    if type(param) is type(stand_in) and param == stand_in:
        return None
    if isinstance(stand_in, str) and type(param) is int and is_id_text(stand_in) and param == int(stand_in):
        return int
    return False


class PageStatementMixin:
    """A list whose numbered pages may be answered from a kept statement (this module)."""

    def filter_and_paginate(self, rows, rows_key):
        """paginate_queryset(filter_queryset(rows)), from the statement kept for the page's shape
        when there is one. `rows_key` names everything the rows depend on besides the query
        string (who may see what, JSON or not, the day), for the shape."""
        page = shape(self, self.request, rows, rows_key)
        template = kept(page.key) if page else None
        if isinstance(template, Template):
            result = self.paginator.paginate_statement(
                self.request, template.bind(page.values), page.number, page.page_size
            )
            if result is not None:
                return result
        result = self.paginate_queryset(self.filter_queryset(rows))
        statement = self.paginator.statement
        if page is not None and template is None and statement is not None:
            keep(page.key, template_for(self, rows, page, statement))
        return result
