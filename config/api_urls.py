"""Routes under /api/v1/."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from claims.api.scoring_views import ActorCalibrationPlotView, ActorTrackRecordView, ClaimReviewListView
from claims.api.views import (
    ActorViewSet,
    ClaimViewSet,
    ForecastVerificationsView,
    ForecastViewSet,
    TopicViewSet,
)
from sources.api.views import PassageViewSet, SourceViewSet

router = DefaultRouter()
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
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    *router.urls,
]
