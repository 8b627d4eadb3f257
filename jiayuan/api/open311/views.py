"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2) under
/open311/v2/: public reads of the catalogue and of portal requests, and POST
requests with an API key, filed through the portal's own service. Formats by
the URL suffix (.json, .xml; JSON without one). Errors in the spec's shape:
[{"code": 400, "description": "…"}] (XML: <errors><error>…)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any, ClassVar

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import exceptions, serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jiayuan.api.open311 import selectors as sel
from jiayuan.api.open311.intake import open311_create
from jiayuan.api.open311.keys import key_for_secret
from jiayuan.api.open311.renderers import XMLRenderer, to_xml
from jiayuan.desk import services
from jiayuan.desk.choices import OPEN_STATUSES, PortalHitKind
from jiayuan.desk.portal.common import source_of

WINDOW = timedelta(days=90)
SPEC = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-07T00:00:00+08:00"


def error(status: int, description: str) -> Response:
    return Response([{"code": status, "description": str(description)}], status=status)


def nul_response(request: HttpRequest) -> HttpResponse:
    """The answer to a request under /open311/ holding a NUL character
    (core.middleware refuses those): the spec's 400, in XML for a .xml address."""
    body = [{"code": 400, "description": _("The request holds a NUL character.")}]
    if request.path.endswith(".xml"):
        return HttpResponse(to_xml(body, "errors", "error"), status=400,
                            content_type="text/xml; charset=utf-8")
    return JsonResponse(body, status=400, safe=False)


def handler(exc: Exception, context: dict[str, Any]) -> Response:
    if isinstance(exc, DjangoValidationError):
        throttled = not hasattr(exc, "error_dict") and any(
            e.code == "throttled" for e in exc.error_list)
        return error(429 if throttled else 400, " ".join(str(m) for m in exc.messages))
    if isinstance(exc, Http404):
        return error(404, _("Not found."))
    if isinstance(exc, PermissionDenied):
        return error(403, _("A valid api_key is required."))
    if isinstance(exc, exceptions.APIException):
        detail = exc.detail if isinstance(exc.detail, str) else _("The request is not valid.")
        return error(exc.status_code, str(detail))
    raise exc


ERROR_EXAMPLE = OpenApiExample("error", value=[{"code": 404, "description": "Not found."}],
                               response_only=True, status_codes=["404"])


# The spec's error answer is a list; drf-spectacular documents a many=True
# serializer as one object outside 2xx, so the schema is given as is.
ERROR_LIST = {"type": "array", "items": {
    "type": "object", "required": ["code", "description"],
    "properties": {"code": {"type": "integer"}, "description": {"type": "string"}}}}


def errors(*codes: int) -> dict[int, Any]:
    return {code: OpenApiResponse(response=ERROR_LIST, description="The spec's error list.")
            for code in codes}


CODE = OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH)
REF = OpenApiParameter("ref", OpenApiTypes.STR, OpenApiParameter.PATH)
# The schema shows each address without its suffix (JSON); .json and .xml
# name the format (docs/api/open311.md). DRF also reads ?format=: an unknown
# one is a 404, so every operation declares it.


class Open311View(APIView):
    authentication_classes: ClassVar[list[Any]] = []
    permission_classes: ClassVar[list[Any]] = [AllowAny]
    renderer_classes: ClassVar[list[Any]] = [JSONRenderer, XMLRenderer]
    parser_classes: ClassVar[list[Any]] = [FormParser, MultiPartParser]
    xml_root = "response"
    xml_item = "item"

    def get_exception_handler(self) -> Any:
        return handler


class NotFoundView(Open311View):
    """Any other address under /open311/v2/: a 404 in the spec's shape."""

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise Http404

    post = get


class DiscoverySerializer(serializers.Serializer):
    changeset = serializers.CharField()
    contact = serializers.CharField()
    key_service = serializers.CharField()
    endpoints = serializers.ListField(child=serializers.DictField())


class DiscoveryView(Open311View):
    xml_root = "discovery"

    @extend_schema(operation_id="open311_discovery", tags=["open311"],
                   responses={200: DiscoverySerializer, **errors(404)},
                   examples=[OpenApiExample("discovery", value={
                       "changeset": CHANGESET, "contact": "…", "key_service": "…",
                       "endpoints": []})])
    def get(self, request: Request, format: str | None = None) -> Response:  # noqa: A002
        base = request.build_absolute_uri("/open311/v2/")
        return Response({
            "changeset": CHANGESET,
            "contact": _("Call the station, or use the resident portal."),
            "key_service": _("Keys are issued by the station (manage.py open311_key)."),
            "endpoints": [{"specification": SPEC, "url": base, "changeset": CHANGESET,
                           "type": "production",
                           "formats": ["text/xml", "application/json"]}]})


class Open311ServiceSerializer(serializers.Serializer):
    service_code = serializers.CharField()
    service_name = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    metadata = serializers.BooleanField()
    type = serializers.CharField()
    keywords = serializers.CharField(allow_blank=True)
    group = serializers.CharField()


