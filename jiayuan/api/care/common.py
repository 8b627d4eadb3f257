"""Pieces the care, civic and engage API views share: query
filters read through a serializer (a bad value is a 400, never a 500), and
small nested shapes."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.request import Request

from jiayuan.api.pagination import PAGE_PARAMS, Pages, page_of, paged  # noqa: F401 (re-exported)


def read_query(request: Request, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
    """The list's filters from the query string, validated (400 on a bad one)."""
    data = {k: request.query_params.get(k) for k in request.query_params}
    found = serializer_class(data=data)
    found.is_valid(raise_exception=True)
    return dict(found.validated_data)






class Ref(serializers.Serializer):
    """Another record named by id and label."""

    id = serializers.IntegerField()
    label = serializers.CharField()


class StaffRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


def staff(user: Any) -> dict[str, Any] | None:
    return {"id": user.pk, "name": user.display_name} if user is not None else None


def grid(g: Any) -> dict[str, Any] | None:
    return {"id": g.pk, "label": f"{g.code} {g.name}"} if g is not None else None


