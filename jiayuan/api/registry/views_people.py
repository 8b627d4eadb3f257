"""The registry's staff API: people, the audited reveal, and search. The same
selectors and services as jiayuan.registry.views_people and views_search."""

from __future__ import annotations

from django.http import Http404
from django.utils.cache import patch_cache_control
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jiayuan.api.registry import serializers as s
from jiayuan.api.registry.views import MEMBER, SUMMARY, form_errors, valid_body
from jiayuan.api.schema import ERRORS, WRITE_ERRORS
from jiayuan.api.serializers import StrictSerializer
from jiayuan.core import reauth
from jiayuan.core.access import require
from jiayuan.core.roles import Perm
from jiayuan.registry import selectors, services
from jiayuan.registry.forms import PersonForm
from jiayuan.registry.search import search

PERSON = {**MEMBER, "version": 3, "household": 3, "permit_number": "", "left_on": None,
          "languages": ["ko", "zh"], "circumstances": []}


def _person_response(request: Request, person_pk: int) -> Response:
    person = selectors.get_person_for(request.user, person_pk)
    # Audits the showing of the ethnic group / circumstances as the page does.
    detail = selectors.person_detail(request.user, person)
    return Response(s.person_data(person, detail))


class PersonDetailView(APIView):
    @extend_schema(
        operation_id="people_retrieve", summary="A person", tags=["registry"],
        responses={200: s.PersonOut, **ERRORS},
        examples=[OpenApiExample("A head's view", value=PERSON, response_only=True)])
    def get(self, request: Request, pk: int) -> Response:
        return _person_response(request, pk)

    @extend_schema(
        operation_id="people_partial_update", summary="Change a person's details",
        tags=["registry"], request=s.PersonPatch,
        responses={200: s.PersonOut, **WRITE_ERRORS},
        examples=[OpenApiExample("A new occupation", value={"version": 3,
                                                            "occupation": "退休"},
                                 request_only=True),
                  OpenApiExample("The person after saving", value=PERSON,
                                 response_only=True)])
    def patch(self, request: Request, pk: int) -> Response:
        person = selectors.person_for_edit(request.user, pk, showing=False)
        is_head = person.household.head_id == person.pk
        show_sensitive = request.user.has(Perm.VIEW_SENSITIVE)
        body = valid_body(s.PersonPatch, request, is_head=is_head,
                          show_sensitive=show_sensitive)
        # The edit page's form, filled with what is recorded and what was sent:
        # the same normalising and checks as the page (ID number, phone, origin).
        data = {**PersonForm.initial_for(person), **body}
        form = PersonForm(data, show_sensitive=show_sensitive, is_head=is_head, editing=True)
        if not form.is_valid():
            raise form_errors(form)
        services.person_update(actor=request.user, person=person, **form.person_data())
        return _person_response(request, person.pk)


def _confirmed(request: Request) -> bool:
    """A signed-in browser session that confirmed the person recently; never a token."""
    return request.auth is None and reauth.recently_confirmed(request._request)


class PersonRevealView(APIView):
    @extend_schema(
        operation_id="people_reveal", summary="Show a whole ID-card or phone number",
        description=("Audited (action `reveal`), exactly as the person page's Show button. "
                     "A whole ID number, as on the page, needs a recent confirmation of "
                     "the person: only a browser session confirmed in the last minutes "
                     "gets it (403 `confirmation_required` otherwise, for a token too)."),
        tags=["registry"], request=None,
        parameters=[OpenApiParameter("field", str, OpenApiParameter.PATH,
                                     enum=["id_number", "phone"])],
        responses={200: s.RevealOut, **ERRORS},
        examples=[OpenApiExample("A phone", value={"field": "phone", "value": "13812345678"},
                                 response_only=True)])
    def post(self, request: Request, pk: int, field: str) -> Response:
        perm = services.reveal_perm(field)
        if perm is None:
            raise Http404
        person = selectors.get_person_for(request.user, pk, perm=perm)
        # As the page, a whole ID number needs a fresh password or code
        # (jiayuan.core.reauth), which a token cannot give.
        value = services.person_reveal(actor=request.user, person=person, field=field,
                                       confirmed=_confirmed(request))
        response = Response({"field": field, "value": value})
        patch_cache_control(response, private=True, no_store=True)
        return response


class SearchQuery(StrictSerializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class SearchView(APIView):
    @extend_schema(
        operation_id="search", summary="Search people and households in scope",
        description=("The search page's search: by name, pinyin, initials, ID number, phone "
                     "or its last four digits, or dwelling (3-2-302). Erased people are "
                     "never found. The query is not written to the audit log."),
        tags=["registry"], request=SearchQuery,
        responses={200: s.SearchOut, 400: WRITE_ERRORS[400], **ERRORS},
        examples=[OpenApiExample("A name", value={"results": [
            {"kind": "person", "score": 105, "person": 7, "name": "郑容哲",
             "pinyin": "Zheng Rongzhe", "left": False, "phone_mask": "138****5678",
             "household": SUMMARY}]}, response_only=True)])
    def post(self, request: Request) -> Response:
        # POST, as the search page: what is typed (a whole ID number, a phone)
        # never sits in an address, so it never reaches an access log.
        user = require(request.user, Perm.VIEW_REGISTRY)
        query = SearchQuery(data=request.data if isinstance(request.data, dict) else None)
        query.is_valid(raise_exception=True)
        # As the page: at most 100 characters of what was typed.
        q = (query.validated_data.get("q") or "").strip()[:100]
        hits = search(user, q) if q else []
        response = Response({"results": [s.hit_data(hit) for hit in hits]})
        patch_cache_control(response, private=True, no_store=True)
        return response


