"""Viewset mixins: conditional requests (ETag, If-None-Match, If-Match) and writes through services."""

import hashlib
from collections.abc import Mapping

import orjson
from django.db import transaction
from drf_orjson_renderer.renderers import ORJSONRenderer
from rest_framework import status
from rest_framework.response import Response

from config.api import PreconditionFailed

_CANONICAL = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS


def representation_etag(data, variant: str = "", digests: Mapping[str, str] | None = None) -> str:
    """A strong ETag: a hash of the representation as the client receives it (keys sorted, so
    the tag depends on the content, not on the order a serializer happened to write it in).

    `digests` names fields that the representation also carries a stored digest of, e.g.
    {"text": "text_sha256"} for a source: such a field is hashed by its digest, not by its
    value. A source's 32 KB text was most of what its ETag hashed (29 of 39 µs of CPU at a
    million claims); its text_sha256 changes whenever the text does (the services write both).
    """
    if digests and isinstance(data, dict):
        data = {
            **data,
            **{field: data[digest] for field, digest in digests.items() if field in data and digest in data},
        }
    raw = orjson.dumps(data, default=ORJSONRenderer.default, option=_CANONICAL)
    digest = hashlib.sha256(variant.encode() + b"\n" + raw).hexdigest()
    return f'"{digest[:40]}"'


def _etag_list(header: str) -> list[str]:
    return [tag.strip() for tag in header.split(",") if tag.strip()]


class ConditionalRequestMixin:
    """ETag on every detail GET, 304 for a current If-None-Match, 412 for a stale If-Match.

    The ETag hashes the JSON representation, so it changes whenever anything the client
    sees changes (a renamed claimant included), not only the row's own columns. A view whose
    representation carries a stored digest of a large field names it in `etag_digests` (see
    representation_etag).
    """

    etag_digests: Mapping[str, str] = {}

    def etag(self, data, variant: str) -> str:
        return representation_etag(data, variant, self.etag_digests)

    def _is_detail_request(self) -> bool:
        lookup = getattr(self, "lookup_url_kwarg", None) or getattr(self, "lookup_field", "pk")
        return lookup in getattr(self, "kwargs", {})

    def filter_queryset(self, queryset):
        """List filters, search and ordering apply to lists only: a detail is found by its id.

        DRF runs every filter backend in get_object() too, which builds and validates the list's
        whole FilterSet form on each detail request (about 1 ms) for no effect on the answer.
        """
        if self._is_detail_request():
            return queryset
        return super().filter_queryset(queryset)

    def _etag_for(self, data) -> str:
        renderer = getattr(self.request, "accepted_renderer", None)
        return self.etag(data, getattr(renderer, "format", ""))

    def finalize_response(self, request, response, *args, **kwargs):
        if (
            request.method in ("GET", "HEAD")
            and response.status_code == status.HTTP_200_OK
            and self._is_detail_request()
            and isinstance(getattr(response, "data", None), dict | list)
        ):
            etag = self._etag_for(response.data)
            held = _etag_list(request.META.get("HTTP_IF_NONE_MATCH", ""))
            if etag in held or "*" in held:
                response = Response(status=status.HTTP_304_NOT_MODIFIED)
            response["ETag"] = etag
        return super().finalize_response(request, response, *args, **kwargs)

    def check_if_match(self, instance, representation) -> None:
        """Refuse the write with 412 when If-Match names an ETag other than the current one."""
        header = self.request.headers.get("If-Match")
        if header is None:
            return
        tags = _etag_list(header)
        if "*" in tags:
            return
        current = self.etag(representation, "json")
        if current not in tags:
            name = instance._meta.verbose_name
            raise PreconditionFailed(
                f"This {name} has changed since you read it: its ETag is now {current}, not "
                f"{header.strip()}. Nothing was stored. Fetch it again, reapply your change, "
                "and send the new ETag in If-Match."
            )

    def _lock(self, instance):
        # Lock the bare row (annotated querysets cannot be locked on PostgreSQL), then re-read
        # it through the view, so no other write slips in between the check and this write.
        type(instance).objects.select_for_update().filter(pk=instance.pk).values_list("pk").first()
        return self.get_object()


class WriteThroughServiceMixin(ConditionalRequestMixin):
    """Validate with the write serializer, write with a service, answer with the read serializer.

    Views define create_object(data) and update_object(instance, data), which call
    services; serializers never save. Updates honour If-Match (412 when stale).
    """

    read_serializer_class = None

    def _read(self, instance):
        serializer = self.read_serializer_class(instance, context=self.get_serializer_context())
        return serializer.data

    def represent(self, instance) -> dict:
        """The written row as a read answers it: re-read through the view's queryset and
        serialized. Views with a faster representation of one row override this."""
        return self._read(self._refetch(instance))

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        instance = self.create_object(dict(serializer.validated_data))
        data = self.represent(instance)
        return Response(data, status=status.HTTP_201_CREATED, headers={"ETag": self.etag(data, "json")})

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        with transaction.atomic():
            instance = self.get_object()
            if request.headers.get("If-Match") is not None:
                instance = self._lock(instance)
                self.check_if_match(instance, self._read(instance))
            serializer = self.get_serializer(instance, data=request.data, partial=partial)
            serializer.is_valid(raise_exception=True)
            instance = self.update_object(instance, dict(serializer.validated_data))
        data = self.represent(instance)
        return Response(data, headers={"ETag": self.etag(data, "json")})

    def _refetch(self, instance):
        # Re-read through the view's queryset so the response has its annotations;
        # fall back to the instance when the caller may not see it in lists (e.g. a draft).
        return self.get_queryset().filter(pk=instance.pk).first() or instance
