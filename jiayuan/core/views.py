from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiayuan.core.access import require
from jiayuan.core.models import AuditAction, AuditEntry, User
from jiayuan.core.roles import Perm, Role
from jiayuan.core.versioning import Conflict

T = TypeVar("T")


def apply_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form, on the field it names when
    the form has that field, otherwise at the top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def keep_input(form: forms.Form, record: Model) -> None:
    """After a Conflict: the form keeps what the user typed and now carries
    the version on record, so saving again once the user has checked replaces
    it (nothing typed is lost). The page answers 409 (`form_status`)."""
    # A bound form's data is the request's QueryDict (a dict in some tests):
    # either copies into a mutable mapping of the same kind.
    data = cast(QueryDict, form.data).copy()
    data[form.add_prefix("version")] = str(
        type(record)._default_manager.values_list("version", flat=True).get(pk=record.pk))
    form.data = data
    form.conflict = True  # type: ignore[attr-defined]


def year_param(request: HttpRequest, *, least: int = 2000) -> int:
    """The `?year=` a page was asked for, or this year (the station's): a value
    that is not a plain year from `least` to next year is ignored, not a 500."""
    this = timezone.localdate().year
    raw = request.GET.get("year", "")
    return int(raw) if raw.isascii() and raw.isdigit() and least <= int(raw) <= this + 1 else this


def pdf_response(data: bytes, name: str) -> HttpResponse:
    """A printout, shown in the browser (inline) as `name`, never kept in a cache."""
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


def form_status(form: forms.Form) -> int:
    return 409 if getattr(form, "conflict", False) else 200


def submit(request: HttpRequest, form: forms.Form, save: Callable[[dict[str, Any]], T],
           success: str | Callable[[T], str],
           redirect_to: Callable[[T], HttpResponse],
           record: Model | None = None) -> HttpResponse | None:
    """The one POST handler of a form page: validate, call the service, show
    its ValidationError on the form (on the field it names, else at the top),
    or confirm and redirect. `success` and `redirect_to` may use what the
    service returned; an empty `success` shows no message. None means
    "render the form" (a GET, or errors to show).

    `record` is the versioned row the form edits: a Conflict then keeps the
    user's input with the current version (render with `form_status(form)`).
    """
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = save(form.cleaned_data)
    except ValidationError as exc:
        apply_service_errors(form, exc)
        if record is not None and isinstance(exc, Conflict):
            keep_input(form, record)
        return None
    text = success(result) if callable(success) else success
    if text:  # "" for pages that confirm in their own way (the portal, a reply page)
        messages.success(request, text)
    return redirect_to(result)


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("Actor"), required=False)
    action = forms.ChoiceField(label=_("Action"), required=False,
                               choices=[("", _("Any"))] + list(AuditAction.choices))
    object_type = forms.CharField(label=_("Object type"), required=False)
    object_id = forms.CharField(label=_("Object id"), required=False)
    since = forms.DateField(label=_("From"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Until"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    user = require(request.user, Perm.VIEW_AUDIT)
    form = AuditFilterForm(request.GET or None)
    qs = AuditEntry.objects.all().order_by("-seq")
    if user.role == Role.HEAD and user.community_id:
        # A station head answers for their own station: the actions of its staff
        # (auditors and administrators see the whole log).
        staff = User.objects.filter(community_id=user.community_id).values("pk")
        qs = qs.filter(actor_id__in=staff)
    if form.is_bound and not form.is_valid():
        # A filter that can't be read (a malformed date) shows nothing, with
        # the field's error, never the unfiltered log under the user's filters.
        qs = qs.none()
    elif form.is_valid():
        data: dict[str, Any] = form.cleaned_data
        if data["actor"]:
            qs = qs.filter(actor_username=data["actor"])
        if data["action"]:
            qs = qs.filter(action=data["action"])
        if data["object_type"]:
            qs = qs.filter(object_type=data["object_type"])
        if data["object_id"]:
            qs = qs.filter(object_id=data["object_id"])
        if data["since"]:
            qs = qs.filter(at__date__gte=data["since"])
        if data["until"]:
            qs = qs.filter(at__date__lte=data["until"])
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "core/audit_log.html", {"form": form, "page": page})
