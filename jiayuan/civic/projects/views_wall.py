"""The wall chart (挂图作战): the year's projects coloured by health, the same
board full-screen for the station's wall screen (refreshes itself, keeps its
filters, no navigation), and as an A3 landscape PDF."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from jiayuan.civic.choices import Health
from jiayuan.civic.projects import selectors
from jiayuan.civic.projects.forms import BoardFilterForm
from jiayuan.civic.projects.health import Colour
from jiayuan.core.access import require
from jiayuan.core.filters import read_filters
from jiayuan.core.models import User
from jiayuan.core.roles import Perm
from jiayuan.core.views import pdf_response

#: The wall screen reloads itself this often (seconds), with the same filters.
SCREEN_REFRESH = 300


def _pct(day: date, year: int) -> float:
    first, last = date(year, 1, 1), date(year, 12, 31)
    day = min(max(day, first), last)
    return round(100 * (day - first).days / ((last - first).days + 1), 2)


def place(rows: list[selectors.Row], year: int) -> None:
    """Where each bar and milestone mark sits on the year (percent of its width)."""
    for row in rows:
        p = row.project
        left = _pct(p.starts_on, year)
        end = p.ends_on + timedelta(days=1)
        right = 100.0 if end.year > year else _pct(end, year)
        row.left, row.width = left, max(right - left, 0.8)  # type: ignore[attr-defined]
        row.done = round(row.width * p.progress / 100, 2)  # type: ignore[attr-defined]
        row.marks = [(_pct(m.planned_on, year), m) for m in p.milestones.all()  # type: ignore[attr-defined]
                     if m.planned_on.year == year]
        place(row.children, year)


def _board(request: HttpRequest) -> tuple[User, selectors.Board, BoardFilterForm]:
    user = require(request.user, Perm.VIEW_CIVIC)
    filters = read_filters(request, BoardFilterForm(request.GET, actor=user))
    board = selectors.board(user, year=filters["year"], today=timezone.localdate(),
                            grid=filters["grid"], category=filters["category"] or "",
                            owner=filters["owner"])
    place(board.rows, board.year)
    return user, board, BoardFilterForm(request.GET or None, actor=user)


def _context(request: HttpRequest, board: selectors.Board, form: BoardFilterForm) -> dict[
        str, Any]:
    return {"board": board, "filters": form, "query": request.GET.urlencode(),
            "legend": [(Colour(h), board.counts[h.value]) for h in
                       (Health.LATE, Health.AT_RISK, Health.ON_TRACK, Health.DONE)],
            "months": range(1, 13),
            "today_at": _pct(board.today, board.year) if board.today.year == board.year
            else None}


@login_required
@require_GET
def wall_chart(request: HttpRequest) -> HttpResponse:
    _user, board, form = _board(request)
    return render(request, "civic/wall_chart.html", _context(request, board, form))


@login_required
@require_GET
def wall_chart_screen(request: HttpRequest) -> HttpResponse:
    _user, board, form = _board(request)
    context = _context(request, board, form)
    context.update({"refresh": SCREEN_REFRESH, "now": timezone.localtime()})
    return render(request, "civic/wall_screen.html", context)


@login_required
@require_GET
def wall_chart_pdf(request: HttpRequest) -> HttpResponse:
    user, board, _form = _board(request)
    from jiayuan.civic.projects.pdf import wall_chart_pdf as make_pdf

    station = settings.STATION_NAME or (user.community.name if user.community_id else "")
    data = make_pdf(board, station)
    return pdf_response(data, f"wall-chart-{board.year}.pdf")
