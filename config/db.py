"""Database helpers: saving a validated row (fields checked in Python, constraints by the
database itself), reads whose statements PostgreSQL keeps planned, and a field for large JSON
documents kept as text."""

import contextlib

import orjson
from django.core.exceptions import ValidationError
from django.db import (
    DEFAULT_DB_ALIAS,
    IntegrityError,
    NotSupportedError,
    connection,
    connections,
    models,
    transaction,
)

FEATURE_NOT_SUPPORTED = "0A000"  # PostgreSQL's SQLSTATE for "cached plan must not change result type"


def fetch_prepared(sql: str, params) -> tuple[list[str], list[tuple]]:
    """Run a read statement that PostgreSQL parses and plans once per connection, not once per
    request; return its column names and rows.

    Only for statements whose best plan does not depend on their parameters, such as a lookup
    by primary key, a keyset page of an unfiltered list, or a numbered page filtered only by a
    view's plan_stable_filters. PostgreSQL plans each once, for every value
    (plan_cache_mode=force_generic_plan in settings), which would be wrong for a filter whose
    values range from rare to common in a way that changes the plan.

    Parameters are bound on the server (%s placeholders, as in Django's cursors), and psycopg
    prepares each statement on first use (prepare_threshold in settings; off with
    DATABASE_PREPARED_STATEMENTS=0). The cursor is Django's wrapper, so the statement is
    counted, logged and wrapped like any other. On other databases: Django's own cursor.

    When a migration has changed the type of a column the statement reads, PostgreSQL refuses
    the prepared plan ("cached plan must not change result type"); outside a transaction the
    statement then runs again on a new connection, which prepares it afresh.
    """
    try:
        return _fetch(sql, params)
    except NotSupportedError as error:
        if getattr(error.__cause__, "sqlstate", None) != FEATURE_NOT_SUPPORTED or connection.in_atomic_block:
            raise
        connection.close()
        return _fetch(sql, params)


def _fetch(sql: str, params) -> tuple[list[str], list[tuple]]:
    with _prepared_cursor() as cursor:
        cursor.execute(sql, params)
        return _column_names(cursor), cursor.fetchall()


def _column_names(cursor) -> list[str]:
    """The result's column names. psycopg's cursor.description builds a Column object for each
    column on every call (56 µs for the source detail's 17 columns, a quarter of what the
    statement costs this process); the result holds the names themselves (4 µs)."""
    result = getattr(cursor, "pgresult", None)  # psycopg; other drivers have only description
    if result is None:
        return [column[0] for column in cursor.description]
    encoding = cursor.connection.info.encoding
    return [result.fname(index).decode(encoding) for index in range(result.nfields)]


@contextlib.contextmanager
def _prepared_cursor():
    # The default connection of this thread, looked up once: each attribute read through
    # django.db.connection looks it up again.
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor != "postgresql":
        with db.cursor() as cursor:
            yield cursor
        return
    from django.db.backends.postgresql.base import ServerBindingCursor  # imports psycopg

    # As Django's own connection.cursor() does.
    db.close_if_health_check_failed()
    db.ensure_connection()
    db.validate_thread_sharing()
    with db.wrap_database_errors:
        raw = ServerBindingCursor(db.connection)
    cursor = db.make_debug_cursor(raw) if db.queries_logged else db.make_cursor(raw)
    with cursor:
        yield cursor


def _violated_constraint(instance, error: IntegrityError):
    cause = error.__cause__
    name = getattr(getattr(cause, "diag", None), "constraint_name", None)  # psycopg
    text = str(error)  # SQLite: "CHECK constraint failed: <name>"
    for constraint in instance._meta.constraints:
        if constraint.name == name or constraint.name in text:
            return constraint
    return None


def save_validated(instance, **save_kwargs):
    """Validate an instance's own fields, then save it; a violated constraint becomes a ValidationError.

    full_clean() would test each CheckConstraint with a query of its own (three with
    savepoints) and each foreign key with another, before the database checks them all
    again on INSERT. Here the database is the one judge: the INSERT or UPDATE runs in a
    savepoint, and a violation is reported with the constraint's violation_error_message.
    Foreign keys are passed in as rows the caller already holds, so they are not re-read.
    """
    relations = [field.name for field in instance._meta.fields if field.is_relation]
    instance.full_clean(exclude=relations, validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            instance.save(**save_kwargs)
    except IntegrityError as error:
        constraint = _violated_constraint(instance, error)
        if constraint is None:
            raise
        raise ValidationError(constraint.get_violation_error_message(), code="constraint") from error
    return instance


class JSONTextField(models.TextField):
    """A JSON document kept as text: a Python value in, the same value out, orjson both ways.

    For large documents the code writes and reads whole, with no lookups into them: PostgreSQL
    neither parses them on write nor writes them out on read, as it does jsonb, and Python
    neither encodes nor decodes them with the standard library's json, as Django's JSONField
    does. The most prolific claimant's score-summary counts are 2.3 MB, rewritten on every
    verdict on one of its forecasts: as jsonb the row took 110 ms to write and 39-41 ms to
    read at a million claims, as text 18-27 and 5-9 ms; json.dumps took 111 ms, orjson 9.
    Keys that are not strings are stored as strings, as json.dumps does. Filters compare the
    stored text.
    """

    def from_db_value(self, value, expression, connection):
        return None if value is None else orjson.loads(value)

    def to_python(self, value):
        if isinstance(value, str):
            try:
                return orjson.loads(value)
            except orjson.JSONDecodeError as error:
                raise ValidationError(f"Not valid JSON: {error}.", code="invalid") from error
        return value

    def get_prep_value(self, value):
        value = models.Field.get_prep_value(self, value)  # resolves lazy values; no str() here
        return None if value is None else orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()

    def value_to_string(self, obj):
        return self.get_prep_value(self.value_from_object(obj))
