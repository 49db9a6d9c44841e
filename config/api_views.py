"""A viewset mixin that routes writes through services and answers with the read shape."""

from rest_framework import status
from rest_framework.response import Response


class WriteThroughServiceMixin:
    """Validate with the write serializer, write with a service, answer with the read serializer.

    Views define create_object(data) and update_object(instance, data), which call
    services; serializers never save.
    """

    read_serializer_class = None

    def _read(self, instance):
        serializer = self.read_serializer_class(instance, context=self.get_serializer_context())
        return serializer.data

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        instance = self.create_object(dict(serializer.validated_data))
        instance = self._refetch(instance)
        return Response(self._read(instance), status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        instance = self.update_object(instance, dict(serializer.validated_data))
        return Response(self._read(self._refetch(instance)))

    def _refetch(self, instance):
        # Re-read through the view's queryset so the response has its annotations;
        # fall back to the instance when the caller may not see it in lists (e.g. a draft).
        return self.get_queryset().filter(pk=instance.pk).first() or instance
