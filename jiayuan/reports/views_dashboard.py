"""The dashboard (the staff home page) and the records behind each figure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from jiayuan.core import metrics
from jiayuan.core.access import require
from jiayuan.core.metrics import Figure, MetricError, Period, Place, PlaceKind, Unit
from jiayuan.core.models import User
from jiayuan.reports import links
from jiayuan.reports.dashboard import TREND_MONTHS, Tile, dashboard, this_month
from jiayuan.reports.naming import (
    community_label,
    grid_label,
    place_label,
    scope_grids,
    scope_label,
)
from jiayuan.reports.report import ReportError, figure_text, parse, parse_place

PAGE_SIZE = 50


# --- the twelve-month chart ----------------------------------------------------------

@dataclass(frozen=True)
class Bar:
    x: str  # SVG coordinates, written with a dot whatever the language
    y: str
    height: str
    month: str  # 2026-03
    text: str  # the figure as written
    current: bool


@dataclass(frozen=True)
class Spark:
    label: str
    bars: list[Bar]


SPARK_TOP, SPARK_BASE, SPARK_STEP, SPARK_MIN = 2.0, 34.0, 10.0, 1.5


def spark(name: str, unit: str, series: list[tuple[Period, Figure]]) -> Spark:
    """Bars scaled to the highest month (a month without a figure has no
    bar; a figure above nothing at least a sliver), the last month (this
    one) highlighted."""
    values = [float(v) if v is not None else None for _p, v in series]
    top = max((v for v in values if v is not None), default=0.0)
    bars = []
    for i, ((part, value), number) in enumerate(zip(series, values, strict=True)):
        height = 0.0
        if number and top > 0:
            height = max(SPARK_MIN, (SPARK_BASE - SPARK_TOP) * number / top)
        bars.append(Bar(f"{i * SPARK_STEP + 1.5:.1f}", f"{SPARK_BASE - height:.1f}",
                        f"{height:.1f}", f"{part.start.year}-{part.start.month:02d}",
                        figure_text(value, unit), i == len(series) - 1))
    label = _("%(name)s, month by month: the last %(n)s months") % {"name": name,
                                                                    "n": len(series)}
    return Spark(label, bars)


# --- the dashboard -------------------------------------------------------------------

@dataclass(frozen=True)
class TileView:
    tile: Tile
    text: str
    caption: str
    dom_id: str
    spark: Spark | None


def tile_view(tile: Tile) -> TileView:
    metric = tile.metric
    caption = _("Today") if metric.snapshot or metric.on_last_day else _("This month so far")
    chart = spark(str(metric.name), metric.unit, tile.series) if tile.series else None
    return TileView(tile, figure_text(tile.value, metric.unit), caption,
                    "fig-" + metric.code.replace(".", "-").replace("_", "-"), chart)


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    selected: bool


def place_choices(user: User, place: Place, grids: list[Any]) -> list[Choice]:
    """The places a reader whose scope holds more than one grid may pick: the
    whole scope, each community (when there are several), each grid."""
    if len(grids) < 2:
        return []
    out = [Choice("", scope_label(user, grids), place.kind == PlaceKind.DISTRICT)]
    communities = {g.community_id: g.community for g in grids}
    if len(communities) > 1:
        out += [Choice(f"community:{pk}", community_label(c),
                       place == Place.community(pk)) for pk, c in communities.items()]
    out += [Choice(f"grid:{g.pk}", grid_label(g, community=len(communities) > 1),
                   place == Place.grid(g.pk)) for g in grids]
    return out


def _place_query(data: QueryDict) -> dict[str, str]:
    """The picker's `place=grid:3` (or `community:2`, or empty) as the
    `grid=3` that parse_place reads; `grid=` and `community=` are read as
    they are (the tiles' links)."""
    if "place" not in data:
        return {key: data.get(key, "") for key in ("grid", "community")}
    kind, _sep, pk = data.get("place", "").partition(":")
    if not kind:
        return {}
    if kind not in (PlaceKind.GRID, PlaceKind.COMMUNITY):
        raise ReportError(_("Choose the whole area, a community or a grid from the list."))
    return {kind: pk}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    context: dict[str, Any] = {"groups": None}
    status = 200
    if metrics.reads_any(user):
        today = timezone.localdate()
        grids = scope_grids(user)
        error = ""
        try:
            place = parse_place(user, _place_query(request.GET))
        except ReportError as exc:
            error, status, place = str(exc), 400, Place.district()
        groups = [(group.label, [tile_view(t) for t in group.tiles])
                  for group in dashboard(user, place, today)]
        context.update(groups=groups, error=error, trend_months=TREND_MONTHS,
                       heading=place_label(user, place, grids),
                       choices=place_choices(user, place, grids), month=this_month(today))
    return render(request, "reports/home.html", context, status=status)


# --- the records behind a figure ----------------------------------------------------------

def _problem(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "reports/figure_problem.html",
                  {"message": message, "status": status}, status=status)


def _period_query(data: QueryDict, today: date) -> dict[str, str]:
    """The dates asked (`start`, `end`), as a custom report period; neither:
    this month so far, the dashboard's."""
    out = {key: data.get(key, "") for key in ("grid", "community")}
    start, end = data.get("start"), data.get("end")
    if start is None and end is None:
        month = this_month(today)
        start, end = month.start.isoformat(), month.end.isoformat()
    return {**out, "kind": "custom", "start": start or "", "end": end or ""}


@dataclass(frozen=True)
class Row:
    label: str
    url: str | None


@login_required
@require_GET
def figure_records(request: HttpRequest, code: str) -> HttpResponse:
    try:
        metric = metrics.get(code)
    except MetricError as exc:
        return _problem(request, str(exc), 404)
    user = require(request.user, metric.permission)  # 403, audited
    today = timezone.localdate()
    try:
        params = parse(user, _period_query(request.GET, today), today)
        value = metric.read(user, params.period, params.place)
    except (ReportError, MetricError) as exc:  # dates, a place out of scope or not counted
        return _problem(request, str(exc), 400)
    rows = links.prepared(metric.rows(user, params.period, params.place))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    objects: list[Model] = list(page.object_list)
    grids = scope_grids(user)
    return render(request, "reports/figure_records.html", {
        "metric": metric, "period": params.period, "text": figure_text(value, metric.unit),
        "place": place_label(user, params.place, grids), "page": page,
        "rows": [Row(links.label(obj), links.url(obj)) for obj in objects],
        "records_name": metric.model._meta.verbose_name_plural,
        "is_count": metric.counts_records, "is_percent": metric.unit == Unit.PERCENT,
        "home_query": _home_query(params.place)})


def _home_query(place: Place) -> str:
    return f"?place={place.kind}:{place.id}" if place.id is not None else ""
