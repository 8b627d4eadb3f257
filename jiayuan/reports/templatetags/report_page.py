"""Template helpers of the period report's pages (library `report_page`)."""

from __future__ import annotations

from typing import Any

from django import template

from jiayuan.core import metrics
from jiayuan.core.metrics import UNIT_LABELS
from jiayuan.reports import charts
from jiayuan.reports.report import Chart

register = template.Library()


@register.filter
def unit_label(unit: str) -> str:
    try:
        return str(UNIT_LABELS[metrics.Unit(unit)])
    except (ValueError, KeyError):
        return str(unit)


@register.filter
def reads_figures(user: Any) -> bool:
    """The account may read at least one figure (the reports page opens for it)."""
    return metrics.reads_any(user)


@register.inclusion_tag("reports/_chart.html")
def report_chart(chart: Chart, ident: str = "") -> dict[str, Any]:
    """A chart as inline SVG, with its numbers in a table for screen readers."""
    rows = [(category, [None if value is None else charts.value_text(value, chart.unit)
                        for value in (line[i] for _name, line in chart.series)])
            for i, category in enumerate(chart.categories)]
    return {"chart": chart, "g": charts.layout(chart), "ident": ident or chart.code,
            "rows": rows, "unit": unit_label(chart.unit)}
