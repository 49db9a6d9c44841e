"""Routes under /api/v1/."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny
from rest_framework.routers import APIRootView, DefaultRouter

from claims.api.scoring_views import ActorCalibrationPlotView, ActorTrackRecordView, ClaimReviewListView
from claims.api.views import (
    ActorViewSet,
    ClaimViewSet,
    ForecastVerificationsView,
    ForecastViewSet,
    TopicViewSet,
)
from sources.api.views import PassageViewSet, SourceViewSet


class PublicAPIRootView(APIRootView):
    """The API's index: the list of endpoints, readable by anyone."""

    permission_classes = [AllowAny]


router = DefaultRouter()
router.APIRootView = PublicAPIRootView
router.register("sources", SourceViewSet, basename="source")
router.register("passages", PassageViewSet, basename="passage")
router.register("actors", ActorViewSet, basename="actor")
router.register("topics", TopicViewSet, basename="topic")
router.register("claims", ClaimViewSet, basename="claim")
router.register("forecasts", ForecastViewSet, basename="forecast")

urlpatterns = [
    path(
        "forecasts/<int:pk>/verifications/",
        ForecastVerificationsView.as_view(),
        name="forecast-verifications",
    ),
    path("actors/<int:pk>/track-record/", ActorTrackRecordView.as_view(), name="actor-track-record"),
    path("actors/<int:pk>/calibration.svg", ActorCalibrationPlotView.as_view(), name="actor-calibration"),
    path("claim-reviews/", ClaimReviewListView.as_view(), name="claim-reviews"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file, so the docs work under a strict CSP.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    *router.urls,
]
