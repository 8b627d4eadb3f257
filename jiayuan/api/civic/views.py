"""The civic API: residents' suggestions (金点子).

Thin views over the selectors and services of the staff pages
(jiayuan.civic.suggestions): the permission and scope checks (403 / 404, both
audited) and the entry of a suggestion (its audit entry) happen there."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jiayuan.api.care.common import PAGE_PARAMS, page_of, paged, read_query
from jiayuan.api.civic import serializers as s
from jiayuan.api.schema import ERRORS, WRITE_ERRORS
from jiayuan.civic.suggestions import selectors, services
from jiayuan.civic.suggestions.forms import SuggestionForm
from jiayuan.core.access import require
from jiayuan.core.roles import Perm
from jiayuan.registry.selectors import people_for

TAG = "civic"
SUGGESTION_EXAMPLE = {
    "id": 12, "ref": "JD-2026-0012", "title": "楼道里装个扶手", "category": "accessibility",
    "source": "staff", "status": {"id": 1, "name": "已收到", "stage": "received"},
    "grid": {"id": 2, "label": "A01 第一网格"}, "received_at": "2026-12-07T10:00:00+08:00",
    "supporters": 1, "merged_into": None, "project": None, "response_overdue": False,
}
SUGGESTION_DETAIL_EXAMPLE = {
    **SUGGESTION_EXAMPLE, "body": "3号楼楼道里装个扶手，老人上下楼方便。", "meeting": None,
    "person": {"id": 7, "name": "王秀英"}, "contact_name": "", "contact_phone": "",
    "public_reason": "", "response_due": "2026-12-14T10:00:00+08:00", "responded_at": None,
    "merged": [], "changes": [], "version": 1,
}


def _detail(actor: Any, pk: Any) -> dict[str, Any]:
    found = selectors.get_suggestion_for(actor, pk)
    return s.suggestion_detail_data(found, selectors.changes_of(found),
                                    list(found.merged.order_by("pk")))


def _form_errors(form: Any) -> serializers.ValidationError:
    return serializers.ValidationError({
        ("non_field_errors" if k == "__all__" else k): [str(m) for m in v]
        for k, v in form.errors.items()})


class SuggestionListView(APIView):
    @extend_schema(
        operation_id="suggestions_list", summary="Suggestions in scope", tags=[TAG],
        description="As the suggestion list: the account's grids (and, for a community-"
        "wide account, the community-wide ones), newest first.",
        parameters=[
            OpenApiParameter("stage", str, enum=list(s.Stage.values),
                             description="Only suggestions whose status means this stage."),
            OpenApiParameter("source", str, enum=list(s.SuggestionSource.values),
                             description="Only from this source."),
            OpenApiParameter("q", str, description="In the title or text, or the reference."),
            OpenApiParameter("open", bool, description="Only open ones (received or being "
                             "discussed, not merged)."),
            *PAGE_PARAMS],
        responses={200: page_of("SuggestionPage", s.Suggestion()), 400: WRITE_ERRORS[400],
                   **ERRORS},
        examples=[OpenApiExample("A page of suggestions", response_only=True, value={
            "count": 1, "next": None, "previous": None, "results": [SUGGESTION_EXAMPLE]})])
    def get(self, request: Request) -> Response:
        user = require(request.user, Perm.VIEW_CIVIC)
        query = read_query(request, s.SuggestionQuery)
        qs = selectors.suggestion_list(
            user, stage=query.get("stage", ""), source=query.get("source", ""),
            q=query.get("q", "").strip(), open_only=bool(query.get("open")))
        return paged(self, request, qs, lambda rows: [s.suggestion_data(x) for x in rows])

    @extend_schema(
        operation_id="suggestions_create", summary="Enter a suggestion", tags=[TAG],
        description="As the staff form: for a resident in scope (their grid is used), "
        "raised at a meeting of the account's, or for a grid. Recorded in the audit log.",
        request=s.SuggestionCreate,
        responses={201: s.SuggestionDetail, **WRITE_ERRORS},
        examples=[OpenApiExample("For a resident", request_only=True, value={
            "person": 7, "category": "accessibility", "title": "楼道里装个扶手",
            "body": "3号楼楼道里装个扶手，老人上下楼方便。"}),
            OpenApiExample("Entered", response_only=True, status_codes=["201"],
                           value=SUGGESTION_DETAIL_EXAMPLE)])
    def post(self, request: Request) -> Response:
        user = require(request.user, Perm.HANDLE_SUGGESTIONS)  # as the form
        body = s.SuggestionCreate(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        form = SuggestionForm({k: "" if v is None else v for k, v in data.items()}, actor=user)
        if not form.is_valid():
            raise _form_errors(form)
        d = form.cleaned_data
        # As the page: the resident is looked up among the account's people.
        person = people_for(user).filter(pk=d["person"]).first() if d.get("person") else None
        if d.get("person") and person is None:
            raise serializers.ValidationError({"person": [_(
                "That resident is not in your grids. Choose them again from the search.")]})
        created = services.suggestion_create(
            actor=user, title=d["title"], body=d["body"], category=d["category"],
            person=person, meeting=d.get("meeting"),
            grid=None if person else d.get("grid"),
            received_at=services.received_at_on(d.get("received_on")))
        return Response(_detail(user, created.pk), status=201)


class SuggestionDetailView(APIView):
    @extend_schema(
        operation_id="suggestions_retrieve", summary="One suggestion", tags=[TAG],
        description="As the suggestion page: its status changes with their public "
        "reasons, the resident's name, the contact phone masked.",
        responses={200: s.SuggestionDetail, **ERRORS},
        examples=[OpenApiExample("A suggestion", response_only=True,
                                 value=SUGGESTION_DETAIL_EXAMPLE)])
    def get(self, request: Request, pk: str) -> Response:
        return Response(_detail(request.user, pk))
