"""`GET /api/v1/me/`: who the token (or session) acts as, and what it may do."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jiayuan.api.models import ApiToken
from jiayuan.core import scope
from jiayuan.core.roles import PERMISSIONS


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()
    role = serializers.CharField()
    permissions = serializers.ListField(child=serializers.CharField())
    grids = serializers.ListField(child=serializers.IntegerField(), allow_null=True,
                                  help_text="Grid ids in scope; null means the whole community.")
    token = serializers.DictField(allow_null=True)
    now = serializers.DateTimeField()


class MeView(APIView):
    @extend_schema(
        operation_id="me", summary="The account a token acts as", tags=["account"],
        responses=MeSerializer,
        examples=[OpenApiExample("A grid worker", value={
            "username": "gridworker", "name": "李网格", "role": "gridworker",
            "permissions": ["view_registry", "reveal_phone"], "grids": [2],
            "token": {"name": "phone app", "prefix": "3f9a1c2b", "read_only": True},
            "now": "2026-12-07T10:00:00+08:00"})])
    def get(self, request: Request) -> Response:
        user = request.user
        grids = scope.grid_ids(user)
        token = request.auth if isinstance(request.auth, ApiToken) else None
        data = {
            "username": user.username, "name": user.display_name, "role": user.role,
            "permissions": sorted(str(p) for p in PERMISSIONS.get(user.role, ())),
            "grids": sorted(grids) if grids is not None else None,
            "token": ({"name": token.name, "prefix": token.prefix,
                       "read_only": token.read_only} if token else None),
            "now": timezone.now(),
        }
        return Response(MeSerializer(data).data)
