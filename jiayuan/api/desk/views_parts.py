"""The desk's staff API, a case's parts: its notes and its referrals.

The same services as the case page (services.add_note) and the referral page
(services.referral_create, referral_create_with_consent): consent, the
override and its reason are their rules, not this module's.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jiayuan.api.desk import serializers as s
from jiayuan.api.schema import ERRORS, WRITE_ERRORS
from jiayuan.core.roles import Perm
from jiayuan.desk import selectors, services
from jiayuan.desk.models import Department
from jiayuan.desk.referrals.views import referrals_for_case

NOTE_EXAMPLE = {"id": 88, "kind": "call", "text": "打电话确认了面试时间", "public": False,
                "at": "2026-12-02T10:30:00+08:00", "by": "王社工"}
REFERRAL_EXAMPLE = {
    "id": 5, "department": {"id": 2, "code": "hrss", "name": "人社所"}, "status": "sent",
    "message": "请协助安排招聘会名额", "share_contact": True, "with_consent": True,
    "override_reason": "", "sent_at": "2026-12-02T11:00:00+08:00", "sent_by": "王社工",
    "expires_at": "2027-01-01T11:00:00+08:00", "acknowledged_at": None, "answered_at": None,
    "answer": "", "answered_by": "", "reply_url": "https://station.example/r/…/"}


class CaseNotes(APIView):
    @extend_schema(
        operation_id="cases_notes_list", summary="A case's notes, calls and on-site contacts",
        tags=["desk"], responses={200: s.NoteSerializer(many=True), **ERRORS},
        examples=[OpenApiExample("Notes", response_only=True, value=[NOTE_EXAMPLE])])
    def get(self, request: Request, pk: int) -> Response:
        case = selectors.get_case_for(request.user, pk)
        events = case.events.filter(kind__in=s.NOTE_KINDS).select_related("actor").order_by(
            "at", "id")
        return Response([s.note_data(e) for e in events])

    @extend_schema(
        operation_id="cases_notes_create", summary="Add a note, a call or an on-site contact",
        tags=["desk"], request=s.NoteCreateSerializer,
        responses={201: s.NoteSerializer, **WRITE_ERRORS},
        examples=[OpenApiExample("A call", request_only=True, value={
            "kind": "call", "text": "打电话确认了面试时间"}),
            OpenApiExample("The note", response_only=True, status_codes=["201"],
                           value=NOTE_EXAMPLE)])
    def post(self, request: Request, pk: int) -> Response:
        case = selectors.get_case_for(request.user, pk, perm=Perm.WORK_CASES)
        body = s.NoteCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        event = services.add_note(actor=request.user, case=case, kind=data["kind"],
                                  text=data["text"], public=data["public"], at=data["at"])
        return Response(s.note_data(event), status=201)


class CaseReferrals(APIView):
    @extend_schema(
        operation_id="cases_referrals_list", summary="A case's referrals", tags=["desk"],
        responses={200: s.ReferralSerializer(many=True), **ERRORS},
        examples=[OpenApiExample("Referrals", response_only=True, value=[REFERRAL_EXAMPLE])])
    def get(self, request: Request, pk: int) -> Response:
        case = selectors.get_case_for(request.user, pk)
        return Response([s.referral_data(r) for r in referrals_for_case(request.user, case)])

    @extend_schema(
        operation_id="cases_referrals_create",
        summary="Refer the case to a department (with consent, or an override and its reason)",
        tags=["desk"], request=s.ReferralCreateSerializer,
        responses={201: s.ReferralSerializer, **WRITE_ERRORS},
        examples=[OpenApiExample("With consent on record", request_only=True, value={
            "department": 2, "message": "请协助安排招聘会名额", "version": 3}),
            OpenApiExample("The referral", response_only=True, status_codes=["201"],
                           value=REFERRAL_EXAMPLE)])
    def post(self, request: Request, pk: int) -> Response:
        user = request.user
        case = selectors.get_case_for(user, pk, perm=Perm.REFER)
        body = s.ReferralCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        department = Department.objects.filter(active=True, pk=data["department"]).first()
        if department is None:
            raise ValidationError({"department": _("Choose a department from the list.")})
        common = {"actor": user, "case": case, "department": department,
                  "message": data["message"], "version": data["version"],
                  "share_contact": data["share_contact"]}
        if data["consent_evidence"].strip():
            referral = services.referral_create_with_consent(
                **common, evidence=data["consent_evidence"])
        else:
            referral = services.referral_create(
                **common, override_reason=data["override_reason"])
        found = [r for r in referrals_for_case(user, case) if r.pk == referral.pk]
        return Response(s.referral_data(found[0]), status=201)
