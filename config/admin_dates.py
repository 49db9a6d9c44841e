"""The admin's date hierarchy at a million rows.

Django's tag (admin_list.date_hierarchy) reads every row of the list twice: for its first and
last date, and for its distinct years, months or days. Here the first and last dates are each
the first entry of an index on the date, and each period between them is asked whether one row
of the list falls in it, which the same index answers from the period's first entries. The
links, titles and levels are Django's, and so is the drilling down when every row falls in one
year or one month.
"""

import calendar
import datetime

from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.utils import get_fields_from_path
from django.db import connections, models
from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import gettext as _


def date_hierarchy(cl) -> dict | None:
    """The context of the admin's date_hierarchy.html for a changelist, as Django's tag gives it.
    A hierarchy over a date and time (which works in the current time zone) and a searched list
    are left to Django's tag."""
    if not cl.date_hierarchy:
        return None
    field_name = cl.date_hierarchy
    field = get_fields_from_path(cl.model, field_name)[-1]
    if isinstance(field, models.DateTimeField) or (cl.query and not getattr(cl.paginator, "capped", False)):
        # A search's text conditions give PostgreSQL no estimate of how many rows match, and
        # walking the date's index to the first match of a rare term reads more than one pass
        # over the rows (at a million claims 3.8 s against 1.4 for a term with no match). A
        # search whose count reached its cap (config.admin_search) matches so many rows that
        # the walk meets one within a few entries.
        return admin_list.date_hierarchy(cl)
    year_field, month_field, day_field = (f"{field_name}__{part}" for part in ("year", "month", "day"))
    # ChangeList has checked them: a date that cannot exist redirects to the list with ?e=1.
    year, month, day = (
        int(cl.params[key]) if cl.params.get(key) else None for key in (year_field, month_field, day_field)
    )
    queryset = cl.queryset

    def link(filters):
        return cl.get_query_string(filters, [f"{field_name}__"])

    context = {"show": True, "field_name": field.verbose_name}
    first = last = None
    if not (year or month or day):
        first, last = _first_and_last(queryset, field, field_name)
        if first is not None and first.year == last.year:
            year = first.year
            if first.month == last.month:
                month = first.month

    if year and month and day:
        chosen = datetime.date(year, month, day)
        return {
            **context,
            "back": {
                "link": link({year_field: year, month_field: month}),
                "title": capfirst(formats.date_format(chosen, "YEAR_MONTH_FORMAT")),
            },
            "choices": [{"title": capfirst(formats.date_format(chosen, "MONTH_DAY_FORMAT"))}],
        }
    if year and month:
        days = [
            datetime.date(year, month, number) for number in range(1, calendar.monthrange(year, month)[1] + 1)
        ]
        return {
            **context,
            "back": {"link": link({year_field: year}), "title": str(year)},
            "choices": [
                {
                    "link": link({year_field: year, month_field: month, day_field: start.day}),
                    "title": capfirst(formats.date_format(start, "MONTH_DAY_FORMAT")),
                }
                for start in _periods_with_rows(queryset, field_name, [(start, start) for start in days])
            ],
        }
    if year:
        months = [(datetime.date(year, number, 1), _month_end(year, number)) for number in range(1, 13)]
        return {
            **context,
            "back": {"link": link({}), "title": _("All dates")},
            "choices": [
                {
                    "link": link({year_field: year, month_field: start.month}),
                    "title": capfirst(formats.date_format(start, "YEAR_MONTH_FORMAT")),
                }
                for start in _periods_with_rows(queryset, field_name, months)
            ],
        }
    if first is None:
        first, last = _first_and_last(queryset, field, field_name)
    years = (
        []
        if first is None
        else [
            (datetime.date(number, 1, 1), datetime.date(number, 12, 31))
            for number in range(first.year, last.year + 1)
        ]
    )
    return {
        **context,
        "back": None,
        "choices": [
            {"link": link({year_field: str(start.year)}), "title": str(start.year)}
            for start in _periods_with_rows(queryset, field_name, years)
        ],
    }


def _month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def _first_and_last(queryset, field, field_name) -> tuple[datetime.date | None, datetime.date | None]:
    """The list's first and last dates, in one statement: the first row of each order."""
    dated = queryset.filter(**{f"{field_name}__isnull": False}).values_list(field_name)
    first, last = _select(queryset.db, [dated.order_by(field_name)[:1], dated.order_by(f"-{field_name}")[:1]])
    # A raw cursor gives SQLite's dates as text.
    return field.to_python(first), field.to_python(last)


def _periods_with_rows(queryset, field_name, periods) -> list[datetime.date]:
    """The first day of each (first, last) period in which a row of the list falls."""
    if not periods:
        return []
    probes = [
        queryset.filter(**{f"{field_name}__gte": start, f"{field_name}__lte": end})
        .order_by()
        .values("pk")[:1]
        for start, end in periods
    ]
    found = _select(queryset.db, probes, exists=True)
    return [start for (start, _end), has_rows in zip(periods, found, strict=True) if has_rows]


def _select(alias: str, querysets, exists: bool = False) -> tuple:
    """One row of one statement: each queryset as a scalar subquery, or whether it has a row."""
    connection = connections[alias]
    parts, params = [], []
    for subquery in querysets:
        sql, subquery_params = subquery.query.get_compiler(connection=connection).as_sql()
        parts.append(f"EXISTS ({sql})" if exists else f"({sql})")
        params.extend(subquery_params)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}", params)
        return cursor.fetchone()
