"""Shared pieces of the OpenAPI description: the one error shape and the
responses every endpoint may give besides its own."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, inline_serializer
from rest_framework import serializers

ErrorBody = inline_serializer("ApiError", fields={
    "error": inline_serializer("ApiErrorDetail", fields={
        "status": serializers.IntegerField(),
        "code": serializers.CharField(),
        "message": serializers.CharField(),
        "fields": serializers.DictField(child=serializers.ListField(
            child=serializers.CharField()), required=False),
    }),
})


def _error(description: str, status: int, code: str, message: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorBody, description=description, examples=[OpenApiExample(
        code, value={"error": {"status": status, "code": code, "message": message}},
        response_only=True, status_codes=[str(status)])])


BAD_REQUEST = _error("The request is not valid; `fields` names what to correct.", 400,
                     "invalid", "Some fields need correcting.")
UNAUTHENTICATED = _error("No token, or a token that is not valid or was revoked.", 401,
                         "not_authenticated", "Authentication credentials were not provided.")
FORBIDDEN = _error("The account lacks the permission, or the token may only read.", 403,
                   "forbidden", "You do not have permission to do this.")
NOT_FOUND = _error("Not found, or outside the account's scope (the two look the same).", 404,
                   "not_found", "Not found.")
CONFLICT = _error("Someone saved the record since the version you sent.", 409,
                  "conflict", "Someone else changed this record.")
THROTTLED = _error("Too many requests for this token; retry after the Retry-After header.",
                   429, "throttled", "Request was throttled.")

# For @extend_schema(responses={200: X, **ERRORS}) on reads; add 400/409 on writes.
ERRORS = {401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND, 429: THROTTLED}
WRITE_ERRORS = {400: BAD_REQUEST, **ERRORS, 409: CONFLICT}
