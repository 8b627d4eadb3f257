"""The civic API: improvement projects and the wall chart's data.

Thin views over jiayuan.civic.projects.selectors (the pages' scope rule:
403 / 404, both audited; the list's filters; what the project page shows)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jiayuan.api.care.common import PAGE_PARAMS, page_of, paged, read_query
from jiayuan.api.civic import serializers_projects as s
from jiayuan.api.schema import ERRORS, WRITE_ERRORS
from jiayuan.civic.projects import selectors
from jiayuan.core.access import get_in_scope, require
from jiayuan.core.roles import Perm
from jiayuan.core.scope import grids_for

TAG = "civic"
PROJECT_EXAMPLE = {
    "id": 5, "ref": "XM-2026-005", "title": "3号楼加装扶手", "category": "accessibility",
    "source": "suggestion", "status": "active", "progress": 40, "health": "on_track",
    "starts_on": "2026-10-01", "ends_on": "2026-12-31", "done_on": None, "public": True,
    "owner": {"id": 3, "name": "李网格"}, "grids": [{"id": 2, "label": "A01 第一网格"}],
    "parent": None,
    "milestones": [{"id": 11, "order": 0, "title": "选定供应商", "planned_on": "2026-10-20",
                    "done_on": "2026-10-18"},
                   {"id": 12, "order": 1, "title": "安装完成", "planned_on": "2026-12-20",
                    "done_on": None}],
}


class ProjectListView(APIView):
    @extend_schema(
        operation_id="projects_list", summary="Improvement projects in scope", tags=[TAG],
        description="As the project list, each with its milestones and its wall chart "
        "colour (health) today: the wall chart's data.",
        parameters=[
            OpenApiParameter("grid", int, description="Projects of this grid (a grid out of "
                             "scope is a 404)."),
            OpenApiParameter("category", str, description="Only this category."),
            OpenApiParameter("owner", int, description="Owned by this staff account."),
            OpenApiParameter("status", str, description="Only this status."),
            OpenApiParameter("year", int, description="Planned span touching this year."),
            OpenApiParameter("q", str, description="In the title or reference."),
            *PAGE_PARAMS],
        responses={200: page_of("ProjectPage", s.Project()), 400: WRITE_ERRORS[400],
                   **ERRORS},
        examples=[OpenApiExample("A page of projects", response_only=True, value={
            "count": 1, "next": None, "previous": None, "results": [PROJECT_EXAMPLE]})])
    def get(self, request: Request) -> Response:
        user = require(request.user, Perm.VIEW_CIVIC)
        query = read_query(request, s.ProjectQuery)
        grid = (get_in_scope(user, grids_for(user), query["grid"])
                if "grid" in query else None)
        qs = selectors.project_list(user, grid=grid, category=query.get("category", ""),
                                    owner=query.get("owner"), status=query.get("status", ""))
        if query.get("year"):
            qs = selectors.in_year(qs, query["year"])
        qs = selectors.search_filter(qs, query.get("q", ""))
        today = timezone.localdate()
        return paged(self, request, qs, lambda rows: [s.project_data(p, today) for p in rows])


class ProjectDetailView(APIView):
    @extend_schema(
        operation_id="projects_retrieve", summary="One project", tags=[TAG],
        description="As the project page: milestones, sub-projects, updates (a photo is "
        "served by the page only), the meeting decisions and suggestions it carries.",
        responses={200: s.ProjectDetail, **ERRORS},
        examples=[OpenApiExample("A project", response_only=True, value={
            **PROJECT_EXAMPLE, "description": "老人上下楼方便。", "department": None,
            "children": [], "updates": [{"id": 3, "created_at": "2026-11-02T09:00:00+08:00",
                                         "created_by": {"id": 3, "name": "李网格"},
                                         "text": "供应商已选定", "progress": 40,
                                         "has_photo": False}],
            "decisions": [], "suggestions": [{"id": 12, "ref": "JD-2026-0012",
                                              "title": "楼道里装个扶手"}],
            "can_edit": True, "version": 3})])
    def get(self, request: Request, pk: str) -> Response:
        user: Any = request.user
        project = selectors.get_project_for(user, pk)
        # As the page: the colour from the project with its milestones and children's.
        full = selectors.projects_for(user).select_related(
            "owner", "parent", "department").prefetch_related(
            "milestones", "children__milestones", "grids").get(pk=project.pk)
        page = selectors.project_page(user, project)
        return Response(s.project_detail_data(full, page, timezone.localdate()))
