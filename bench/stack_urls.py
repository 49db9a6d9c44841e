"""What the stack costs before any work: the source detail's JSON, built once and kept in memory,
answered through the project's middleware by a plain Django view, with and without the
anonymous throttle's counter, and by a DRF view (the project's authentication and renderer),
with and without its throttles; and what a path around DRF would gain: a plain Django view
that does the detail's work (the throttle's counter, the SQL, the ETag).
Served only by `make bench` (DJANGO_SETTINGS_MODULE=bench.stack_settings); the app's own URLs
never include these.
"""

import functools

import orjson
from django.http import Http404, HttpResponse
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import AnonThrottle
from config.api_views import representation_etag
from config.urls import handler400, handler404, handler500  # noqa: F401 - the app's error views
from config.urls import urlpatterns as app_urlpatterns
from sources.api.views import SourceViewSet
from sources.selectors import source_representation


@functools.cache
def _representation(pk: int) -> dict:
    data = source_representation(pk)
    if data is None:
        raise Http404
    return data


def django_view(request, pk: int):
    return HttpResponse(orjson.dumps(_representation(pk)), content_type="application/json")


def throttled_django_view(request, pk: int):
    AnonThrottle().allow_request(request, None)  # counted as on the API; the rate is raised here
    return HttpResponse(orjson.dumps(_representation(pk)), content_type="application/json")


def lean_view(request, pk: int):
    """The API's source detail without DRF, for an anonymous JSON client only: the project's
    anonymous throttle (its Redis counter, one command), the detail's one prepared statement,
    the ETag."""
    AnonThrottle().allow_request(request, None)  # counted as on the API; the rate is raised here
    data = source_representation(pk)
    if data is None:
        raise Http404
    response = HttpResponse(orjson.dumps(data), content_type="application/json")
    response["ETag"] = representation_etag(data, "json", SourceViewSet.etag_digests)
    response["Vary"] = "Accept, Cookie"
    return response


class DRFView(APIView):
    permission_classes = [AllowAny]

    def get(self, request, pk: int):
        return Response(_representation(pk))


class UnthrottledDRFView(DRFView):
    throttle_classes = []


urlpatterns = [
    path("_stack/django/<int:pk>/", django_view),
    path("_stack/django-throttled/<int:pk>/", throttled_django_view),
    path("_stack/drf-unthrottled/<int:pk>/", UnthrottledDRFView.as_view()),
    path("_stack/drf/<int:pk>/", DRFView.as_view()),
    path("_stack/lean/<int:pk>/", lean_view),
    *app_urlpatterns,
]
