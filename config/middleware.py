"""Middleware: a clear 503 while the database is unreachable, instead of a 500; each API answer
freed as soon as it has been sent; Django's message storage and Content-Security-Policy header
without their cost on requests that do not use them."""

import logging

from django.conf import settings
from django.contrib.messages import middleware as messages_middleware
from django.contrib.messages.storage import default_storage
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.middleware import csp as csp_middleware
from django.utils.csp import CSP, build_policy
from django.utils.functional import SimpleLazyObject, empty

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


class ReleaseAnswerMiddleware:
    """Let an API answer be freed by reference counting once the server has sent it.

    DRF's APIView.dispatch keeps the response it returns (`view.response`); the response keeps
    the view in `renderer_context`, and rendering adds the response itself to that context. The
    answer, with every object of its data, is then part of reference cycles, which only the
    cyclic garbage collector frees, some requests later and after scanning it. For the most
    prolific claimant's track record (225 KB of JSON, about 26,000 objects) that cost the
    process 3.7–4.2 ms of CPU a request on average instead of 2.5–2.6 (bench/profile_request.py,
    the mean over 1,500 requests). The cycles were reported upstream in 2018
    (encode/django-rest-framework#5826); DRF 3.18 still makes them.

    Both edges back to the response are cut once it is rendered (Django renders it before the
    middleware sees it): nothing reads them after that, and a second rendering would set the
    context's again. The view and its request remain in smaller cycles of their own (DRF's
    parser context, Django's lazy user), which hold no answer.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        context = getattr(response, "renderer_context", None)
        if context and getattr(response, "is_rendered", True):
            if context.get("response") is response:
                del context["response"]
            view = context.get("view")
            if getattr(view, "response", None) is response:
                del view.response
        return response


class MessageMiddleware(messages_middleware.MessageMiddleware):
    """Django's message middleware, with the storage made when a message is first added or read.

    Django makes the storage on every request: a cookie storage with its signer and a session
    storage behind it (20 µs a request in a loop on the EPYC of 2026-11-28), though only the
    admin's pages use it and no API request does. Unused, it would store nothing; left unmade,
    it stores nothing either. Made, it is updated as Django does.
    """

    def process_request(self, request):
        request._messages = SimpleLazyObject(lambda: default_storage(request))

    def process_response(self, request, response):
        storage = getattr(request, "_messages", None)
        if type(storage) is SimpleLazyObject and storage._wrapped is empty:
            return response
        return super().process_response(request, response)


class ContentSecurityPolicyMiddleware(csp_middleware.ContentSecurityPolicyMiddleware):
    """Django's Content-Security-Policy middleware, with the header built once for the settings'
    policies while a response does not use its nonce.

    Django builds the header again for every response (27 µs a request with the response's
    making, in a loop on the EPYC of 2026-11-28). Without a nonce it is the same text each time
    for the same settings. A response that used its nonce (a page with `{% csp_nonce_attr %}`)
    or that a view gave a policy of its own goes through Django's code unchanged.
    """

    _cached: tuple = (None, None, ())

    def process_response(self, request, response):
        if (
            csp_middleware.get_nonce(request)
            or hasattr(response, "_csp_config")
            or hasattr(response, "_csp_ro_config")
        ):
            return super().process_response(request, response)
        for header, policy in self._policies():
            if header not in response:
                response.headers[header] = policy
        return response

    def _policies(self) -> tuple[tuple[str, str], ...]:
        """Each header and its policy, built when the settings' policies change (tests override them)."""
        enforce, report_only = settings.SECURE_CSP, settings.SECURE_CSP_REPORT_ONLY
        cached_enforce, cached_report_only, policies = self._cached
        if enforce is not cached_enforce or report_only is not cached_report_only:
            policies = tuple(
                (str(header), build_policy(config))
                for header, config in ((CSP.HEADER_ENFORCE, enforce), (CSP.HEADER_REPORT_ONLY, report_only))
                if config
            )
            self._cached = (enforce, report_only, policies)
        return policies
