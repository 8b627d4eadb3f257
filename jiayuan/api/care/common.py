"""Pieces the care, civic and engage API views share: pagination, query
filters read through a serializer (a bad value is a 400, never a 500), and
small nested shapes."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class Pages(LimitOffsetPagination):
    default_limit = 50
    max_limit = 1000


def read_query(request: Request, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
    """The list's filters from the query string, validated (400 on a bad one)."""
    data = {k: request.query_params.get(k) for k in request.query_params}
    found = serializer_class(data=data)
    found.is_valid(raise_exception=True)
    return dict(found.validated_data)


def paged(view: APIView, request: Request, rows: QuerySet[Any] | list[Any],
          to_data: Any) -> Response:
    """One page of `rows`; `to_data(list_of_objects)` gives their JSON."""
    pages = Pages()
    page = pages.paginate_queryset(rows, request, view=view)
    return pages.get_paginated_response(to_data(list(page or [])))


PAGE_PARAMS = [
    OpenApiParameter("limit", int, description="Rows per page (at most 1000)."),
    OpenApiParameter("offset", int, description="Rows to skip."),
]


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


def page_of(name: str, item: serializers.Serializer) -> serializers.Serializer:
    """A serializer describing one page of `item` rows (for the schema)."""
    from drf_spectacular.utils import inline_serializer

    return inline_serializer(name, fields={
        "count": serializers.IntegerField(),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": item.__class__(many=True),
    })
