"""One error shape for the whole staff API (docs/api.md, "Errors"):

    {"error": {"status": 404, "code": "not_found", "message": "…",
               "fields": {"summary": ["…"]}}}

`fields` is present only for validation errors. Services raise Django's own
exceptions (ValidationError, PermissionDenied, Http404, versioning.Conflict);
they are mapped here, so a view never formats an error.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_handler

from jiayuan.core.versioning import Conflict


def body(status_code: int, code: str, message: str,
         fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"status": status_code, "code": code, "message": str(message)}
    if fields:
        error["fields"] = fields
    return {"error": error}


def _django_fields(exc: DjangoValidationError) -> tuple[str, dict[str, list[str]]]:
    if hasattr(exc, "error_dict"):
        fields = {name: [str(m) for e in errs for m in e.messages]
                  for name, errs in exc.error_dict.items()}
        general = fields.pop("__all__", [])
        message = general[0] if general else _("Some fields need correcting.")
        return message, fields
    messages = [str(m) for m in exc.messages]
    return (messages[0] if messages else _("The request is not valid.")), {}


def _drf_fields(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}{key}"
            if isinstance(value, dict):
                out.update(_drf_fields(value, f"{name}."))
            else:
                items = value if isinstance(value, list) else [value]
                out[name] = [str(v) for v in items if not isinstance(v, dict | list)] \
                    or [str(items)]
    elif isinstance(detail, list):
        out["non_field_errors"] = [str(v) for v in detail]
    return out


def handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, Conflict):
        message, fields = _django_fields(exc)
        return Response(body(409, "conflict", message, fields), status=409)
    if isinstance(exc, DjangoValidationError):
        message, fields = _django_fields(exc)
        return Response(body(400, "invalid", message, fields), status=400)
    if isinstance(exc, Http404 | exceptions.NotFound):
        return Response(body(404, "not_found", _("Not found.")), status=404)
    if isinstance(exc, exceptions.PermissionDenied):  # a read-only token, a CSRF failure
        code = getattr(exc.detail, "code", "")
        code = "forbidden" if code in ("", "permission_denied") else code
        return Response(body(403, code, str(exc.detail)), status=403)
    if isinstance(exc, PermissionDenied):  # from a service; some carry a code and a reason
        code = getattr(exc, "code", "forbidden")
        message = str(exc) if exc.args else _("You do not have permission to do this.")
        return Response(body(403, code, message), status=403)
    response = drf_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _drf_fields(exc.detail)
        response.data = body(400, "invalid", _("Some fields need correcting."), fields)
        return response
    code = "error"
    if isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else code
        detail = exc.detail if isinstance(exc.detail, str) else _("The request failed.")
    else:
        detail = _("The request failed.")
    response.data = body(response.status_code, code, str(detail))
    return response


class NotFoundView(APIView):
    """An address under /api/ that names nothing: the documented 404, not a page."""

    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []
    schema = None  # not part of the API

    def get(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        return Response(body(404, "not_found", _("Not found.")),
                        status=status.HTTP_404_NOT_FOUND)

    post = put = patch = delete = get


def nul_response(request: Any) -> JsonResponse:
    """The answer to a request holding a NUL character (core.middleware refuses those)."""
    return JsonResponse(body(400, "invalid", _("The request holds a NUL character.")),
                        status=400)