class ServiceListView(Open311View):
    xml_root, xml_item = "services", "service"

    @extend_schema(operation_id="open311_services", tags=["open311"], responses={200: Open311ServiceSerializer(many=True), **errors(404)},
                   examples=[OpenApiExample("services", value=[{
                       "service_code": "job-matching", "service_name": "求职登记与岗位推荐",
                       "description": "…", "metadata": True, "type": "realtime",
                       "keywords": "job-matching,job,matching", "group": "就业"}])])
    def get(self, request: Request, format: str | None = None) -> Response:  # noqa: A002
        return Response([sel.service_json(item) for item in sel.open311_items()])


class DefinitionSerializer(serializers.Serializer):
    service_code = serializers.CharField()
    attributes = serializers.ListField(child=serializers.DictField())


class ServiceDefinitionView(Open311View):
    xml_root = "service_definition"

    @extend_schema(operation_id="open311_service_definition", tags=["open311"],
                   parameters=[CODE], responses={200: DefinitionSerializer, **errors(404)},
                   examples=[ERROR_EXAMPLE, OpenApiExample("definition", value={
                       "service_code": "job-matching", "attributes": []})])
    def get(self, request: Request, code: str, format: str | None = None) -> Response:  # noqa: A002
        item = sel.open311_item(code)
        if item is None:
            raise Http404
        return Response(sel.definition_json(item))


class RequestSerializer(serializers.Serializer):
    service_request_id = serializers.CharField()
    status = serializers.ChoiceField(choices=["open", "closed"])
    status_notes = serializers.CharField()
    service_name = serializers.CharField()
    service_code = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    agency_responsible = serializers.CharField(allow_blank=True)
    service_notice = serializers.CharField(allow_blank=True)
    requested_datetime = serializers.DateTimeField()
    updated_datetime = serializers.DateTimeField()
    expected_datetime = serializers.DateTimeField(allow_null=True)
    address = serializers.CharField()
    address_id = serializers.CharField(allow_null=True)
    zipcode = serializers.CharField(allow_null=True)
    lat = serializers.FloatField(allow_null=True)
    long = serializers.FloatField(allow_null=True)
    media_url = serializers.CharField(allow_null=True)
    extended_attributes = serializers.DictField()


class PostFormSerializer(serializers.Serializer):
    """The form of POST requests (documentation only: open311.intake reads it)."""

    api_key = serializers.CharField()
    service_code = serializers.CharField()
    description = serializers.CharField(max_length=4000)
    first_name = serializers.CharField(required=False)
    last_name = serializers.CharField(required=False)
    phone = serializers.CharField()
    email = serializers.EmailField(required=False)
    consent = serializers.BooleanField(help_text="Extension: the resident agrees to be "
                                                 "contacted (required, as on the portal).")
    lat = serializers.FloatField(required=False)
    long = serializers.FloatField(required=False)
    address_string = serializers.CharField(required=False)
    address_id = serializers.CharField(required=False, help_text="Extension: a building id.")
    media_url = serializers.ListField(child=serializers.URLField(), required=False,
                                      max_length=5)
    jurisdiction_id = serializers.CharField(required=False)
    device_id = serializers.CharField(required=False)
    account_id = serializers.CharField(required=False)


class CreatedSerializer(serializers.Serializer):
    service_request_id = serializers.CharField()
    service_notice = serializers.CharField()
    account_id = serializers.CharField(allow_null=True)


def _moment(raw: str, name: str) -> datetime:
    value = parse_datetime(raw) if len(raw) <= 40 else None
    if value is None:
        day = parse_date(raw) if len(raw) <= 10 else None
        if day is None:
            raise DjangoValidationError(_("%(field)s is not a date and time (W3C format, "
                                          "e.g. 2026-12-01T00:00:00+08:00).")
                                        % {"field": name})
        value = datetime.combine(day, time.min)
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _window(params: Any) -> tuple[datetime, datetime]:
    start_raw, end_raw = params.get("start_date", ""), params.get("end_date", "")
    try:  # every step may overflow near year 1 or 9999: a 400, never a 500
        start = _moment(start_raw, "start_date") if start_raw else None
        end = _moment(end_raw, "end_date") if end_raw else None
        end = end or (start + WINDOW if start else timezone.now())
        start = start or end - WINDOW
        start, end = start.astimezone(UTC), end.astimezone(UTC)
    except (ValueError, OverflowError) as err:
        raise DjangoValidationError(_("A date is out of range.")) from err
    if end < start:
        raise DjangoValidationError(_("end_date is before start_date."))
    if end - start > WINDOW:
        raise DjangoValidationError(_("The window between start_date and end_date is at "
                                      "most 90 days."))
    return start, end


def _list(raw: str, name: str) -> list[str]:
    values = [v.strip() for v in raw.split(",") if v.strip()]
    if len(values) > sel.MAX_RECORDS or any(len(v) > 40 for v in values):
        raise DjangoValidationError(_("%(field)s is not valid.") % {"field": name})
    return values


