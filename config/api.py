"""API plumbing shared by both apps: pagination, renderers, throttles, the error format and its schema."""

import base64
import binascii
import datetime as dt
import json
import logging
import math
import threading
import time

import orjson
from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import InvalidPage
from django.core.paginator import Paginator as DjangoPaginator
from django.db import DataError, IntegrityError, OperationalError, connections
from django.db.models import BooleanField, ProtectedError, Q
from django.db.models.expressions import RawSQL
from django.db.models.query import ModelIterable, ValuesIterable
from django.http import Http404
from django.utils.functional import SimpleLazyObject, cached_property, empty
from drf_orjson_renderer.renderers import ORJSONRenderer as _ORJSONRenderer
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rest_framework import authentication, exceptions, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.pagination import BasePagination, PageNumberPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework_csv.renderers import PaginatedCSVRenderer as _PaginatedCSVRenderer

from config.db import fetch_prepared
from config.filters import is_id_text
from config.kept_json import KeptJSON

logger = logging.getLogger(__name__)

MAX_PAGE_SIZE = 200
QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE for a statement stopped by statement_timeout
# Page-number pagination counts at most this many rows (20 pages of 50); past it, clients page
# with the cursor. At a million claims, counting 10,000 filtered rows took ~1 s, thirty times
# the page itself (see BENCHMARKS.md).
COUNT_CAP = 1_000


# Pagination ----------------------------------------------------------------------------------


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The row has changed since you read it."
    default_code = "precondition_failed"


