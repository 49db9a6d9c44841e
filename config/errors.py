"""404 and 500 pages: JSON under /api/, a plain page elsewhere, never a traceback."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpResponseBadRequest, HttpResponseNotFound, HttpResponseServerError, JsonResponse


def bad_request(request, exception=None):
    """Requests Django refuses before any view runs: oversized bodies, too many fields."""
    if isinstance(exception, RequestDataTooBig):
        status, code = 413, "too_large"
        limit_mb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024 // 1024
        message = f"The request body is too large (the limit is {limit_mb} MB); send less data per request."
    elif isinstance(exception, TooManyFieldsSent):
        status, code = 400, "too_many_fields"
        message = "The request has too many fields; send fewer."
    else:
        status, code = 400, "bad_request"
        message = "The request could not be understood; check its headers and body."
    if request.path.startswith("/api/"):
        return JsonResponse({"status": status, "code": code, "message": message}, status=status)
    response = HttpResponseBadRequest(f"<h1>Bad request</h1><p>{message}</p>")
    response.status_code = status
    return response


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"status": 404, "code": "not_found", "message": f"Nothing is at {request.path}."},
            status=404,
        )
    return HttpResponseNotFound("<h1>Not found</h1><p>Nothing is at this address.</p>")


def server_error(request):
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "status": 500,
                "code": "server_error",
                "message": "The server failed to answer this request. It has been logged; try again later.",
            },
            status=500,
        )
    return HttpResponseServerError("<h1>Server error</h1><p>The server failed; try again later.</p>")
