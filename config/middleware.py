"""Middleware: a clear 503 while the database is unreachable, instead of a 500."""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
MESSAGE = "The database is unavailable right now; nothing was changed. Try again in a moment."


def _is_connection_failure(error: Exception) -> bool:
    # OperationalError also covers lock and timeout errors; only a lost or refused
    # connection is a 503. psycopg and sqlite phrase it differently.
    text = str(error).lower()
    return isinstance(error, InterfaceError) or any(
        phrase in text
        for phrase in (
            "connection refused",
            "could not connect",
            "connection failed",
            "server closed the connection",
            "terminating connection",
            "the database system is",
            "connection is closed",
            "unable to open database",
            "connection to server",
        )
    )


class DatabaseUnavailableMiddleware:
    """Answer 503 with Retry-After when the database cannot be reached, and recover by itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        except (OperationalError, InterfaceError) as error:
            if not _is_connection_failure(error):
                raise
            return self._unavailable(request, error)

    def process_exception(self, request, exception):
        if isinstance(exception, OperationalError | InterfaceError) and _is_connection_failure(exception):
            return self._unavailable(request, exception)
        return None

    def _unavailable(self, request, error):
        logger.error("Database unavailable: %s", error)
        if request.path.startswith("/api/"):
            response = JsonResponse(
                {"status": 503, "code": "database_unavailable", "message": MESSAGE}, status=503
            )
        else:
            response = HttpResponse(
                f"<h1>Service unavailable</h1><p>{MESSAGE}</p>", status=503, content_type="text/html"
            )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
