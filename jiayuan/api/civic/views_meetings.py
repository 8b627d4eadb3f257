"""The civic API: meetings and their decisions.

Thin views over jiayuan.civic.meetings.selectors (the pages' scope rule:
403 / 404, both audited; the list's tabs; the meeting page's decisions)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jiayuan.api.care.common import PAGE_PARAMS, page_of, paged, read_query
from jiayuan.api.civic import serializers_meetings as s
from jiayuan.api.schema import ERRORS, WRITE_ERRORS
from jiayuan.civic.meetings import selectors
from jiayuan.core.access import require
from jiayuan.core.roles import Perm

TAG = "civic"
MEETING_EXAMPLE = {
    "id": 8, "ref": "YS-2026-008", "kind": "council", "title": "加装电梯议事会",
    "status": "held", "starts_at": "2026-11-20T19:00:00+08:00", "ends_at": None,
    "place": "社区活动室", "grid": {"id": 2, "label": "A01 第一网格"},
    "organiser": {"id": 1, "name": "陈书记"}, "partner": None, "invited": 12, "present": 9,
    "decisions_count": 1,
}
DECISION_EXAMPLE = {
    "id": 4, "number": 1, "text": "3号楼加装扶手，年底前完成。", "owner": {"id": 3, "name": "李网格"},
    "due": "2026-12-31", "status": "open", "done_on": None, "agenda_item": None,
    "case": {"ref": "FW-2026-0042", "id": None, "status": None},
    "project": {"id": 5, "ref": "XM-2026-005", "title": "3号楼加装扶手"}, "referral": None,
    "version": 1,
}


class MeetingListView(APIView):
    @extend_schema(
        operation_id="meetings_list", summary="Meetings in scope", tags=[TAG],
        description="As the meeting list's tabs: upcoming (default; soonest first), past "
        "(newest first) or mine (organised by the account).",
        parameters=[
            OpenApiParameter("tab", str, enum=["upcoming", "past", "mine"],
                             description="Which tab of the list."),
            OpenApiParameter("kind", str, description="Only meetings of this kind."),
            *PAGE_PARAMS],
        responses={200: page_of("MeetingPage", s.Meeting()), 400: WRITE_ERRORS[400],
                   **ERRORS},
        examples=[OpenApiExample("A page of meetings", response_only=True, value={
            "count": 1, "next": None, "previous": None, "results": [MEETING_EXAMPLE]})])
    def get(self, request: Request) -> Response:
        user = require(request.user, Perm.VIEW_CIVIC)
        query = read_query(request, s.MeetingQuery)
        qs = selectors.meeting_list(user, tab=query.get("tab", "upcoming"),
                                    kind=query.get("kind", ""))
        return paged(self, request, qs, lambda rows: [s.meeting_data(m) for m in rows])


class MeetingDetailView(APIView):
    @extend_schema(
        operation_id="meetings_retrieve", summary="One meeting with its decisions",
        tags=[TAG],
        description="As the meeting page: agenda, quorum and decisions; a desk request "
        "carrying a decision is named by its reference only, unless the account may "
        "open it.",
        responses={200: s.MeetingDetail, **ERRORS},
        examples=[OpenApiExample("A meeting", response_only=True, value={
            **MEETING_EXAMPLE, "agenda": [{"id": 2, "order": 0, "title": "加装扶手",
                                           "notes": ""}],
            "quorum": {"needed": 7, "present": 9, "invited": 12, "reached": True},
            "decisions": [DECISION_EXAMPLE], "version": 2})])
    def get(self, request: Request, pk: str) -> Response:
        user: Any = request.user
        meeting = selectors.get_meeting_for(user, pk)
        row = selectors.meeting_list(user, tab="").get(pk=meeting.pk)
        quorum = selectors.quorum_of(meeting)
        data = s.meeting_data(row)
        data.update(
            agenda=[{"id": a.pk, "order": a.order, "title": a.title, "notes": a.notes}
                    for a in meeting.agenda.all()],
            quorum={"needed": quorum.needed, "present": quorum.present,
                    "invited": quorum.invited, "reached": quorum.reached},
            decisions=[s.decision_data(user, d) for d in selectors.decisions_of(meeting)],
            version=meeting.version)
        return Response(data)
