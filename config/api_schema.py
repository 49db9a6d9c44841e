"""The OpenAPI contract: every operation documents its error responses and conditional headers."""

from drf_spectacular.authentication import SessionScheme as SpectacularSessionScheme
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers


class SessionScheme(SpectacularSessionScheme):
    """The project's session authentication (config.api), described as DRF's: a cookie."""

    target_class = "config.api.SessionAuthentication"


class ErrorSerializer(serializers.Serializer):
    """The body of every error response."""

    status = serializers.IntegerField(help_text="The HTTP status code, repeated.")
    code = serializers.CharField(help_text="A machine-readable code, e.g. invalid, not_found, throttled.")
    message = serializers.CharField(help_text="What went wrong and what to do, as sentences.")
    errors = serializers.DictField(
        required=False, help_text="Field-by-field messages when the request body or query was invalid."
    )


_ERROR_DESCRIPTIONS = {
    "400": "The request is invalid: a field, filter, page or cursor. `message` says which and why.",
    "401": "The token is missing where one is needed, invalid, expired or revoked.",
    "403": "The caller may not do this (the role lacks the permission, or the CSRF check failed).",
    "404": "No such row visible to the caller, or no such page.",
    "405": "This method is not allowed here.",
    "406": "The Accept header or ?format= asks for a representation the endpoint does not offer.",
    "409": "The change conflicts with stored data (a row still referred to, a uniqueness rule).",
    "412": "If-Match does not match the row's current ETag: someone changed it since you read it.",
    "413": "The request body is too large.",
    "415": "The request body's media type is not accepted.",
    "429": "Too many requests; `Retry-After` says how many seconds to wait.",
    "503": "The database is unavailable for a moment; nothing was changed. Try again.",
}
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema plus every operation's error responses and conditional-request headers."""

    def _is_detail(self) -> bool:
        return "{" in self.path and not self._is_list_view()

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self.method in {"PUT", "PATCH", "DELETE"} and self._is_detail():
            parameters.append(
                OpenApiParameter(
                    "If-Match",
                    str,
                    OpenApiParameter.HEADER,
                    description="The ETag you read. When the row has changed since, the write is "
                    "refused with 412 and nothing is stored. Optional: without it the write is applied.",
                )
            )
        if self.method == "GET" and self._is_detail():
            parameters.append(
                OpenApiParameter(
                    "If-None-Match",
                    str,
                    OpenApiParameter.HEADER,
                    description="An ETag you hold; 304 with no body when the row is unchanged.",
                )
            )
            parameters.append(
                OpenApiParameter(
                    "ETag",
                    str,
                    OpenApiParameter.HEADER,
                    response=[200, 304],
                    description="The representation's version; send it back in If-Match or If-None-Match.",
                )
            )
        return parameters

    def _error_codes(self) -> list[str]:
        codes = ["400", "401", "404", "405", "406", "429", "503"]
        if self.method in _UNSAFE:
            codes += ["403", "409", "413", "415"]
        if self.method in {"PUT", "PATCH", "DELETE"} and self._is_detail():
            codes.append("412")
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        error = self.resolve_serializer(ErrorSerializer, "response").ref
        for code in self._error_codes():
            responses.setdefault(
                code,
                {
                    "content": {"application/json": {"schema": error}},
                    "description": _ERROR_DESCRIPTIONS[code],
                },
            )
        if self.method == "GET" and self._is_detail():
            responses.setdefault("304", {"description": "Not modified: the If-None-Match ETag is current."})
            headers = self._get_response_headers_for_code("304")
            if headers:
                responses["304"]["headers"] = headers
        return responses
