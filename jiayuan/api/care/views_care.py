"""The care API: the visit diary, must-visit duties, disputes and pairings.

Thin views over the selectors and services of the pages (jiayuan.care.*):
the permission and scope checks (403 / 404, both audited), the reasons a role
may read, the sensitive note's audited reading and the visit's logging (which
fulfils duties and records pairing check-ins) all happen there."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from uuid import uuid4

from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jiayuan.api.care import serializers_care as s
from jiayuan.api.care.common import PAGE_PARAMS, page_of, paged, read_query, staff
from jiayuan.api.schema import ERRORS, WRITE_ERRORS
from jiayuan.care import selectors
from jiayuan.care.choices import DisputeKind
from jiayuan.care.duties import selectors as duty_selectors
from jiayuan.care.mediation import selectors as dispute_selectors
from jiayuan.care.models import DisputeParty, Visit
from jiayuan.care.pairing import selectors as pairing_selectors
from jiayuan.care.templatetags.care_tags import dispute_note
from jiayuan.care.visits import selectors as visit_selectors
from jiayuan.care.visits import services as visit_services
from jiayuan.care.visits.forms import VisitForm
from jiayuan.core.access import get_in_scope, require
from jiayuan.core.roles import Perm, Role
from jiayuan.core.scope import grids_for
from jiayuan.desk.selectors import can_see
from jiayuan.registry.models import Household
from jiayuan.registry.selectors import get_household_for

TAG = "care"
VISIT_EXAMPLE = {
    "id": 41, "grid": {"id": 2, "label": "A01 第一网格"},
    "visited_at": "2026-12-07T10:00:00+08:00", "mode": "home", "purpose": "duty",
    "households": [{"id": 7, "dwelling": "3-2-302", "head": "王秀英", "moved_out": False,
                    "in_scope": True}],
    "business": None, "visitors": [{"id": 3, "name": "李网格"}],
    "found": "身体尚可，独居。", "needs": "", "next_visit": "2027-01-07",
}


def _day_start(day: Any) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _households_prefetch() -> Prefetch:
    return Prefetch("households", queryset=Household.objects.select_related(
        "dwelling", "head").order_by("dwelling__code", "pk"))


def _case(actor: Any, case: Any) -> dict[str, Any]:
    """A desk request as the care pages show it: its reference to anyone, the
    rest only to those who may open it."""
    if can_see(actor, case):
        return {"ref": case.ref, "id": case.pk, "summary": case.summary, "status": case.status}
    return {"ref": case.ref, "id": None, "summary": None, "status": None}


def _visit_detail(actor: Any, visit: Visit) -> dict[str, Any]:
    data = s.visit_data(actor, visit)
    shown = visit_selectors.show_sensitive_note(actor, visit)  # audited as on the page
    closed = duty_selectors.with_reasons(actor, selectors.duties_for(actor).filter(
        visit=visit).select_related("household__dwelling").order_by("due", "id"))
    data.update(
        volunteers=visit.volunteers, created_by=staff(visit.created_by),
        created_at=visit.created_at,
        sensitive_note=visit.sensitive_note if shown else None,
        duties_closed=[{"id": d.pk, "dwelling": d.household.dwelling.code,
                        "reason": getattr(d, "reason", ""), "due": d.due, "on_time": d.on_time}
                       for d in closed],
        cases=[_case(actor, c) for c in visit.cases.select_related("item")
               .order_by("opened_at", "id")])
    return data


def _visit_for(actor: Any, pk: Any) -> Visit:
    visit = selectors.get_visit_for(actor, pk)
    return (Visit.objects.filter(pk=visit.pk).select_related("business", "created_by", "grid")
            .prefetch_related(_households_prefetch(), "visitors").get())


class VisitListView(APIView):
    @extend_schema(
        operation_id="visits_list", summary="Visits in scope", tags=[TAG],
        parameters=[
            OpenApiParameter("household", int, description="Visits to this household (a "
                             "household out of scope is a 404)."),
            OpenApiParameter("worker", int, description="Visits made or attended by this "
                             "staff account."),
            OpenApiParameter("grid", int, description="Visits filed under this grid."),
            OpenApiParameter("from", str, description="From this day (YYYY-MM-DD)."),
            OpenApiParameter("to", str, description="Up to and including this day."),
            *PAGE_PARAMS],
        responses={200: page_of("VisitPage", s.Visit()), 400: WRITE_ERRORS[400], **ERRORS},
        examples=[OpenApiExample("A page of visits", response_only=True, value={
            "count": 1, "next": None, "previous": None, "results": [VISIT_EXAMPLE]})])
    def get(self, request: Request) -> Response:
        user = require(request.user, Perm.VIEW_VISITS)
        query = read_query(request, s.VisitQuery)
        qs = selectors.visits_for(user)
        if "household" in query:
            # As the visit list's ?household=: out of scope is a 404, audited.
            qs = qs.filter(households=get_household_for(user, query["household"]))
        if "grid" in query:
            qs = qs.filter(grid=get_in_scope(user, grids_for(user), query["grid"]))
        if "worker" in query:
            went = Visit.visitors.through.objects.filter(
                user_id=query["worker"]).values("visit_id")
            qs = qs.filter(Q(created_by_id=query["worker"]) | Q(pk__in=went))
        if "date_from" in query:
            qs = qs.filter(visited_at__gte=_day_start(query["date_from"]))
        if "date_to" in query:
            qs = qs.filter(visited_at__lt=_day_start(query["date_to"] + timedelta(days=1)))
        qs = (qs.select_related("business", "grid")
              .prefetch_related(_households_prefetch(), "visitors")
              .order_by("-visited_at", "-id"))
        return paged(self, request, qs, lambda rows: [s.visit_data(user, v) for v in rows])

    @extend_schema(
        operation_id="visits_create", summary="Log a visit", tags=[TAG],
        description="As the visit form: fulfils the households' open must-visit duties "
        "(home and shop visits) and records check-ins of their pairings. Repeating the "
        "same idempotency_key returns the first visit (200) and records nothing.",
        request=s.VisitCreate,
        responses={201: s.VisitCreated, 200: s.VisitCreated, **WRITE_ERRORS},
        examples=[OpenApiExample("A home visit", request_only=True, value={
            "households": [7], "visited_at": "2026-12-07T10:00:00+08:00", "mode": "home",
            "purpose": "duty", "found": "身体尚可，独居。",
            "idempotency_key": "6f1c2d3e-8a9b-4c5d-9e0f-112233445566"}),
            OpenApiExample("Logged", response_only=True, status_codes=["201"], value={
                "visit": {**VISIT_EXAMPLE, "volunteers": "", "created_by":
                          {"id": 3, "name": "李网格"}, "created_at": "2026-12-07T10:05:00+08:00",
                          "sensitive_note": None, "duties_closed": [], "cases": []},
                "created": True, "duties_closed": 0})])
    def post(self, request: Request) -> Response:
        user = require(request.user, Perm.LOG_VISITS)  # as the visit form
        body = s.VisitCreate(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        form_data: MultiValueDict[str, Any] = MultiValueDict({
            "idempotency_key": [data.get("idempotency_key") or uuid4()],
            "households": [str(pk) for pk in data.get("households", [])],
            "visitors": [str(pk) for pk in data.get("visitors", [])],
            **{k: [data[k]] for k in ("business", "visited_at", "mode", "purpose",
                                      "volunteers", "found", "needs", "next_visit",
                                      "sensitive_note")
               if data.get(k) is not None},
        })
        if data.get("with_resident_helper"):
            form_data["with_resident_helper"] = "on"
        if data.get("sensitive_note") and not user.has(Perm.VIEW_SENSITIVE):
            # The form has no such field for this role: say so rather than drop it.
            raise serializers.ValidationError({"sensitive_note": [
                _("Your role may not record sensitive notes.")]})
        form = VisitForm(form_data, actor=user)
        if not form.is_valid():
            raise serializers.ValidationError({
                ("non_field_errors" if k == "__all__" else k): [str(m) for m in v]
                for k, v in form.errors.items()})
        visit, created = visit_services.visit_log(actor=user, **form.service_kwargs())
        closed = selectors.duties_for(user).filter(visit=visit).count()
        return Response({"visit": _visit_detail(user, _visit_for(user, visit.pk)),
                         "created": created, "duties_closed": closed},
                        status=201 if created else 200)


class VisitDetailView(APIView):
    @extend_schema(
        operation_id="visits_retrieve", summary="One visit", tags=[TAG],
        description="The sensitive note only for roles that may see sensitive details; "
        "when shown, the reading is recorded in the audit log (as on the page).",
        responses={200: s.VisitDetail, **ERRORS},
        examples=[OpenApiExample("A visit", response_only=True, value={
            **VISIT_EXAMPLE, "volunteers": "", "created_by": {"id": 3, "name": "李网格"},
            "created_at": "2026-12-07T10:05:00+08:00", "sensitive_note": None,
            "duties_closed": [{"id": 9, "dwelling": "3-2-302", "reason": "Must-visit duty",
                               "due": "2026-12-10", "on_time": True}],
            "cases": [{"ref": "FW-2026-0042", "id": None, "summary": None, "status": None}]})])
    def get(self, request: Request, pk: str) -> Response:
        visit = _visit_for(request.user, pk)
        return Response(_visit_detail(request.user, visit))


class DutyListView(APIView):
    @extend_schema(
        operation_id="duties_list", summary="Must-visit duties", tags=[TAG],
        description="The tabs of the duty list: mine (open, assigned to me; only for roles "
        "that log visits), overdue, week (due this week), open, done (visited in the last "
        "30 days). Reasons that would disclose a sensitive circumstance read 'Must-visit "
        "duty' for roles that may not see them; when shown, the reading is audited.",
        parameters=[OpenApiParameter("tab", str, enum=["mine", "overdue", "week", "open",
                                                       "done"]),
                    OpenApiParameter("grid", int), *PAGE_PARAMS],
        responses={200: page_of("DutyPage", s.Duty()), 400: WRITE_ERRORS[400], **ERRORS},
        examples=[OpenApiExample("Overdue", response_only=True, value={
            "count": 1, "next": None, "previous": None, "results": [{
                "id": 9, "household": VISIT_EXAMPLE["households"][0],  # type: ignore[index]
                "grid": {"id": 2, "label": "A01 第一网格"}, "reason": "Must-visit duty",
                "status": "open", "raised_on": "2026-11-01", "due": "2026-12-01",
                "closed_on": None, "days_late": 6, "on_time": None, "visit": None,
                "assignee": {"id": 3, "name": "李网格"}}]})])
    def get(self, request: Request) -> Response:
        user = require(request.user, Perm.VIEW_VISITS)
        query = read_query(request, s.DutyQuery)
        today = timezone.localdate()
        tabs = duty_selectors.duty_tabs(user, today)
        default = "mine" if user.role == Role.GRIDWORKER and "mine" in tabs else "open"
        tab = query.get("tab") or default
        if tab not in tabs:
            raise serializers.ValidationError({"tab": [_("Your role has no such list.")]})
        qs = selectors.duties_for(user)
        if "grid" in query:
            qs = qs.filter(grid=get_in_scope(user, grids_for(user), query["grid"]))
        qs = qs.filter(tabs[tab]).select_related(
            "household__dwelling", "household__head", "assignee", "grid")
        qs = qs.order_by("-closed_on", "-id") if tab == "done" else qs.order_by("due", "id")

        def rows(duties: list[Any]) -> list[dict[str, Any]]:
            return [s.duty_data(user, d, today)
                    for d in duty_selectors.with_reasons(user, duties)]

        return paged(self, request, qs, rows)


def _parties_prefetch() -> Prefetch:
    return Prefetch("parties", queryset=DisputeParty.objects.select_related(
        "person", "household__dwelling", "household__head", "business"))


DISPUTE_EXAMPLE = {
    "id": 5, "ref": "TJ-2026-0005", "kind": "neighbour", "status": "open",
    "summary": "楼上漏水", "grid": {"id": 2, "label": "A01 第一网格"},
    "opened_on": "2026-11-20", "closed_on": None, "followup_due": None, "followup_on": None,
    "mediators": [{"id": 4, "name": "赵调解"}],
    "parties": [{"id": 8, "role": "applicant", "name": "王秀英",
                 "household": {"id": 7, "dwelling": "3-2-302"},
                 "other_grid_household": False, "business": None, "in_registry": True}],
    "version": 3,
}


class DisputeListView(APIView):
    @extend_schema(
        operation_id="disputes_list", summary="Disputes in scope", tags=[TAG],
        parameters=[OpenApiParameter("tab", str, enum=list(dispute_selectors.DISPUTE_TABS)),
                    OpenApiParameter("kind", str, enum=[k for k, _l in DisputeKind.choices]),
                    *PAGE_PARAMS],
        responses={200: page_of("DisputePage", s.Dispute()), 400: WRITE_ERRORS[400],
                   **ERRORS},
        examples=[OpenApiExample("Open disputes", response_only=True, value={
            "count": 1, "next": None, "previous": None, "results": [DISPUTE_EXAMPLE]})])
    def get(self, request: Request) -> Response:
        user = require(request.user, Perm.VIEW_DISPUTES)
        query = read_query(request, s.DisputeQuery)
        kind = query.get("kind") or ""
        if kind and kind not in DisputeKind.values:
            raise serializers.ValidationError({"kind": [_("Your role has no such list.")]})
        qs = dispute_selectors.disputes_tab(user, query.get("tab") or "open",
                                            timezone.localdate(), kind)
        qs = qs.select_related("grid").prefetch_related(_parties_prefetch(), "mediators")
        return paged(self, request, qs, lambda rows: [
            s.dispute_data(user, d, dispute_selectors.sorted_parties(d.parties.all()))
            for d in rows])


class DisputeDetailView(APIView):
    @extend_schema(
        operation_id="disputes_retrieve", summary="One dispute", tags=[TAG],
        description="With its parties (a household party out of the account's scope is "
        "named but not linked), sessions, agreement and outcome. `version` is what a "
        "later change must send.",
        responses={200: s.DisputeDetail, **ERRORS},
        examples=[OpenApiExample("A dispute", response_only=True, value={
            **DISPUTE_EXAMPLE, "source": "walk_in", "details": "", "case": None,
            "created_by": {"id": 4, "name": "赵调解"},
            "created_at": "2026-11-20T09:00:00+08:00",
            "sessions": [{"id": 1, "held_at": "2026-11-22T14:00:00+08:00", "place": "调解室",
                          "attendees": "双方", "notes": "同意维修", "recorded_by":
                          {"id": 4, "name": "赵调解"}}],
            "agreement_text": "", "agreement_on": None, "escalated_on": None,
            "escalation": "", "outcome": "", "outcome_note": "", "followup_holding": None,
            "followup_note": ""})])
    def get(self, request: Request, pk: str) -> Response:
        user = request.user
        dispute = dispute_selectors.get_dispute_for(user, pk)
        parties = dispute_selectors.sorted_parties(dispute.parties.select_related(
            "person", "household__dwelling", "household__head", "business"))
        data = s.dispute_data(user, dispute, parties)
        data.update(
            source=dispute.source, details=dispute.details,
            case=_case(user, dispute.case) if dispute.case_id else None,
            created_by=staff(dispute.created_by), created_at=dispute.created_at,
            sessions=[{"id": x.pk, "held_at": x.held_at, "place": x.place,
                       "attendees": x.attendees, "notes": x.notes,
                       "recorded_by": staff(x.recorded_by)}
                      for x in dispute.sessions.select_related("recorded_by")],
            agreement_text=dispute.agreement_text, agreement_on=dispute.agreement_on,
            escalated_on=dispute.escalated_on, escalation=dispute.escalation,
            outcome=dispute.outcome, outcome_note=dispute_note(dispute.outcome_note),
            followup_holding=dispute.followup_holding, followup_note=dispute.followup_note)
        return Response(data)


PAIRING_EXAMPLE = {
    "id": 3, "household": VISIT_EXAMPLE["households"][0],  # type: ignore[index]
    "helper": {"kind": "staff", "name": "李网格", "user": 3, "person": None},
    "goals": "每周一次电话问候", "status": "active", "started": "2026-09-01",
    "planned_end": None, "ended": None, "last_contact": "2026-12-01",
    "days_since_contact": 6, "quiet": False, "past_planned_end": False, "checkin_count": 12,
}


class PairingListView(APIView):
    @extend_schema(
        operation_id="pairings_list", summary="Pairings (结对帮扶) in scope", tags=[TAG],
        parameters=[OpenApiParameter("tab", str, enum=list(pairing_selectors.PAIRING_TABS)),
                    *PAGE_PARAMS],
        responses={200: page_of("PairingPage", s.Pairing()), 400: WRITE_ERRORS[400],
                   **ERRORS},
        examples=[OpenApiExample("Active pairings", response_only=True, value={
            "count": 1, "next": None, "previous": None, "results": [PAIRING_EXAMPLE]})])
    def get(self, request: Request) -> Response:
        user = require(request.user, Perm.VIEW_VISITS)
        query = read_query(request, s.PairingQuery)
        today = timezone.localdate()
        qs = (pairing_selectors.pairings_tab(user, query.get("tab") or "active", today)
              .select_related("household__dwelling", "household__head", "helper_user",
                              "helper_person")
              .annotate(checkin_count=Count("checkins")))

        def rows(pairings: list[Any]) -> list[dict[str, Any]]:
            for p in pairings:
                pairing_selectors.mark_contact(p, user, today)
            return [s.pairing_data(user, p, p.checkin_count) for p in pairings]

        return paged(self, request, qs, rows)


class PairingDetailView(APIView):
    @extend_schema(
        operation_id="pairings_retrieve", summary="One pairing with its check-ins", tags=[TAG],
        responses={200: s.PairingDetail, **ERRORS},
        examples=[OpenApiExample("A pairing", response_only=True, value={
            **PAIRING_EXAMPLE, "created_by": {"id": 2, "name": "陈社工"},
            "created_at": "2026-09-01T09:00:00+08:00",
            "checkins": [{"id": 30, "on": "2026-12-01", "mode": "phone", "note": "",
                          "visit": None, "from_visit": False,
                          "recorded_by": {"id": 3, "name": "李网格"}}]})])
    def get(self, request: Request, pk: str) -> Response:
        user = request.user
        pairing = pairing_selectors.get_pairing_for(user, pk)
        pairing_selectors.mark_contact(pairing, user, timezone.localdate())
        checkins = list(pairing.checkins.select_related("recorded_by", "visit")
                        .order_by("-on", "-id"))
        may_open_visits = user.has(Perm.VIEW_VISITS)
        data = s.pairing_data(user, pairing, len(checkins))
        data.update(
            created_by=staff(pairing.created_by), created_at=pairing.created_at,
            checkins=[{"id": c.pk, "on": c.on, "mode": c.mode, "note": c.note,
                       "visit": c.visit_id if may_open_visits else None,
                       "from_visit": c.visit_id is not None,
                       "recorded_by": staff(c.recorded_by)} for c in checkins])
        return Response(data)

