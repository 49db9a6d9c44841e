"""404 and 500 pages: JSON under /api/, a plain page elsewhere, never a traceback."""

from django.http import HttpResponseNotFound, HttpResponseServerError, JsonResponse


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
