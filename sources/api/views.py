"""API views for sources and passages."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from claims.selectors import claim_list, json_rows_available
from config.api_views import WriteThroughServiceMixin
from sources import selectors, services
from sources.api.serializers import (
    PassageCreateSerializer,
    PassageSerializer,
    SourceDetailSerializer,
    SourceListSerializer,
    SourceWriteSerializer,
)
from sources.filters import PassageFilter, SourceFilter
from sources.models import Passage, Source
from sources.permissions import PublicReadRoleWrite
from sources.webannotation import passage_annotation


class SourceViewSet(
    WriteThroughServiceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Sources: public reads (text on detail only), writes for editors."""

    queryset = Source.objects.none()
    permission_classes = [PublicReadRoleWrite]
    filterset_class = SourceFilter
    search_fields = ["title", "publisher", "text"]
    search_vector = True
    ordering_fields = ["published_on", "title", "id", "modified_at"]
    ordering = ["-published_on", "id"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    read_serializer_class = SourceDetailSerializer
    # The ETag hashes the text by its SHA-256, which the detail also carries.
    etag_digests = {"text": "text_sha256"}

    def get_queryset(self):
        if self.action == "list":
            return selectors.source_list()
        return selectors.source_detail()

    def get_serializer_class(self):
        if self.action in {"create", "partial_update", "update"}:
            return SourceWriteSerializer
        return SourceListSerializer if self.action == "list" else SourceDetailSerializer

    def retrieve(self, request, *args, **kwargs):
        """On PostgreSQL the representation comes from sources.selectors.source_representation,
        in one statement; elsewhere from the serializer. Both say 404 the same way."""
        if not json_rows_available():
            return super().retrieve(request, *args, **kwargs)
        data = selectors.source_representation(self.kwargs[self.lookup_url_kwarg or self.lookup_field])
        if data is None:
            raise Http404(f"No {Source._meta.object_name} matches the given query.")
        return Response(data)

    def create_object(self, data):
        data.pop("reason", None)
        return services.source_create(created_by=self.request.user, **data)

    def update_object(self, instance, data):
        return services.source_update(source=instance, updated_by=self.request.user, **data)


class PassageViewSet(
    WriteThroughServiceMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Passages: spans of a source's text. The server's text decides whether a quote matches."""

    queryset = Passage.objects.none()
    permission_classes = [PublicReadRoleWrite]
    filterset_class = PassageFilter
    search_fields = ["exact"]
    search_vector = True
    ordering_fields = ["id", "start", "modified_at"]
    ordering = ["source", "start", "end", "id"]
    read_serializer_class = PassageSerializer

    def get_queryset(self):
        return selectors.passage_list(user=self.request.user)

    def get_serializer_class(self):
        return PassageCreateSerializer if self.action == "create" else PassageSerializer

    def create_object(self, data):
        source = get_object_or_404(Source, pk=data["source"].pk)
        return services.passage_create(
            source=source,
            start=data["start"],
            end=data["end"],
            exact=data["exact"],
            offsets_in_utf16=data["offsets"] == "utf16",
            created_by=self.request.user,
        )

    @extend_schema(responses={200: {"type": "object", "description": "W3C Web Annotation (JSON-LD)"}})
    @action(detail=True, methods=["get"], url_path="annotation")
    def annotation(self, request, pk=None):
        """The passage as a W3C Web Annotation (JSON-LD)."""
        passage = self.get_object()
        claims = claim_list(user=request.user).filter(passage=passage).order_by("id")
        return Response(
            passage_annotation(passage, request=request, claims=list(claims)),
            content_type="application/ld+json",
        )
