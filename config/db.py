"""Saving a validated row: fields are checked in Python, constraints by the database itself."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction


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
