"""`GET /api/v1/tokens/` (one's own tokens) and `DELETE /api/v1/tokens/{id}/`
(revoke one of one's own). Tokens are made only on the page, after a
confirmation (/account/api-tokens/): a token cannot make tokens."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jiayuan.api import tokens
from jiayuan.api.models import ApiToken
from jiayuan.api.pagination import PAGE_PARAMS, page_of, paged
from jiayuan.api.schema import ERRORS
from jiayuan.core.access import as_id


class TokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "read_only", "created_at", "last_used_at",
                  "revoked_at", "active"]
        read_only_fields = fields

    active = serializers.BooleanField(read_only=True)


_EXAMPLE = {"id": 7, "name": "phone app", "prefix": "3f9a1c2b", "read_only": True,
            "created_at": "2026-12-07T10:00:00+08:00",
            "last_used_at": "2026-12-07T10:05:00+08:00", "revoked_at": None, "active": True}




class TokenListView(APIView):
    @extend_schema(
        operation_id="tokens_list", summary="One's own API tokens", tags=["account"],
        responses={200: page_of("TokenPage", TokenSerializer()), **ERRORS},
        parameters=PAGE_PARAMS,
        examples=[OpenApiExample("A token", value=_EXAMPLE, response_only=True)])
    def get(self, request: Request) -> Response:
        return paged(self, request, tokens.tokens_of(request.user),
                     lambda rows: TokenSerializer(rows, many=True).data)


class TokenDetailView(APIView):
    @extend_schema(
        operation_id="tokens_revoke", summary="Revoke one of one's own tokens",
        tags=["account"], request=None,
        responses={200: TokenSerializer, **ERRORS},
        examples=[OpenApiExample("Revoked", response_only=True,
                                 value={**_EXAMPLE, "revoked_at": "2026-12-07T11:00:00+08:00",
                                        "active": False})])
    def delete(self, request: Request, pk: Any) -> Response:
        token_id = as_id(pk)
        if token_id is None:
            raise Http404
        try:
            token = tokens.revoke_token(request.user, token_id)
        except ValidationError:  # not one of the account's tokens: as if it did not exist
            raise Http404 from None
        return Response(TokenSerializer(token).data)
