"""API views for scores: an actor's track record, its calibration plot, and the ClaimReview export."""

from django.conf import settings
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from claims import scoring, track_records
from claims.calibration_plot import calibration_svg
from claims.models import Actor, Forecast

MAX_BINS = 20

BINS_PARAMETER = OpenApiParameter(
    "bins",
    int,
    description=f"Number of equal-width calibration bins, 2–{MAX_BINS} (default {scoring.DEFAULT_BINS}).",
)
ROLE_PARAMETER = OpenApiParameter(
    "role",
    str,
    enum=["claimant", "author"],
    description="Plot the actor's forecasts as claimant (default) or as author of the sources.",
)


def _actor(pk: int) -> Actor:
    actor = Actor.objects.filter(pk=pk).first()
    if actor is None:
        raise exceptions.NotFound(f"There is no actor with id {pk}.")
    return actor


def _bins(request) -> int:
    raw = request.query_params.get("bins", "").strip()
    if not raw:
        return scoring.DEFAULT_BINS
    try:
        bins = int(raw)
    except ValueError:
        bins = 0
    if not 2 <= bins <= MAX_BINS:
        raise exceptions.ValidationError({"bins": [f"bins must be a whole number from 2 to {MAX_BINS}."]})
    return bins


class ActorTrackRecordView(APIView):
    """An actor's track record as claimant and as author: Brier, skill, calibration, breakdowns.

    Anonymous callers get scores over published claims only.
    """

    permission_classes = [AllowAny]

    @extend_schema(parameters=[BINS_PARAMETER], responses={200: OpenApiTypes.OBJECT})
    def get(self, request, pk):
        bins = _bins(request)
        try:
            return Response(track_records.actor_track_record(actor_id=pk, user=request.user, bins=bins))
        except Actor.DoesNotExist:
            raise exceptions.NotFound(f"There is no actor with id {pk}.") from None


class SVGRenderer(BaseRenderer):
    media_type = "image/svg+xml"
    format = "svg"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data.encode(self.charset) if isinstance(data, str) else data


class ActorCalibrationPlotView(APIView):
    """The actor's calibration plot as an SVG image: predicted against observed, with bin counts."""

    permission_classes = [AllowAny]
    # Only the image; errors are still JSON (config.api.exception_handler switches the renderer).
    renderer_classes = [SVGRenderer]

    @extend_schema(
        parameters=[BINS_PARAMETER, ROLE_PARAMETER],
        responses={(200, "image/svg+xml"): OpenApiResponse(OpenApiTypes.STR, description="SVG image")},
    )
    def get(self, request, pk):
        actor = _actor(pk)
        bins = _bins(request)
        role = request.query_params.get("role", "claimant")
        if role not in {"claimant", "author"}:
            raise exceptions.ValidationError({"role": ["role must be claimant or author."]})
        result = track_records.actor_aggregate(actor=actor, user=request.user, role=role, bins=bins)
        title = f"{actor.name} as {role}: {result.count} scored forecast(s)"
        return Response(calibration_svg(result.calibration, title=title))


class JSONLDRenderer(JSONRenderer):
    media_type = "application/ld+json"
    format = "jsonld"


# ClaimReview's numeric scale for scored verdicts; ambiguous and annulled have only a name.
RATING_VALUES = {"not_borne_out": 1, "partly_borne_out": 2, "borne_out": 3}


class ClaimReviewListView(generics.ListAPIView):
    """schema.org ClaimReview JSON-LD for every verified forecast, latest verdict first."""

    permission_classes = [AllowAny]
    filter_backends = []
    renderer_classes = [*api_settings.DEFAULT_RENDERER_CLASSES, JSONLDRenderer]
    queryset = Forecast.objects.none()

    def get_queryset(self):
        return track_records.claim_review_forecasts(user=self.request.user)

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        rows = [self.claim_review(forecast) for forecast in page]
        return self.get_paginated_response(rows)

    def claim_review(self, forecast: Forecast) -> dict:
        claim = forecast.claim
        source = claim.passage.source
        url = self.request.build_absolute_uri(reverse("api:forecast-verifications", args=[forecast.pk]))
        rating = {"@type": "Rating", "alternateName": Forecast.Status(forecast.verdict).label}
        if forecast.verdict in RATING_VALUES:
            rating.update(
                ratingValue=RATING_VALUES[forecast.verdict],
                bestRating=max(RATING_VALUES.values()),
                worstRating=min(RATING_VALUES.values()),
            )
        appearance = {"@type": "CreativeWork", "name": source.title}
        if source.url:
            appearance["url"] = source.url
        if source.published_on:
            appearance["datePublished"] = source.published_on.isoformat()
        if source.publisher:
            appearance["publisher"] = {"@type": "Organization", "name": source.publisher}
        item = {
            "@type": "Claim",
            "datePublished": forecast.made_on.isoformat(),
            "appearance": appearance,
        }
        if claim.claimant is not None:
            item["author"] = _actor_ld(claim.claimant)
        review = {
            "@context": "https://schema.org",
            "@type": "ClaimReview",
            "url": url,
            "claimReviewed": claim.statement,
            "itemReviewed": item,
            "reviewRating": rating,
            "author": _organisation_ld(),
            "datePublished": forecast.verified_at.date().isoformat() if forecast.verified_at else None,
        }
        if forecast.latest_rationale:
            review["reviewBody"] = forecast.latest_rationale
        return review


def _actor_ld(actor: Actor) -> dict:
    data = {"@type": "Person" if actor.kind == Actor.Kind.PERSON else "Organization", "name": actor.name}
    if actor.wikidata_id:
        data["sameAs"] = f"https://www.wikidata.org/wiki/{actor.wikidata_id}"
    return data


def _organisation_ld() -> dict:
    data = {"@type": "Organization", "name": settings.CLAIMREVIEW_AUTHOR_NAME}
    if settings.CLAIMREVIEW_AUTHOR_URL:
        data["url"] = settings.CLAIMREVIEW_AUTHOR_URL
    return data
