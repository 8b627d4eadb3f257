"""The engage API: activities with their sessions, and volunteers.

Thin views over jiayuan.engage.*.selectors (the pages' scope rule: 403 / 404,
both audited; the lists' filters; the activity page's session counts)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jiayuan.api.care.common import PAGE_PARAMS, page_of, paged, read_query
from jiayuan.api.civic import serializers_engage as s
from jiayuan.api.schema import ERRORS, WRITE_ERRORS
from jiayuan.core.access import require
from jiayuan.core.roles import Perm
from jiayuan.engage.activities import selectors as activities
from jiayuan.engage.volunteers import selectors as volunteers

TAG = "engage"
ACTIVITY_EXAMPLE = {
    "id": 6, "ref": "HD-2026-006", "kind": "themed", "title": "重阳节包饺子",
    "grid": None, "published": True, "sessions_count": 1, "confirmed": 18,
}
VOLUNTEER_EXAMPLE = {
    "id": 21, "name": "赵大妈", "staff": False, "status": "active", "roles": ["service"],
    "grid": {"id": 2, "label": "A01 第一网格"}, "year_hours": "56.50", "tier": "silver",
}


class ActivityListView(APIView):
    @extend_schema(
        operation_id="activities_list", summary="Activities in scope", tags=[TAG],
        parameters=[
            OpenApiParameter("kind", str, description="Only activities of this kind."),
            OpenApiParameter("q", str, description="In the title."),
            OpenApiParameter("upcoming", bool, description="Only with a session still to "
                             "come."),
            *PAGE_PARAMS],
        responses={200: page_of("ActivityPage", s.Activity()), 400: WRITE_ERRORS[400],
                   **ERRORS},
        examples=[OpenApiExample("A page of activities", response_only=True, value={
            "count": 1, "next": None, "previous": None, "results": [ACTIVITY_EXAMPLE]})])
    def get(self, request: Request) -> Response:
        user = require(request.user, Perm.VIEW_ENGAGE)
        query = read_query(request, s.ActivityQuery)
        qs = activities.activity_list(user, kind=query.get("kind", ""),
                                      q=query.get("q", "").strip(),
                                      upcoming=bool(query.get("upcoming")))
        return paged(self, request, qs, lambda rows: [s.activity_data(a) for a in rows])


class ActivityDetailView(APIView):
    @extend_schema(
        operation_id="activities_retrieve", summary="One activity with its sessions",
        tags=[TAG],
        description="As the activity page: each session with its places and counts "
        "(confirmed, waiting, came); who signed up is not part of it.",
        responses={200: s.ActivityDetail, **ERRORS},
        examples=[OpenApiExample("An activity", response_only=True, value={
            **ACTIVITY_EXAMPLE, "description": "社区活动室，自带围裙。", "edition": None,
            "organiser": {"id": 4, "name": "孙社工"}, "version": 1,
            "sessions": [{"id": 9, "starts_at": "2026-10-29T09:00:00+08:00",
                          "ends_at": "2026-10-29T11:00:00+08:00", "place": "社区活动室",
                          "capacity": 20, "cancelled": False, "confirmed": 18,
                          "waiting": 2, "attended": 0}]})])
    def get(self, request: Request, pk: str) -> Response:
        user: Any = request.user
        found = activities.get_activity_for(user, pk)
        row = activities.activity_list(user).get(pk=found.pk)
        row.organiser = found.organiser
        return Response(s.activity_detail_data(row, activities.sessions_with_counts(found)))


class VolunteerListView(APIView):
    @extend_schema(
        operation_id="volunteers_list", summary="Volunteers in scope", tags=[TAG],
        description="As the volunteer list: most hours this year first. No search by "
        "name here: the page keeps names out of addresses, and so does the API.",
        parameters=[
            OpenApiParameter("role", str, description="Only volunteers with this role."),
            OpenApiParameter("status", str, description="Only with this status."),
            *PAGE_PARAMS],
        responses={200: page_of("VolunteerPage", s.Volunteer()), 400: WRITE_ERRORS[400],
                   **ERRORS},
        examples=[OpenApiExample("A page of volunteers", response_only=True, value={
            "count": 1, "next": None, "previous": None, "results": [VOLUNTEER_EXAMPLE]})])
    def get(self, request: Request) -> Response:
        user = require(request.user, Perm.VIEW_ENGAGE)
        query = read_query(request, s.VolunteerQuery)
        qs = volunteers.volunteer_list(user, year=timezone.localdate().year,
                                       role=query.get("role", ""),
                                       status=query.get("status", ""))
        return paged(self, request, qs, lambda rows: [s.volunteer_data(v) for v in rows])