def _lookups_allowed(request: Request) -> None:
    """The portal's limit on failed status lookups, per address (429)."""
    if not services.portal_lookup_allowed(source_of(request)):
        raise DjangoValidationError(_("Too many failed lookups from this address: try again "
                                      "in an hour."), code="throttled")


def _lookup_failed(request: Request) -> None:
    services.portal_hit_record(source=source_of(request), kind=PortalHitKind.LOOKUP)


def _token(params: Any) -> str:
    return str(params.get("public_token", ""))[:64]


def requests_for(params: Any) -> tuple[list[dict[str, Any]], bool]:
    """The request list: the spec's filters, at most 1000, newest first; and
    whether a `public_token` was given that matched none of them."""
    if any("\x00" in str(v) for v in params.values()):
        raise DjangoValidationError(_("A parameter holds a NUL character."))
    cases = sel.open311_cases()
    ids = _list(params.get("service_request_id", ""), "service_request_id")
    if ids:  # the spec: with ids, the other filters are ignored
        cases = cases.filter(ref__in=ids)
    else:
        start, end = _window(params)
        cases = cases.filter(opened_at__gte=start, opened_at__lte=end)
        codes = _list(params.get("service_code", ""), "service_code")
        if codes:
            cases = cases.filter(item__code__in=codes)
        wanted = set(_list(params.get("status", ""), "status"))
        if wanted - {"open", "closed"}:
            raise DjangoValidationError(_("status is open or closed."))
        if wanted == {"open"}:
            cases = cases.filter(status__in=OPEN_STATUSES)
        elif wanted == {"closed"}:
            cases = cases.exclude(status__in=OPEN_STATUSES)
    token = _token(params)
    found = cases.order_by("-opened_at", "-id")[:sel.MAX_RECORDS]
    answers = [sel.request_json(c, private=sel.token_matches(c, token)) for c in found]
    missed = bool(token) and not any(a["extended_attributes"] for a in answers)
    return answers, missed


TOKEN = OpenApiParameter("public_token", OpenApiTypes.STR, required=False, description=(
    "Extension: the request's private code (given to the resident with the reference). "
    "With it, a request also shows status_notes, expected_datetime and "
    "extended_attributes (status_code, notes), as the portal's status page does."))
LIST_PARAMS = [*[OpenApiParameter(n, OpenApiTypes.STR, required=False) for n in (
    "service_request_id", "service_code", "start_date", "end_date", "status")], TOKEN]


class RequestListView(Open311View):
    xml_root, xml_item = "service_requests", "request"

    @extend_schema(operation_id="open311_requests", tags=["open311"], parameters=LIST_PARAMS,
                   responses={200: RequestSerializer(many=True), **errors(400, 404, 429)},
                   examples=[OpenApiExample("requests", value=[])])
    def get(self, request: Request, format: str | None = None) -> Response:  # noqa: A002
        _lookups_allowed(request)
        answers, missed = requests_for(request.query_params)
        if missed:
            _lookup_failed(request)
        return Response(answers)

    @extend_schema(operation_id="open311_request_create", tags=["open311"],
                   request={"application/x-www-form-urlencoded": PostFormSerializer,
                            "multipart/form-data": PostFormSerializer},
                   responses={201: CreatedSerializer(many=True), **errors(400, 403, 404, 415, 429)},
                   examples=[OpenApiExample("created", value=[{
                       "service_request_id": "ZJJ-2026-00123", "service_notice": "…",
                       "account_id": None}], response_only=True, status_codes=["201"])])
    def post(self, request: Request, format: str | None = None) -> Response:  # noqa: A002
        data = request.data  # a JSON or XML body: 415 here, before anything else
        if request.FILES:
            raise DjangoValidationError(_("Files are not accepted: give their addresses "
                                          "as media_url."))
        if key_for_secret(str(data.get("api_key", ""))) is None:
            raise PermissionDenied
        case = open311_create(data, source=source_of(request))
        return Response([{"service_request_id": case.ref, "account_id": None,
                          "service_notice": _("Received: the station will look at it soon.")}],
                        status=201)


class RequestDetailView(Open311View):
    xml_root, xml_item = "service_requests", "request"

    @extend_schema(operation_id="open311_request", tags=["open311"], parameters=[REF, TOKEN],
                   responses={200: RequestSerializer(many=True), **errors(400, 404, 429)},
                   examples=[ERROR_EXAMPLE, OpenApiExample("request", value=[])])
    def get(self, request: Request, ref: str, format: str | None = None) -> Response:  # noqa: A002
        _lookups_allowed(request)
        token = _token(request.query_params)
        case = sel.open311_cases().filter(ref=ref[:24]).first()
        private = case is not None and sel.token_matches(case, token)
        if case is None or (token and not private):
            _lookup_failed(request)
        if case is None:
            raise Http404
        return Response([sel.request_json(case, private=private)])


