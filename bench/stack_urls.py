"""What the stack costs before any work: the source detail's JSON, built once and kept in memory,
answered through the project's middleware by a plain Django view and by a DRF view (the
project's authentication, throttles and renderer). Served only by `make bench`
(DJANGO_SETTINGS_MODULE=bench.stack_settings); the app's own URLs never include these.
"""

import functools

import orjson
from django.http import Http404, HttpResponse
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import handler400, handler404, handler500  # noqa: F401 - the app's error views
from config.urls import urlpatterns as app_urlpatterns
from sources.selectors import source_representation


@functools.cache
def _representation(pk: int) -> dict:
    data = source_representation(pk)
    if data is None:
        raise Http404
    return data


def django_view(request, pk: int):
    return HttpResponse(orjson.dumps(_representation(pk)), content_type="application/json")


class DRFView(APIView):
    permission_classes = [AllowAny]

    def get(self, request, pk: int):
        return Response(_representation(pk))


urlpatterns = [
    path("_stack/django/<int:pk>/", django_view),
    path("_stack/drf/<int:pk>/", DRFView.as_view()),
    *app_urlpatterns,
]
