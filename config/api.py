"""API plumbing shared by both apps: pagination, renderers and the error format."""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework_csv.renderers import PaginatedCSVRenderer as _PaginatedCSVRenderer

logger = logging.getLogger(__name__)

MAX_PAGE_SIZE = 200


class Pagination(PageNumberPagination):
    """Page-number pagination with a capped, client-chosen page size."""

    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE


class PaginatedCSVRenderer(_PaginatedCSVRenderer):
    """`?format=csv`: the rows of the current page, one line each."""

    format = "csv"
    results_field = "results"


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


def exception_handler(exc, context):
    """Every error is JSON: {"status", "code", "message", "errors"} where message reads as a sentence."""
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
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound("Nothing was found at this address.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

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
    return response


def error_response(status_code: int, message: str, code: str = "error") -> Response:
    return Response({"status": status_code, "code": code, "message": message}, status=status_code)
