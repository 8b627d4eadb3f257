"""The period report: the form, the screen, the Excel file and the PDF, and
the reports prepared in the background.

Who may: any staff account that may read at least one figure (403, audited,
otherwise: selectors.require_reader). The form's input goes through
`report.parse`; what it refuses comes back on the form with its message
(400). Every run is recorded in the audit log by jiayuan.reports.services.

A report of a whole district over more than a quarter (`district_sized`) is
not built while the browser waits: the Excel and PDF links queue a
ReportRun and lead to the list of the reader's runs, which refreshes until
the file is ready. A run is its requester's alone: anyone else's is a 404.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from jiayuan.core import scope
from jiayuan.core.models import User
from jiayuan.core.views import pdf_response
from jiayuan.reports import services
from jiayuan.reports.models import ReportRun, RunFormat, RunState
from jiayuan.reports.naming import place_label
from jiayuan.reports.report import (
    PERIOD_KINDS,
    Params,
    Report,
    ReportError,
    community_model,
    default_params,
    parse,
    period_label,
)
from jiayuan.reports.selectors import get_run_for, require_reader, runs_for

# Seconds between two looks of the runs page while a run is being prepared.
REFRESH_SECONDS = 5
# The fields of the report's query: any of them means a report was asked for.
FIELDS = ("kind", "year", "quarter", "month", "start", "end", "place", "grid", "community")
KIND_LABELS = {"month": _("A month"), "quarter": _("A quarter"), "year": _("A year"),
               "custom": _("Your own dates")}


def _asked(data: Any) -> bool:
    return any(name in data for name in FIELDS)


def _places(actor: User) -> dict[str, list[tuple[str, str]]]:
    """The places the form offers: the communities (when the reader's area
    spans more than one) and the grids of the reader's scope."""
    ids = scope.community_ids(actor)
    communities = community_model(actor).objects.order_by("name")
    if ids is not None:
        communities = communities.filter(pk__in=ids)
    listed = [(f"community:{c.pk}", str(c)) for c in communities]
    grids = [(f"grid:{g.pk}", f"{g} ({g.code})") for g in scope.grids_for(actor)]
    return {"communities": listed if len(listed) > 1 else [], "grids": grids}


def _form_values(params: Params | None, data: Any) -> dict[str, str]:
    """What the form's fields show: the report's parameters, or what was typed."""
    if params is None:
        shown = default_params().query()
        values = {name: str(data.get(name, shown.get(name, ""))) for name in FIELDS}
        if "place" not in data:
            values["place"] = (f"grid:{data['grid']}" if data.get("grid") else
                               f"community:{data['community']}" if data.get("community")
                               else "")
        return values
    start, end = params.period.start, params.period.end
    place = "" if params.place.id is None else f"{params.place.kind}:{params.place.id}"
    return {"kind": params.kind, "year": str(start.year),
            "quarter": str((start.month - 1) // 3 + 1), "month": str(start.month),
            "start": start.isoformat(), "end": end.isoformat(), "place": place}


def _label(actor: User, params: Params) -> str:
    return f"{period_label(params)} · {place_label(actor, params.place)}"


def _page(request: HttpRequest, actor: User, params: Params | None, *,
          report: Report | None = None, error: str = "", status: int = 200) -> HttpResponse:
    query = urlencode(params.query()) if params is not None else ""
    context = {
        "values": _form_values(params, request.GET),
        "kinds": [(kind, KIND_LABELS[kind]) for kind in PERIOD_KINDS],
        "quarters": range(1, 5), "months": range(1, 13), "places": _places(actor),
        "error": error, "params": params, "report": report, "query": query,
        "background": params is not None and report is None and services.in_background(params),
        "label": _label(actor, params) if params is not None else "",
    }
    return render(request, "reports/report.html", context, status=status)


def _params(request: HttpRequest, actor: User) -> Params:
    """The report asked for: the query's, or the page's default (the last finished quarter)."""
    today = timezone.localdate()
    if not _asked(request.GET):
        return default_params(today)
    return parse(actor, request.GET, today=today)


@login_required
@require_GET
def report_page(request: HttpRequest) -> HttpResponse:
    actor = require_reader(request.user)  # type: ignore[arg-type]
    try:
        params = _params(request, actor)
    except ReportError as error:
        return _page(request, actor, None, error=str(error), status=400)
    # None: prepared in the background, the page offers its files
    return _page(request, actor, params, report=services.report_show(actor=actor, params=params))


def _file_response(file: services.ReportFile, fmt: str) -> HttpResponse:
    if fmt == RunFormat.PDF:
        return pdf_response(file.content, file.filename)
    response = HttpResponse(file.content, content_type=file.content_type)
    response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _runs_url(run: ReportRun) -> str:
    return f"{reverse('report_runs')}?{urlencode({'run': run.pk})}"


def _download(request: HttpRequest, fmt: RunFormat) -> HttpResponse:
    actor = require_reader(request.user)  # type: ignore[arg-type]
    if not _asked(request.GET):
        return redirect("report")  # which report? the page's form says
    try:
        params = parse(actor, request.GET, today=timezone.localdate())
    except ReportError as error:
        return _page(request, actor, None, error=str(error), status=400)
    out = services.report_download(actor=actor, params=params, fmt=fmt,
                                   language=translation.get_language() or "",
                                   label=_label(actor, params))
    if isinstance(out, ReportRun):
        return redirect(_runs_url(out))
    return _file_response(out, fmt)


@login_required
@require_GET
def report_xlsx(request: HttpRequest) -> HttpResponse:
    return _download(request, RunFormat.XLSX)


@login_required
@require_GET
def report_pdf(request: HttpRequest) -> HttpResponse:
    return _download(request, RunFormat.PDF)


@login_required
@require_GET
def report_runs(request: HttpRequest) -> HttpResponse:
    """The reader's reports prepared in the background (`?run=` one of them
    first): refreshed while one is still being prepared."""
    actor = require_reader(request.user)  # type: ignore[arg-type]
    mine = runs_for(actor)
    run = get_run_for(actor, request.GET["run"]) if "run" in request.GET else None
    runs = [r for r in mine[:20] if run is None or r.pk != run.pk]
    pending = any(r.pending for r in [*runs, *([run] if run else [])])
    # A run that failed may be asked again: the same report, queued anew.
    again = (f"{reverse('report_' + run.format)}?{urlencode(run.params)}"
             if run is not None and run.state == RunState.FAILED else "")
    response = render(request, "reports/report_runs.html", {
        "run": run, "runs": runs, "pending": pending, "refresh": REFRESH_SECONDS,
        "states": RunState, "again": again})
    if pending:
        response["Refresh"] = str(REFRESH_SECONDS)
    return response


@login_required
@require_GET
def report_run_file(request: HttpRequest) -> HttpResponse:
    """The file of one of the reader's runs, once it is ready."""
    actor = require_reader(request.user)  # type: ignore[arg-type]
    if "run" not in request.GET:
        return redirect("report_runs")
    run = get_run_for(actor, request.GET["run"], with_file=True)
    if run.state != RunState.DONE:
        return redirect(_runs_url(run))
    return _file_response(services.report_run_download(actor=actor, run=run),
                          RunFormat(run.format))