class _CappedCountPaginator(DjangoPaginator):
    """Counts up to COUNT_CAP rows: a LIMITed count costs about a page, an exact one a table scan.

    The count rides in the page's own statement, as a scalar subquery PostgreSQL and SQLite
    evaluate once: one statement a page instead of two, and no second pass through the ORM's
    count (which clones the query and wraps it in another). Pages past the counted rows, and
    querysets that group or return tuples, count first as Django's paginator does.
    """

    COUNT_COLUMN = "_capped_count"

    def __init__(self, *args, prepared: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.prepared = prepared  # run the page's statement prepared (see numbered_plan_is_stable)
        self.statement = None  # the prepared statement a page ran: (sql, params)

    def _capped(self):
        # Without the ordering and annotations (a search rank, say), which a count does not need
        # but which PostgreSQL would otherwise compute and sort for every counted row.
        return self.object_list.order_by().values("pk")[: COUNT_CAP + 1]

    @cached_property
    def count(self):
        return self._capped().count()

    def page(self, number):
        if "count" in self.__dict__ or not self._counts_with_page():
            return super().page(number)
        number = self._validate_number(number, math.inf)  # a whole number from 1; the count comes later
        page = self._counted_page(number)
        if page is None:
            return super().page(number)
        if self.prepared:
            self.statement = _compiled(page)
            rows = fetch_dicts(self.statement) if self.statement else []
        else:
            rows = list(page)
        page = self.page_of(rows, number)
        return super().page(number) if page is None else page

    def page_statement(self, number: int) -> tuple[str, list] | None:
        """The statement page(number) would run prepared, compiled but not run; None where
        page() would not run one (config.page_statements)."""
        if not self._counts_with_page():
            return None
        page = self._counted_page(number)
        return None if page is None else _compiled(page)

    def page_of(self, rows: list, number: int):
        """The page of the rows the page's statement returned, each with the capped count; None
        for no rows past the first page, where the count must come first, as Django's does."""
        if not rows:  # an empty first page means nothing matched
            if number > 1:
                return None
            self.count = 0
        else:
            self.count = self._take_count(rows)
        bottom = (number - 1) * self.per_page
        number = self.validate_number(number)
        # As Django's paginator cuts a page at the count, here the capped one.
        rows = rows[: max(0, self.count - bottom)]
        return self._get_page(rows, number, self)

    def _counted_page(self, number: int):
        """The page's queryset with the capped count in a column; None past the rows a count
        covers (the count alone says there is no such page) or for a condition no row can meet
        (the ORM's own count answers 0)."""
        bottom = (number - 1) * self.per_page
        if bottom > COUNT_CAP:
            return None
        try:
            sql, params = self._capped().query.get_compiler(self.object_list.db).as_sql()
        except EmptyResultSet:
            return None
        counted = self.object_list.annotate(
            **{self.COUNT_COLUMN: RawSQL(f"SELECT COUNT(*) FROM ({sql}) capped", params)}
        )
        return self._page_rows(counted, bottom)

    def _page_rows(self, counted, bottom: int):
        """The page's rows. Past the first page, its keys are found first and only its rows are
        read: PostgreSQL computes a row's select list (a list row's JSON with its subqueries)
        before OFFSET discards it, so page 20 of claims by topic computed 1,000 rows' JSON to
        answer 50. At a million claims that page took 112 ms (page 1: 19 ms), now 63 ms, most
        of it finding the 1,000 keys; a claimant's due forecasts, page 5: 21 ms, now 12. The
        keys come in the page's own statement, as a subquery; compiling it costs the process
        ~0.5 ms (1.5 million instructions), against the JSON of 50 skipped rows on page 2."""
        if not bottom:
            return counted[: self.per_page]
        keys = self.object_list.values("pk")[bottom : bottom + self.per_page]
        sql, params = keys.query.get_compiler(self.object_list.db).as_sql()
        connection = connections[self.object_list.db]
        if connection.vendor == "postgresql":
            # The keys as an array, found once. As `id IN (keys)` the generic plan of a prepared
            # page ran the keys' subquery again for each row it tried: the top claimant's due
            # forecasts, page 5, took 18.8 ms of execution planned once, 4.6 ms planned for
            # its values (EXPLAIN ANALYZE, 2026-11-28).
            meta, quote = self.object_list.model._meta, connection.ops.quote_name
            in_page = f"{quote(meta.db_table)}.{quote(meta.pk.column)} = ANY(ARRAY({sql}))"
            return counted.filter(RawSQL(in_page, params, output_field=BooleanField()))[: self.per_page]
        return counted.filter(pk__in=RawSQL(sql, params))[: self.per_page]

    def _counts_with_page(self) -> bool:
        query = getattr(self.object_list, "query", None)
        return (
            query is not None
            and self.object_list._iterable_class in (ModelIterable, ValuesIterable)
            and not query.is_sliced
            and query.group_by is None
            and not query.distinct
            and not query.combinator
            and not any(getattr(a, "contains_aggregate", False) for a in query.annotations.values())
        )

    def _take_count(self, rows) -> int:
        count = None
        for row in rows:
            if isinstance(row, dict):
                count = row.pop(self.COUNT_COLUMN)
            else:
                count = row.__dict__.pop(self.COUNT_COLUMN)
        return count


class PageNumberCappedPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    invalid_page_message = (
        "There is no page {page_number} in this result ({message}). Page numbers cover the first "
        f"{COUNT_CAP:,} rows; page through more with ?pagination=cursor."
    )
    prepared = False

    def paginate_queryset(self, queryset, request, view=None):
        self.prepared = numbered_plan_is_stable(request, view, queryset)
        return super().paginate_queryset(queryset, request, view)

    def django_paginator_class(self, object_list, per_page):
        """DRF makes the paginator through this; it is told whether to prepare the page."""
        return _CappedCountPaginator(object_list, per_page, prepared=self.prepared)

    def paginate_statement(self, request, statement: tuple[str, list], number: int, page_size: int):
        """The page a statement compiled before for this page's shape returns (config.page_statements):
        what paginate_queryset answers, or None where the page needs the queryset (no rows past
        page 1, a page past the count), which paginate_queryset then answers or refuses."""
        paginator = _CappedCountPaginator(None, page_size, prepared=True)
        try:
            page = paginator.page_of(fetch_dicts(statement), number)
        except InvalidPage:
            return None
        if page is None:
            return None
        self.request, self.page = request, page
        return list(page)

    @property
    def statement(self) -> tuple[str, list] | None:
        """The prepared statement the page ran, if it ran one."""
        page = getattr(self, "page", None)
        return getattr(getattr(page, "paginator", None), "statement", None)

    def get_paginated_response(self, data):
        count = self.page.paginator.count
        return Response(
            {
                "count": min(count, COUNT_CAP),
                "count_exact": count <= COUNT_CAP,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )


# Keyset orderings the cursor accepts: each ends with the primary key, so the order is total.
CURSOR_ORDERINGS = {
    "id": ("id",),
    "-id": ("-id",),
    "modified_at": ("modified_at", "id"),
    "-modified_at": ("-modified_at", "-id"),
}


# Query parameters that choose a keyset page of a list without filtering it.
PAGING_PARAMS = frozenset({"pagination", "cursor", "page_size", "ordering", "format"})


def _plan_is_stable(request, page) -> bool:
    """Whether the page's best plan is the same wherever the cursor points: an unfiltered list
    (the query string names nothing but paging) read as dicts, on PostgreSQL. Such a page may
    be prepared; a filtered one is planned for its values (see config.db.fetch_prepared).

    Dicts only: the prepared rows skip the ORM's per-field converters, which PostgreSQL's
    values() rows do not need (psycopg already loads aware datetimes)."""
    return _preparable(request, page, PAGING_PARAMS)


def _preparable(request, queryset, allowed_params) -> bool:
    """A values() queryset on PostgreSQL, for a query string that names only allowed_params."""
    return (
        connections[queryset.db].vendor == "postgresql"
        and queryset._iterable_class is ValuesIterable
        and request.query_params.keys() <= allowed_params
    )


# Query parameters that choose a numbered page without filtering or ordering it.
NUMBERED_PAGING_PARAMS = frozenset({"page", "page_size", "pagination", "format"})


def numbered_plan_is_stable(request, view, queryset) -> bool:
    """Whether a numbered page's best plan is the same for every value of the filters the
    request names: each is one of the view's `plan_stable_filters`, and the page is in the
    view's default ordering (no ?ordering=, no search), read as dicts, on PostgreSQL.

    A view names a filter there only when PostgreSQL's generic plan for it was as fast as the
    plan made for each value, for rare and common values alike (EXPLAIN ANALYZE of both, at a
    million claims). Filters not checked that way are planned per request.
    """
    stable = getattr(view, "plan_stable_filters", frozenset())
    return bool(stable) and _preparable(request, queryset, NUMBERED_PAGING_PARAMS | stable)


def _prepared_rows(page) -> list[dict]:
    """The rows of a values() queryset, from a prepared statement: the deep keyset page of the
    unfiltered claim list went from 1.9 to 1.3 ms at a million claims, its planning (~0.5 ms)
    done once per connection instead of once per request."""
    statement = _compiled(page)
    return fetch_dicts(statement) if statement else []


def _compiled(queryset) -> tuple[str, list] | None:
    """The queryset's statement, or None for a condition no row can meet (e.g. a cursor past
    the largest id)."""
    try:
        sql, params = queryset.query.get_compiler(queryset.db).as_sql()
    except EmptyResultSet:
        return None
    return sql, list(params)


def fetch_dicts(statement: tuple[str, list]) -> list[dict]:
    """The rows of a prepared statement (config.db.fetch_prepared) as dicts by column name."""
    names, rows = fetch_prepared(*statement)
    return [dict(zip(names, row, strict=True)) for row in rows]


def _cursor_error(message: str) -> exceptions.ValidationError:
    return exceptions.ValidationError({"cursor": [message]})


class KeysetPagination:
    """Keyset (cursor) pagination: WHERE (key) > (last key) ORDER BY key LIMIT n — no OFFSET, no COUNT."""

    cursor_query_param = "cursor"

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page_size = _page_size(request)
        ordering = request.query_params.get("ordering", "").strip() or "id"
        model_fields = {f.name for f in queryset.model._meta.get_fields()}
        if (
            ordering not in CURSOR_ORDERINGS
            or not {key.lstrip("-") for key in CURSOR_ORDERINGS[ordering]} <= model_fields
        ):
            allowed = [
                o for o, keys in CURSOR_ORDERINGS.items() if {k.lstrip("-") for k in keys} <= model_fields
            ]
            raise exceptions.ValidationError(
                {"ordering": [f"Cursor pagination orders by one of {', '.join(allowed)}; not {ordering!r}."]}
            )
        self.ordering = ordering
        keys = CURSOR_ORDERINGS[ordering]
        queryset = queryset.order_by(*keys)
        token = request.query_params.get(self.cursor_query_param)
        if token:
            queryset = queryset.filter(self._after(keys, self._decode(token, ordering)))
        page = queryset[: self.page_size + 1]
        rows = _prepared_rows(page) if _plan_is_stable(request, page) else list(page)
        self.has_next = len(rows) > self.page_size
        self.rows = rows[: self.page_size]
        return self.rows

    def _decode(self, token: str, ordering: str) -> list:
        try:
            payload = json.loads(base64.urlsafe_b64decode(token.encode("ascii") + b"=" * (-len(token) % 4)))
            if not isinstance(payload, dict) or payload.get("o") != ordering:
                raise ValueError("ordering")
            values = payload["v"]
            keys = CURSOR_ORDERINGS[ordering]
            if not isinstance(values, list) or len(values) != len(keys):
                raise ValueError("values")
            decoded = []
            for key, value in zip(keys, values, strict=True):
                if key.lstrip("-") == "id":
                    if not isinstance(value, int) or isinstance(value, bool):
                        raise ValueError("id")
                    decoded.append(value)
                else:
                    decoded.append(dt.datetime.fromisoformat(value))
            return decoded
        except (ValueError, TypeError, KeyError, UnicodeError, binascii.Error) as error:
            raise _cursor_error(
                "This cursor is not valid for this list and ordering. Use the next link as given, "
                "or start again without a cursor."
            ) from error

    @staticmethod
    def _after(keys, values) -> Q:
        """Rows after the given key values in this ordering: (a > x) OR (a = x AND b > y) ..."""
        condition = Q()
        equal = {}
        for key, value in zip(keys, values, strict=True):
            field = key.lstrip("-")
            lookup = "lt" if key.startswith("-") else "gt"
            condition |= Q(**equal, **{f"{field}__{lookup}": value})
            equal[field] = value
        return condition

    def _encode(self, row) -> str:
        values = []
        for key in CURSOR_ORDERINGS[self.ordering]:
            field = key.lstrip("-")
            value = row[field] if isinstance(row, dict) else getattr(row, field)
            values.append(value.isoformat() if isinstance(value, dt.datetime) else value)
        raw = json.dumps({"o": self.ordering, "v": values}, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")

    def get_next_link(self):
        if not self.has_next or not self.rows:
            return None
        url = self.request.build_absolute_uri()
        url = remove_query_param(url, "page")
        url = replace_query_param(url, "pagination", "cursor")
        return replace_query_param(url, self.cursor_query_param, self._encode(self.rows[-1]))

    def get_paginated_response(self, data):
        return Response({"next": self.get_next_link(), "results": data})


def _page_size(request) -> int:
    raw = request.query_params.get("page_size")
    if raw is None or raw == "":
        return api_settings.PAGE_SIZE
    try:
        size = int(raw)
    except ValueError:
        raise exceptions.ValidationError(
            {"page_size": [f"page_size must be a whole number from 1 to {MAX_PAGE_SIZE}."]}
        ) from None
    if size < 1:
        raise exceptions.ValidationError(
            {"page_size": [f"page_size must be a whole number from 1 to {MAX_PAGE_SIZE}."]}
        )
    return min(size, MAX_PAGE_SIZE)


class Pagination(BasePagination):
    """Page numbers for people (?page=), a keyset cursor for apps (?pagination=cursor, then ?cursor=).

    Both cap the page size at MAX_PAGE_SIZE. Cursor pages are ordered by a key ending in the
    primary key (id by default, or ?ordering=modified_at for incremental sync) and never count.
    """

    def _uses_cursor(self, request) -> bool:
        mode = request.query_params.get("pagination", "")
        if mode not in ("", "page", "cursor"):
            raise exceptions.ValidationError({"pagination": ["pagination is either page or cursor."]})
        return mode == "cursor" or "cursor" in request.query_params

    def paginate_queryset(self, queryset, request, view=None):
        _page_size(request)  # the same message for a bad page_size in both modes
        self.delegate = KeysetPagination() if self._uses_cursor(request) else PageNumberCappedPagination()
        return self.delegate.paginate_queryset(queryset, request, view)

    def numbered_page(self, request) -> tuple[int, int] | None:
        """The number and size of the numbered page the request asks for, where its statement
        can be compiled alone (page_statement); None for a cursor page, ?page=last, a page past
        the counted rows, or a page number or size that is not valid (paginate_queryset then
        answers or refuses it)."""
        params = request.query_params
        raw_number = params.get("page") or "1"
        if params.get("pagination", "page") not in ("", "page") or not is_id_text(raw_number):
            return None
        try:
            _page_size(request)
        except exceptions.ValidationError:
            return None
        number, page_size = int(raw_number), PageNumberCappedPagination().get_page_size(request)
        if number < 1 or (number - 1) * page_size > COUNT_CAP:
            return None
        return number, page_size

    @staticmethod
    def page_statement(queryset, number: int, page_size: int) -> tuple[str, list] | None:
        """The prepared statement of a numbered page of the queryset, compiled, not run."""
        return _CappedCountPaginator(queryset, page_size, prepared=True).page_statement(number)

    def paginate_statement(self, request, statement: tuple[str, list], number: int, page_size: int):
        """A numbered page from a statement compiled before (PageNumberCappedPagination)."""
        self.delegate = PageNumberCappedPagination()
        return self.delegate.paginate_statement(request, statement, number, page_size)

    @property
    def statement(self) -> tuple[str, list] | None:
        """The prepared statement a numbered page ran, if it ran one."""
        return getattr(getattr(self, "delegate", None), "statement", None)

    def get_paginated_response(self, data):
        return self.delegate.get_paginated_response(data)

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "count": {
                    "type": "integer",
                    "description": f"Rows in the result, counted up to {COUNT_CAP:,} (page numbers only).",
                },
                "count_exact": {
                    "type": "boolean",
                    "description": "False when the result has more rows than were counted.",
                },
                "next": link,
                "previous": link,
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        def param(name, schema, description):
            return {
                "name": name,
                "required": False,
                "in": "query",
                "description": description,
                "schema": schema,
            }

        return [
            param("page", {"type": "integer", "minimum": 1}, "Page number (page-number pagination)."),
            param(
                "page_size",
                {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
                f"Rows per page (default {api_settings.PAGE_SIZE}, at most {MAX_PAGE_SIZE}).",
            ),
            param(
                "pagination",
                {"type": "string", "enum": ["page", "cursor"]},
                "cursor: keyset pagination for paging through everything (follow `next`).",
            ),
            param("cursor", {"type": "string"}, "The position to continue from; taken from a `next` link."),
        ]


class ORJSONRenderer(_ORJSONRenderer):
    """drf-orjson-renderer's JSON, written first without orjson's OPT_NON_STR_KEYS, which slows
    every dict down: the top claimant's track record (225 KB) took 0.54 ms to write with it and
    0.30 ms without. Data with a key that is not a string (a calibration bin's number, say) is
    written again with it, keys as strings, as the standard library's json would."""

    options = _ORJSONRenderer.options & ~orjson.OPT_NON_STR_KEYS

    def render(self, data, media_type=None, renderer_context=None):
        # Data that keeps its JSON (config.kept_json) is written once, as compact JSON: the
        # browsable API's indented copy is written every time.
        kept = type(data) is KeptJSON and not (media_type and self.html_media_type in media_type)
        if kept and data.json is not None:
            return data.json
        try:
            rendered = super().render(data, media_type, renderer_context)
        except orjson.JSONEncodeError:
            self.options |= orjson.OPT_NON_STR_KEYS  # this instance serves this one response
            rendered = super().render(data, media_type, renderer_context)
        if kept:
            data.json = rendered
        return rendered


class PaginatedCSVRenderer(_PaginatedCSVRenderer):
    """`?format=csv`: the rows of the current page, one line each, nested fields as dotted columns."""

    format = "csv"
    results_field = "results"

    def render(self, data, media_type=None, renderer_context=None):
        if data is None:  # a response without a body: 304 Not Modified, 204
            return b""
        renderer_context = renderer_context or {}
        if isinstance(data, dict) and self.results_field not in data:
            data = [data]  # a detail: one row
        rows = data if isinstance(data, list) else data.get(self.results_field, [])
        if not rows:
            # An empty result is still a table: its header line, so readers see the columns.
            header = self._header(renderer_context.get("view"))
            return (",".join(header) + "\r\n").encode() if header else b"\r\n"
        return super().render(data, media_type, renderer_context)

    @staticmethod
    def _header(view) -> list[str]:
        get_serializer = getattr(view, "get_serializer", None)
        if get_serializer is None:
            return []
        try:
            return list(get_serializer().fields)
        except Exception:  # a view whose serializer needs context the renderer lacks
            logger.debug("No CSV header for %r", view, exc_info=True)
            return []


class ContentNegotiation(DefaultContentNegotiation):
    """DRF's content negotiation, its choice remembered for each Accept header and format.

    DRF parses the Accept header and each renderer's media type and matches them on every
    request: about 150 µs of the source detail's 3 ms in process, ~100 µs once remembered (most
    of it the request's first read of its query string and headers). The choice depends only on
    the header, the format asked for (`?format=`, a suffix) and the view's renderers, and
    clients send few distinct headers; at most CHOICES_KEPT choices are kept, so headers
    sent to fill memory are negotiated as before, not stored.
    """

    CHOICES_KEPT = 512
    _choices: dict = {}

    def select_renderer(self, request, renderers, format_suffix=None):
        meta = request._request.META
        # Read from the environ, as DRF's own negotiation reads the header: parsing an empty query
        # string and copying every header into request.headers cost a detail request ~1.5% of its
        # instructions.
        format = format_suffix
        if not format and meta.get("QUERY_STRING"):
            format = request.query_params.get(self.settings.URL_FORMAT_OVERRIDE)
        key = (meta.get("HTTP_ACCEPT", "*/*"), format, *(type(renderer) for renderer in renderers))
        choice = self._choices.get(key)
        if choice is None:
            renderer, media_type = super().select_renderer(request, renderers, format_suffix)
            index = next(i for i, candidate in enumerate(renderers) if candidate is renderer)
            choice = (index, media_type)
            if len(self._choices) < self.CHOICES_KEPT:
                self._choices[key] = choice
        index, media_type = choice
        return renderers[index], media_type


# Authentication ------------------------------------------------------------------------------


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication, answered at once for a request that has no session cookie.

    Without the cookie Django's session is empty and the user it would load is anonymous; DRF
    still had Django build its lazy user, the session store and the lookup to find that out
    (about 3% of an anonymous source detail's CPU in process). The session is marked as read,
    as that lookup marks it, so the answer says `Vary: Cookie` as before. A request whose user
    was set some other way than by Django's authentication middleware is authenticated as DRF
    does it.
    """

    def authenticate(self, request):
        django_request = request._request
        user = django_request.__dict__.get("user")
        if (
            isinstance(user, SimpleLazyObject)
            and user._wrapped is empty
            and settings.SESSION_COOKIE_NAME not in django_request.COOKIES
        ):
            session = getattr(django_request, "session", None)
            if session is not None:
                session.accessed = True
            return None
        return super().authenticate(request)


# Throttling ----------------------------------------------------------------------------------


class _ScopedThrottle(SimpleRateThrottle):
    """A fixed-window counter per client, shared by every process through the cache.

    DRF's SimpleRateThrottle keeps every request's timestamp in one cache entry and reads,
    unpickles, trims, pickles and writes that list on each request, so its cost grows with the
    rate. Here each window has its own counter (`cache.incr`, atomic on Redis), which expires
    with the window. A client may send up to twice the rate across a window boundary, the
    usual price of fixed windows.

    On Redis a process takes its requests from the counter in leases (see _lease), so a client
    that keeps one worker busy costs one round trip per lease, not per request.

    Reads its rate at request time, so settings changes (and tests) take effect at once.
    Clients are told apart by user id, or by REMOTE_ADDR as resolved with NUM_PROXIES, so
    a forged X-Forwarded-For does not give a fresh allowance.
    """

    def __init__(self):
        """Nothing to read yet: allow_request reads the rate (DRF's __init__ read and parsed it
        too, for each of the three throttles on every request)."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        self.window_ends = (window + 1) * self.duration
        return _admitted(
            self.cache, f"{key}:{window}", self.duration + 1, self.num_requests, self.window_ends
        )

    def wait(self):
        return max(0.0, self.window_ends - self.now)

    def _ident(self, request) -> str:
        if request.user and request.user.is_authenticated:
            return f"user:{request.user.pk}"
        return f"ip:{self.get_ident(request)}"


# One server-side step: take a lease of requests from a window's counter, and give a new
# counter its expiry. Atomic, so two processes never size their leases on the same count and
# no counter outlives its window. ARGV: the expiry, the limit, LEASE_SHARE, LEASE_MAX.
_LEASE_LUA = """
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local grant = math.floor((tonumber(ARGV[2]) - used) / tonumber(ARGV[3]))
if grant < 1 then grant = 1 end
if grant > tonumber(ARGV[4]) then grant = tonumber(ARGV[4]) end
local count = redis.call('INCRBY', KEYS[1], grant)
if count == grant then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return {count, grant}
"""
_lease_script = None

# A lease is at most this share of what is left of the client's allowance in the window, and
# at most LEASE_MAX requests; with less than LEASE_SHARE requests left, every request asks.
LEASE_SHARE = 16
LEASE_MAX = 64
# Requests this process may still admit without asking the store, by counter key (the key
# names its window): {key: (requests, the window's end)}. A spent lease is removed; one whose
# window ended unspent is pruned once the table has grown.
_leases: dict[str, tuple[int, float]] = {}
_leases_lock = threading.Lock()

# While Redis cannot be reached, requests are let through uncounted, and Redis is not asked
# again for this long: a throttle protects the service, and answering every request with a 500
# (or making each wait for a connection timeout) because the counters' store is down would
# do the opposite. Counting resumes by itself once Redis answers.
STORE_RETRY_SECONDS = 5.0
_store_down_until = 0.0


def _admitted(cache, key: str, timeout: int, limit: int, window_ends: float) -> bool:
    """Whether one more request fits in the window's allowance: from this process's lease when
    it holds one, else from the counter (a new lease on Redis). Admitted uncounted when the
    store is unreachable (a warning logged once per STORE_RETRY_SECONDS)."""
    with _leases_lock:
        held, _ = _leases.get(key, (0, 0.0))
        if held > 1:
            _leases[key] = (held - 1, window_ends)
            return True
        if held:
            del _leases[key]  # its last request
            return True
    taken = _counted(cache, key, timeout, limit)
    if taken is None:
        return True
    count, granted = taken
    # The granted requests are the counter's numbers count - granted + 1 .. count; those past
    # the limit are refused, so the processes together never admit more than the limit.
    admitted = min(granted, limit - (count - granted))
    if admitted > 1:
        with _leases_lock:
            if len(_leases) >= 1024:
                now = time.time()
                for stale in [k for k, (_, ends) in _leases.items() if ends <= now]:
                    del _leases[stale]
            _leases[key] = (admitted - 1, window_ends)
    return admitted > 0


def _counted(cache, key: str, timeout: int, limit: int) -> tuple[int, int] | None:
    """The counter and the requests granted by _lease, or None when the store is unreachable."""
    global _store_down_until
    now = time.monotonic()
    if now < _store_down_until:
        return None
    try:
        return _lease(cache, key, timeout, limit)
    except (RedisConnectionError, RedisTimeoutError) as error:
        _store_down_until = now + STORE_RETRY_SECONDS
        logger.warning(
            "Throttle counters unavailable (%s): requests are admitted uncounted; Redis is asked "
            "again in %.0f s.",
            error,
            STORE_RETRY_SECONDS,
        )
        return None


def _lease(cache, key: str, timeout: int, limit: int) -> tuple[int, int]:
    """Take requests from a window's counter, which expires with the window: (the counter
    after, the requests taken).

    On django-redis, a lease: one Lua script (EVALSHA) takes up to a LEASE_SHARE-th of what is
    left of the allowance (at least one, at most LEASE_MAX) and this process admits that many
    requests before asking again. The counter never falls behind the requests admitted, so no
    client gets past its rate; a client whose later requests reach other workers may be
    refused a little early, by the requests still leased to the ones it left (with a rate of
    120/min a lease is at most 7 requests, fewer as the allowance runs down). On a two-core
    machine one Redis round trip per request cost a view answering from memory 27–41% of its
    throughput, and the leases gave the source detail a median 10% more (bench/findings.md).

    Elsewhere one request at a time: the cache's incr(), or add() for a new window.
    """
    global _lease_script
    client = getattr(cache, "client", None)
    if hasattr(client, "get_client") and hasattr(client, "make_key"):
        redis = client.get_client(write=True)
        if _lease_script is None:
            _lease_script = redis.register_script(_LEASE_LUA)
        count, granted = _lease_script(
            keys=[client.make_key(key)], args=[timeout, limit, LEASE_SHARE, LEASE_MAX], client=redis
        )
        return int(count), int(granted)
    try:
        return cache.incr(key), 1
    except ValueError:  # the window's first request
        return (1 if cache.add(key, 1, timeout) else cache.incr(key)), 1


class AnonThrottle(_ScopedThrottle):
    """Anonymous reads, per client address."""

    scope = "anon"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self._ident(request)}


class UserThrottle(_ScopedThrottle):
    """Token or session reads, per user."""

    scope = "user"

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None
        return self.cache_format % {"scope": self.scope, "ident": self._ident(request)}


class WriteThrottle(_ScopedThrottle):
    """Writes (POST, PUT, PATCH, DELETE), per user or address, on top of the read allowance."""

    scope = "write"

    def get_cache_key(self, request, view):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return None
        return self.cache_format % {"scope": self.scope, "ident": self._ident(request)}


# Errors --------------------------------------------------------------------------------------


def _flatten(detail, prefix: str = "") -> list[str]:
    if isinstance(detail, dict):
        messages = []
        for key, value in detail.items():
            label = "" if key in ("non_field_errors", "__all__", "detail") else f"{prefix}{key}"
            messages += _flatten(value, f"{label}." if label else "")
            if label:
                messages[-1:] = [m if m.startswith(label) else f"{label}: {m}" for m in messages[-1:]]
        return messages
    if isinstance(detail, list):
        return [m for item in detail for m in _flatten(item, prefix)]
    return [str(detail)]


def _django_validation_detail(error: DjangoValidationError):
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): [str(m) for e in errors for m in e]
            for field, errors in error.error_dict.items()
        }
    return {"non_field_errors": [str(m) for m in error.messages]}


def _roll_back_open_atomic_blocks():
    for connection in connections.all(initialized_only=True):
        if connection.in_atomic_block:
            connection.set_rollback(True)


def exception_handler(exc, context):
    """Every error is JSON: {"status", "code", "message", "errors"} where message reads as a sentence."""
    # Imported here: rest_framework.views reads the renderer settings, which name this module.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, IntegrityError | DataError):
        # PostgreSQL has aborted the transaction: an enclosing atomic block must roll back,
        # not release, or every later query in it fails.
        _roll_back_open_atomic_blocks()
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_django_validation_detail(exc))
    elif isinstance(exc, ProtectedError):
        names = sorted({obj._meta.verbose_name for obj in exc.protected_objects})
        exc = exceptions.APIException(
            f"This row cannot be deleted: {', '.join(names)} still refer to it. "
            "Remove or reassign them first."
        )
        exc.status_code = status.HTTP_409_CONFLICT
        exc.default_code = "protected"
    elif isinstance(exc, IntegrityError):
        # A constraint the service could not check first (e.g. two clients racing): a conflict.
        logger.info("Integrity error answered with 409: %s", exc)
        exc = exceptions.APIException(
            "The change conflicts with data already stored (a uniqueness or integrity rule). "
            "Reload the row and try again."
        )
        exc.status_code = status.HTTP_409_CONFLICT
        exc.default_code = "conflict"
    elif isinstance(exc, OverflowError | DataError):
        # A number too large for the database column (an id, a filter value): the client's fault.
        logger.info("Out-of-range value answered with 400: %s", exc)
        exc = exceptions.ValidationError(
            {
                "non_field_errors": [
                    "A number in the request is out of range for this field; use a smaller value."
                ]
            }
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound("Nothing was found at this address.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, OperationalError) and getattr(exc.__cause__, "sqlstate", None) == QUERY_CANCELED:
        # The statement timeout (DATABASE_STATEMENT_TIMEOUT_MS) stopped the query.
        logger.warning("Query cancelled by the statement timeout: %s", exc)
        exc = exceptions.APIException(
            "The database took too long to answer this request and it was stopped. "
            "Narrow it with a filter or a smaller page, or try again later."
        )
        exc.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        exc.default_code = "timeout"

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    messages = _flatten(detail)
    body = {
        "status": response.status_code,
        "code": codes if isinstance(codes, str) else "invalid",
        "message": " ".join(messages) if messages else "The request failed.",
    }
    if isinstance(detail, dict) and not set(detail) <= {"detail"}:
        body["errors"] = detail
    response.data = body
    # Errors are JSON whatever format was asked for, so a CSV client still reads the message.
    request = context.get("request")
    if request is not None:
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = JSONRenderer.media_type
    return response


def error_response(status_code: int, message: str, code: str = "error") -> Response:
    return Response({"status": status_code, "code": code, "message": message}, status=status_code)
