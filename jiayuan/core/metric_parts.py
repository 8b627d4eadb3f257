"""Parts the apps' metrics are built with, beside the registry
(jiayuan.core.metrics): the month-by-month total of any dated records, in one
grouped query, and what a breakdown's rows and columns are, for
docs/metrics.md."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db.models import Count, DateTimeField, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from jiayuan.core.metrics import Breakdown, CellsFunc, Figure, Period, Place, Records, TrendFunc


def monthly_totals(qs: QuerySet[Any], field: str, value: Any = None) -> dict[date, Figure]:
    """How many rows of `qs` fall in each month by a date or datetime `field`
    (a path such as "batch__created_at" too), or any aggregate `value` of them
    (`Sum("hours")` for a sum): one grouped query. A datetime is read in
    station time; a date is its own day."""
    model, parts = qs.model, field.split("__")
    for part in parts[:-1]:
        model = model._meta.get_field(part).related_model
    is_moment = isinstance(model._meta.get_field(parts[-1]), DateTimeField)
    month = TruncMonth(field, tzinfo=timezone.get_current_timezone() if is_moment else None)
    rows = (qs.order_by().annotate(_month=month).values("_month")
            .annotate(_n=value if value is not None else Count("pk"))
            .values_list("_month", "_n"))
    out: dict[date, Figure] = {}
    for start, n in rows:
        if start is None:
            continue
        day = start.date() if isinstance(start, datetime) else start
        out[day] = (out.get(day) or 0) + (n or 0)
    return out


def monthly(records: Records, field: str, value: Any = None) -> TrendFunc:
    """A metric's `trend`: its records over the whole period, totalled by the
    month of `field` (the date the figure selects on)."""
    def trend(actor: Any, period: Period, place: Place) -> dict[date, Figure]:
        return monthly_totals(records(actor, period, place), field, value)

    return trend


def described(cells: CellsFunc, rows: Any, columns: Any) -> CellsFunc:
    """`cells`, marked with what its rows and columns are for docs/metrics.md:
    each a text or the (key, label) choices themselves."""
    cells.doc_axes = (rows, columns)  # type: ignore[attr-defined]
    return cells


def axes(breakdown: Breakdown) -> tuple[Any, Any]:
    """What a breakdown's rows and columns are (`described`), or blanks."""
    return getattr(breakdown.cells, "doc_axes", ("", ""))
