"""The registry's staff API: households. Thin, like the pages
(jiayuan.registry.views): one access selector, the page's own form for the
input, the page's service for the write; the file is read (and its showing of
sensitive details audited) by the same selector as the household page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jiayuan.api.pagination import Pages
from jiayuan.api.registry import serializers as s
from jiayuan.api.schema import ERRORS, WRITE_ERRORS
from jiayuan.core.access import require
from jiayuan.core.roles import Perm
from jiayuan.registry import selectors, services
from jiayuan.registry.choices import Residency
from jiayuan.registry.forms import HouseholdEditForm

MEMBER = {"id": 7, "name": "郑容哲", "pinyin": "Zheng Rongzhe", "erased": False, "sex": "M",
          "relation": "head", "birth_date": "1958-03-14", "origin_code": "222400",
          "origin_label": "吉林省 延边朝鲜族自治州", "occupation": "", "permit_expiry": None,
          "id_number_mask": "2224**********1234", "phone_mask": "138****5678",
          "ethnicity": "10"}
SUMMARY = {"id": 3, "dwelling": {"id": 5, "code": "3-2-302", "label": "幸福苑 3-2-302"},
           "grid": 2, "residency": "resident", "moved_in": "2005-06-01", "moved_out": None,
           "archived_on": None, "head": 7, "head_name": "郑容哲"}
HOUSEHOLD = {**SUMMARY, "version": 4, "note": "", "members": [MEMBER],
             "festivals": ["chuseok"], "circumstances": [
                 {"id": 9, "kind": "hardship", "person": 7, "started": "2026-01-05",
                  "ended": None, "note": ""}]}



def form_errors(form: forms.Form) -> ValidationError:
    """The page form's errors, for errors.handler (400 with `fields`)."""
    return ValidationError({name: [str(m) for m in errs] for name, errs in form.errors.items()})


def valid_body(serializer_class: type[serializers.Serializer], request: Request,
               **kwargs: Any) -> dict[str, Any]:
    if not isinstance(request.data, dict):
        raise serializers.ValidationError({"non_field_errors": ["Expected a JSON object."]})
    body = serializer_class(data=request.data, **kwargs)
    body.is_valid(raise_exception=True)
    return dict(request.data)


class HouseholdFilters(serializers.Serializer):
    grid = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    residency = serializers.ChoiceField(choices=Residency.choices, required=False)
    status = serializers.ChoiceField(choices=["active", "moved_out", "archived"],
                                     required=False, default="active")


class HouseholdListView(APIView):
    @extend_schema(
        operation_id="households_list", summary="Households in the account's scope",
        tags=["registry"], parameters=[
            HouseholdFilters,
            OpenApiParameter("limit", int, description="At most 1000; 50 when not given."),
            OpenApiParameter("offset", int)],
        responses={200: s.HouseholdPageOut, 400: WRITE_ERRORS[400], **ERRORS},
        examples=[OpenApiExample("One page", value={
            "count": 1, "next": None, "previous": None,
            "results": [{**SUMMARY, "member_count": 3}]},
                                 response_only=True)])
    def get(self, request: Request) -> Response:
        require(request.user, Perm.VIEW_REGISTRY)
        filters = HouseholdFilters(data=request.query_params)
        filters.is_valid(raise_exception=True)
        f = filters.validated_data
        status = f.get("status") or "active"
        qs = selectors.household_list(request.user, grid_id=f.get("grid"),
                                      residency=f.get("residency") or "",
                                      active=status == "active",
                                      archived=status == "archived")
        pages = Pages()
        page = pages.paginate_queryset(qs, request, view=self) or []
        return pages.get_paginated_response([
            {**s.household_summary(h), "member_count": h.member_count} for h in page])


class HouseholdDetailView(APIView):
    @extend_schema(
        operation_id="households_retrieve", summary="A household file", tags=["registry"],
        responses={200: s.HouseholdOut, **ERRORS},
        examples=[OpenApiExample("A head's view", value=HOUSEHOLD, response_only=True)])
    def get(self, request: Request, pk: int) -> Response:
        household = selectors.get_household_for(request.user, pk)
        # Audits the showing of sensitive details exactly as the page does.
        file = selectors.household_file(request.user, household)
        return Response(s.household_data(file))

    @extend_schema(
        operation_id="households_partial_update", summary="Change a household",
        tags=["registry"], request=s.HouseholdPatch,
        responses={200: s.HouseholdOut, **WRITE_ERRORS},
        examples=[OpenApiExample("Change the note", value={"version": 4, "note": "二楼"},
                                 request_only=True),
                  OpenApiExample("The file after saving", value=HOUSEHOLD,
                                 response_only=True)])
    def patch(self, request: Request, pk: int) -> Response:
        household = selectors.household_for_edit(request.user, pk, showing=False)
        body = valid_body(s.HouseholdPatch, request)
        data = {"residency": household.residency, "festivals": household.festivals,
                "note": household.note, "head": household.head_id, **body}
        form = HouseholdEditForm(data, household=household)
        if not form.is_valid():
            raise form_errors(form)
        services.household_update(actor=request.user, household=household,
                                  **form.service_kwargs())
        household = selectors.get_household_for(request.user, household.pk)
        return Response(s.household_data(selectors.household_file(request.user, household)))
