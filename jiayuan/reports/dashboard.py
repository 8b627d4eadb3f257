"""The dashboard: the figures a reader may read, this month and today, each
with the list of its records and, where the figure has a cheap monthly
series, its last twelve months."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from jiayuan.core import metrics
from jiayuan.core.dbrouter import use_replica
from jiayuan.core.metrics import Figure, Metric, Period, Place
from jiayuan.core.models import User

TREND_MONTHS = 12


@dataclass(frozen=True)
class Tile:
    metric: Metric
    value: Figure
    period: Period
    url: str  # the list of the records behind the figure
    series: list[tuple[Period, Figure]] | None  # the last twelve months, if cheap


@dataclass(frozen=True)
class Group:
    label: str  # the app's name
    tiles: list[Tile]


def this_month(today: date) -> Period:
    """The dashboard's period for flows: this month so far."""
    return Period(today.replace(day=1), today, today)


def records_url(metric: Metric, period: Period, place: Place) -> str:
    """Where the records behind a figure are listed: the app's own list when
    it shows exactly them, else the generic list of the metric's records."""
    own = metric.url(period, place)
    if own:
        return own
    query = {"start": period.start.isoformat(), "end": period.end.isoformat(), **place.query()}
    return f"{reverse('figure_records', args=[metric.code])}?{urlencode(query)}"


def dashboard(actor: User, place: Place, today: date | None = None) -> list[Group]:
    today = today or timezone.localdate()
    month = this_month(today)
    trend = metrics.last_months(TREND_MONTHS, today)
    groups: dict[str, list[Tile]] = {}
    # Figures that share a query take it once; read from the replica when there is one.
    with metrics.reading(), use_replica():
        for metric in metrics.for_reader(actor, place):
            period = month
            tiles = groups.setdefault(metric.code.split(".")[0], [])
            series = metric.series(actor, trend, place) if metric.trended else None
            tiles.append(Tile(metric, metric.read(actor, period, place), period,
                              records_url(metric, period, place), series))
    return [Group(str(apps.get_app_config(label).verbose_name), tiles)
            for label, tiles in groups.items()]
