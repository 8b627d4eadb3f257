"""Lists in the API: one page class (limit/offset, at most 1000 rows a call, as
FixMyStreet's Open311 does), one way to answer a page, and its description for
the schema (a list endpoint answers {count, next, previous, results})."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class Pages(LimitOffsetPagination):
    default_limit = 50
    max_limit = 1000


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


def page_of(name: str, item: serializers.Serializer) -> serializers.Serializer:
    """A serializer describing one page of `item` rows (for the schema)."""
    return inline_serializer(name, fields={
        "count": serializers.IntegerField(),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": item.__class__(many=True),
    })
