"""The desk's staff API: the catalogue, cases and their transitions.

Thin views over the pages' own selectors and services (jiayuan.desk): the
permission and scope come from selectors.get_case_for / cases_for, every rule
and audit entry from services.case_create and services.transition.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jiayuan.api.desk import serializers as s
from jiayuan.api.pagination import Pages
from jiayuan.api.schema import ERRORS, WRITE_ERRORS
from jiayuan.core.access import as_id, require
from jiayuan.core.models import User
from jiayuan.core.roles import Perm
from jiayuan.desk import selectors, services, workflow
from jiayuan.desk.cases.forms import clean_phone, workers
from jiayuan.desk.choices import Status
from jiayuan.desk.models import Case, ServiceItem
from jiayuan.registry.selectors import people_for

CASE_EXAMPLE = {
    "id": 12, "ref": "ZJJ-2026-00012",
    "service": {"id": 3, "code": "job-seeking", "name": "求职登记"},
    "status": "in_progress", "priority": "normal", "summary": "想找保洁工作",
    "owner": {"id": 4, "name": "王社工"}, "household_id": 7,
    "opened_at": "2026-12-01T09:00:00+08:00", "response_due": "2026-12-02T09:00:00+08:00",
    "due": "2026-12-16T09:00:00+08:00", "updated_at": "2026-12-01T10:00:00+08:00",
    "version": 3, "channel": "walk_in", "details": "",
    "requester": {"name": "张三", "person_id": 21, "household_id": 7, "caller_phone": ""},
    "needs_onsite": False, "onsite_at": None, "acknowledged_at": "2026-12-01T10:00:00+08:00",
    "resolved_at": None, "closed_at": None, "outcome": "", "outcome_quantity": None,
    "outcome_note": "", "duplicate_of": None, "is_repeat": False, "follow_ups": [],
    "transitions": [{"action": "wait_department", "label": "Wait on a department",
                     "needs": ["note"]},
                    {"action": "resolve", "label": "Resolve",
                     "needs": ["outcome", "outcome_quantity", "outcome_note"]}],
}


def actions_for(user: Any, case: Case) -> list[workflow.Action]:
    """The buttons the case page offers this account (none without work_cases)."""
    return workflow.buttons(case.status) if user.has(Perm.WORK_CASES) else []


def case_response(user: Any, case: Case, status: int = 200) -> Response:
    case = selectors.get_case_for(user, case.pk)
    return Response(s.case_data(case, actions_for(user, case)), status=status)


class ServiceList(APIView):
    @extend_schema(
        operation_id="services_list", summary="The catalogue's active services",
        tags=["desk"], responses={200: s.ServiceSerializer(many=True), **ERRORS},
        examples=[OpenApiExample("A service", response_only=True, value=[{
            "id": 3, "code": "job-seeking", "name": "求职登记", "category": "就业",
            "department": {"id": 2, "code": "hrss", "name": "人社所"},
            "response_hours": 24, "resolution_days": 15, "onsite_required": False}])])
    def get(self, request: Request) -> Response:
        # Whoever takes or reads requests (as the intake form's list of services).
        require(request.user, Perm.VIEW_CASES)
        items = ServiceItem.objects.filter(active=True).select_related(
            "category", "department")
        return Response([s.service_data(i) for i in items])


LIST_PARAMS = [
    OpenApiParameter("queue", OpenApiTypes.STR, enum=[q.code for q in selectors.QUEUES],
                     description="A desk queue (default: all)."),
    OpenApiParameter("status", OpenApiTypes.STR, enum=list(Status.values)),
    OpenApiParameter("service", OpenApiTypes.STR, description="A service's code."),
    OpenApiParameter("household", OpenApiTypes.INT),
    OpenApiParameter("updated_since", OpenApiTypes.DATETIME),
    OpenApiParameter("limit", OpenApiTypes.INT, description="At most 1000 (default 50)."),
    OpenApiParameter("offset", OpenApiTypes.INT),
]


def _filtered(user: User, params: Any) -> QuerySet[Case]:
    code = params.get("queue") or "all"
    if code not in selectors.QUEUE_CODES:
        raise ValidationError({"queue": _("Choose one of the desk's queues.")})
    cases = selectors.queue(user, code, timezone.now())
    status = params.get("status")
    if status:
        if status not in Status.values:
            raise ValidationError({"status": _("Choose a status.")})
        cases = cases.filter(status=status)
    if params.get("service"):
        cases = cases.filter(item__code=params["service"])
    if params.get("household"):
        household = as_id(params["household"])
        if household is None:
            raise ValidationError({"household": _("Give a household's number.")})
        cases = cases.filter(household_id=household)
    if params.get("updated_since"):
        try:
            since = parse_datetime(params["updated_since"])
        except ValueError:
            since = None
        if since is None:
            raise ValidationError({"updated_since": _("Give a date and time (ISO 8601).")})
        try:
            if timezone.is_naive(since):
                since = timezone.make_aware(since)
            # In UTC: 0001-01-01T00:00+14:00 lies before year 1 (an error here, a
            # 400), and PostgreSQL takes no offset beyond ±15:59 (+17:47 was a 500).
            since = since.astimezone(UTC)
        except (OverflowError, ValueError):
            raise ValidationError({"updated_since": _("Give a date and time (ISO 8601).")}) \
                from None
        cases = cases.filter(updated_at__gte=since)
    return cases


class CaseList(APIView):
    @extend_schema(
        operation_id="cases_list", summary="Cases in your scope", tags=["desk"],
        parameters=LIST_PARAMS, responses={200: s.CasePageSerializer,
                                           400: WRITE_ERRORS[400], **ERRORS},
        examples=[OpenApiExample("A page of cases", response_only=True, value={
            "count": 1, "next": None, "previous": None,
            "results": [{k: CASE_EXAMPLE[k] for k in s.CaseListSerializer().fields}]})])
    def get(self, request: Request) -> Response:
        user = require(request.user, Perm.VIEW_CASES)
        pager = Pages()
        page = pager.paginate_queryset(_filtered(user, request.query_params), request, self)
        return pager.get_paginated_response([s.case_list_data(c) for c in page or []])

    @extend_schema(
        operation_id="cases_create", summary="Take a request at the desk", tags=["desk"],
        request=s.CaseCreateSerializer, responses={201: s.CaseSerializer, **WRITE_ERRORS},
        examples=[OpenApiExample("A registered resident", request_only=True, value={
            "service": "job-seeking", "summary": "想找保洁工作", "person": 21,
            "channel": "walk_in"}),
            OpenApiExample("The new case", response_only=True, status_codes=["201"],
                           value=CASE_EXAMPLE)])
    def post(self, request: Request) -> Response:
        user = require(request.user, Perm.WORK_CASES)
        body = s.CaseCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        item = ServiceItem.objects.filter(code=data["service"]).first()
        if item is None:
            raise ValidationError({"service": _("No service with that code.")})
        person = None
        if data.get("person"):
            person = people_for(user).filter(pk=data["person"]).select_related(
                "household").first()
            if person is None:
                raise ValidationError({"person": _("That resident is not in your area.")})
        if "owner" not in data:
            owner: User | None = user
        elif data["owner"] is None:
            owner = None
        else:
            owner = workers(user).filter(pk=data["owner"]).first()
            if owner is None:
                raise ValidationError({"owner": _("Choose a worker of your community.")})
        try:
            phone = clean_phone(data["caller_phone"])
        except ValidationError as exc:  # the intake form's own message
            raise ValidationError({"caller_phone": exc.messages}) from exc
        case = services.case_create(
            actor=user, person=person, item=item, channel=data["channel"],
            summary=data["summary"], details=data["details"], priority=data["priority"],
            caller_name=data["caller_name"], caller_phone=phone,
            needs_onsite=data["needs_onsite"], owner=owner)
        return case_response(user, case, status=201)


class CaseDetail(APIView):
    @extend_schema(
        operation_id="cases_retrieve", summary="One case", tags=["desk"],
        responses={200: s.CaseSerializer, **ERRORS},
        examples=[OpenApiExample("A case", response_only=True, value=CASE_EXAMPLE)])
    def get(self, request: Request, pk: int) -> Response:
        case = selectors.get_case_for(request.user, pk)
        return Response(s.case_data(case, actions_for(request.user, case)))


class CaseTransition(APIView):
    @extend_schema(
        operation_id="cases_transition", summary="Take an action of the case's workflow",
        tags=["desk"], request=s.TransitionSerializer,
        responses={200: s.CaseSerializer, **WRITE_ERRORS},
        examples=[OpenApiExample("Resolve", request_only=True, value={
            "action": "resolve", "version": 3, "outcome": "job", "outcome_quantity": 1}),
            OpenApiExample("The case after", response_only=True, value=CASE_EXAMPLE)])
    def post(self, request: Request, pk: int) -> Response:
        user = request.user
        case = selectors.get_case_for(user, pk, perm=Perm.WORK_CASES)
        body = s.TransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        ref = data["duplicate_ref"].strip().upper()
        duplicate_of = selectors.cases_for(user).filter(ref=ref).first() if ref else None
        if ref and duplicate_of is None and data["action"] == "cancel_duplicate":
            raise ValidationError({"duplicate_ref": _(
                "No case with that reference in your area.")})
        permit = ({"permit_number": data["permit_number"],
                   "permit_expiry": data["permit_expiry"]}
                  if data["action"] == "resolve" else {})
        case = services.transition(
            actor=user, case=case, action=data["action"], version=data["version"],
            note=data["note"], outcome=data["outcome"],
            outcome_quantity=data["outcome_quantity"], outcome_note=data["outcome_note"],
            duplicate_of=duplicate_of, **permit)
        return case_response(user, case)
