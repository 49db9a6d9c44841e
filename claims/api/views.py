"""API views for actors, topics, claims, forecasts and verifications."""

import orjson
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_orjson_renderer.renderers import ORJSONRenderer
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from claims import selectors, services
from claims.api.serializers import (
    ActorSerializer,
    ClaimReviewActionSerializer,
    ClaimSerializer,
    ClaimWriteSerializer,
    ForecastSerializer,
    ForecastUpdateSerializer,
    ForecastWriteSerializer,
    TopicSerializer,
    VerificationSerializer,
    VerificationWriteSerializer,
    claim_representations,
    forecast_representations,
)
from claims.filters import ActorFilter, ClaimFilter, ForecastFilter, TopicFilter, VerificationFilter
from claims.models import Actor, Claim, Forecast, OpenUntil, Topic, Verification
from claims.permissions import PublicReadRoleWrite
from config.api_views import ConditionalRequestMixin, WriteThroughServiceMixin
from config.filters import FilterBackend
from config.page_statements import PageStatementMixin


class ActorViewSet(
    WriteThroughServiceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Actors: claimants, subjects and authors. Editors create and change them."""

    queryset = Actor.objects.none()
    serializer_class = ActorSerializer
    read_serializer_class = ActorSerializer
    permission_classes = [PublicReadRoleWrite]
    filterset_class = ActorFilter
    search_fields = ["name", "aliases", "description"]
    search_trigram = "name"
    ordering_fields = ["name", "id", "modified_at"]
    ordering = ["name", "id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.actor_list()

    def create_object(self, data):
        return services.actor_create(created_by=self.request.user, **data)

    def update_object(self, instance, data):
        return services.actor_update(actor=instance, updated_by=self.request.user, **data)


class TopicViewSet(ConditionalRequestMixin, viewsets.ReadOnlyModelViewSet):
    """The topic taxonomy."""

    queryset = Topic.objects.none()
    serializer_class = TopicSerializer
    permission_classes = [PublicReadRoleWrite]
    filterset_class = TopicFilter
    search_fields = ["name", "description"]
    ordering_fields = ["name", "id"]
    ordering = ["name", "id"]

    def get_queryset(self):
        return selectors.topic_list()


class ClaimViewSet(
    PageStatementMixin,
    WriteThroughServiceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Claims. Anonymous callers see published claims only; annotators create and change them."""

    queryset = Claim.objects.none()
    read_serializer_class = ClaimSerializer
    permission_classes = [PublicReadRoleWrite]
    filterset_class = ClaimFilter
    search_fields = ["statement", "passage__exact"]
    search_vector = True
    ordering_fields = ["created_at", "id", "modified_at"]
    ordering = ["-created_at", "-id"]
    # A numbered page filtered by these alone is planned once per connection (config.api): the
    # generic plan was as fast as each topic's and state's own at a million claims.
    plan_stable_filters = frozenset({"topic", "review_state"})
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.claim_list(user=self.request.user)

    def list(self, request, *args, **kwargs):
        """A page is found on the claims' own columns; on PostgreSQL the same query writes each
        claim's JSON, elsewhere (and for CSV) it is represented from plain rows."""
        as_json = isinstance(request.accepted_renderer, ORJSONRenderer) and selectors.json_rows_available()
        unpublished = selectors.can_see_unpublished(request.user)
        page = self.filter_and_paginate(
            selectors.claim_page_rows(user=request.user, with_json=as_json), rows_key=(unpublished, as_json)
        )
        if as_json:
            # PostgreSQL wrote each claim's JSON; it is embedded as it is, never parsed.
            return self.get_paginated_response([orjson.Fragment(row["json"]) for row in page])
        return self.get_paginated_response(claim_representations([row["id"] for row in page]))

    def get_serializer_class(self):
        if self.action in {"create", "partial_update", "update"}:
            return ClaimWriteSerializer
        if self.action == "review":
            return ClaimReviewActionSerializer
        return ClaimSerializer

    def create_object(self, data):
        return services.claim_create(created_by=self.request.user, **data)

    def represent(self, claim) -> dict:
        """A written claim as the list shows it, from plain rows in three queries; re-reading it
        through the list's queryset took four, with model instances and prefetching. A claim
        deleted meanwhile (in the admin) is answered as it was written."""
        rows = claim_representations([claim.pk])
        return rows[0] if rows else super().represent(claim)

    def update_object(self, instance, data):
        return services.claim_update(claim=instance, updated_by=self.request.user, **data)

    @extend_schema(request=ClaimReviewActionSerializer, responses={200: ClaimSerializer})
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        """Move the claim through review: submit (annotators), publish, reject, reopen (editors)."""
        claim = self.get_object()
        serializer = ClaimReviewActionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        review_action = serializer.validated_data["action"]
        needed = "claims.change_claim" if review_action == "submit" else "claims.review_claim"
        if not request.user.has_perm(needed):
            raise PermissionDenied(
                "Only editors may publish, reject or reopen claims."
                if review_action != "submit"
                else "Only annotators and editors may submit claims for review."
            )
        claim = services.claim_review(claim=claim, action=review_action, reviewed_by=request.user)
        return Response(self.represent(claim))


class ForecastViewSet(
    PageStatementMixin,
    WriteThroughServiceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Forecasts, filterable by status, claimant, subject, topic, source, dates and probability."""

    queryset = Forecast.objects.none()
    read_serializer_class = ForecastSerializer
    permission_classes = [PublicReadRoleWrite]
    filterset_class = ForecastFilter
    search_fields = ["outcome", "claim__statement", "likelihood_phrase"]
    search_vector = True
    ordering_fields = ["resolve_by", "made_on", "probability", "id", "modified_at"]
    # As on claims: the generic plan was as fast as each claimant's own, from 1 forecast to
    # 49,637, for every status (each status is a statement of its own).
    plan_stable_filters = frozenset({"claimant", "status"})
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.forecast_list(user=self.request.user)

    @property
    def ordering(self):
        """resolve_by, then id, when the client names no ordering. Open forecasts by OpenUntil,
        the same order on PostgreSQL (nulls last), which their indexes hold."""
        request = getattr(self, "request", None)
        if request is not None and request.query_params.get("status") == Forecast.Status.OPEN:
            return [OpenUntil().asc(), "id"]
        return ["resolve_by", "id"]

    def list(self, request, *args, **kwargs):
        """A page is found on the forecasts' keys, with their JSON on PostgreSQL (as claims)."""
        today = timezone.localdate()
        as_json = isinstance(request.accepted_renderer, ORJSONRenderer) and selectors.json_rows_available()
        rows = selectors.forecast_page_rows(user=request.user, with_json=as_json, today=today)
        unpublished = selectors.can_see_unpublished(request.user)
        page = self.filter_and_paginate(rows, rows_key=(unpublished, as_json, today))
        if as_json:
            return self.get_paginated_response([orjson.Fragment(row["json"]) for row in page])
        return self.get_paginated_response(forecast_representations([row["id"] for row in page], today=today))

    def get_serializer_class(self):
        if self.action == "create":
            return ForecastWriteSerializer
        if self.action in {"partial_update", "update"}:
            return ForecastUpdateSerializer
        return ForecastSerializer

    def create_object(self, data):
        return services.forecast_create(created_by=self.request.user, **data)

    def update_object(self, instance, data):
        return services.forecast_update(forecast=instance, updated_by=self.request.user, **data)


class ForecastVerificationsView(generics.ListCreateAPIView):
    """A forecast's verdicts, newest first. Fact-checkers add one; none is ever changed."""

    queryset = Verification.objects.none()
    permission_classes = [PublicReadRoleWrite]
    filter_backends = [FilterBackend]
    filterset_class = VerificationFilter

    def get_forecast(self) -> Forecast:
        return get_object_or_404(selectors.forecast_list(user=self.request.user), pk=self.kwargs["pk"])

    def get_queryset(self):
        return selectors.verification_list(user=self.request.user, forecast=self.get_forecast())

    def get_serializer_class(self):
        return VerificationWriteSerializer if self.request.method == "POST" else VerificationSerializer

    @extend_schema(request=VerificationWriteSerializer, responses={201: VerificationSerializer})
    def post(self, request, *args, **kwargs):
        forecast = self.get_forecast()
        serializer = VerificationWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        verification = services.verification_create(
            forecast=forecast, created_by=request.user, **serializer.validated_data
        )
        return Response(VerificationSerializer(verification).data, status=status.HTTP_201_CREATED)
