"""Metrics defined once: the figures the station is asked for, each one a
documented definition in code that every dashboard, report and export reads.

core knows no app. Each app defines its own metrics in a `metrics.py` module,
which `autodiscover()` imports when the core app is ready (as the scheduler
finds each app's `jobs.py`):

    from jiayuan.core import metrics

    metrics.register(metrics.Metric(
        code="desk.cases_opened", name=_("Cases opened"), description=_("..."),
        unit=metrics.Unit.COUNT, model=Case, dated_by="opened_at",
        permission=Perm.VIEW_CASES,
        records=lambda actor, period, place: place.filter(cases_for(actor)).filter(...)))

A metric's `records(actor, period, place)` is the queryset of the records
behind the figure, started from the app's own selector (so it is in the
actor's scope); `value(actor, period, place)` is the figure, computed by one
aggregate query. A count metric without a `value` of its own counts its
records, so the figure and the list behind it cannot disagree.
`docs/metrics.md` is written from these definitions (`manage.py metrics_doc`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, QuerySet
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiayuan.core.periods import (  # noqa: F401  (re-exported: metrics.Period, …)
    EVERY_PLACE,
    PLACE_LABELS,
    Period,
    Place,
    PlaceKind,
    last_months,
    months,
)
from jiayuan.core.roles import Perm

if TYPE_CHECKING:
    from jiayuan.core.models import User


class Unit(StrEnum):
    COUNT = "count"
    PERCENT = "percent"  # 0 to 100; None when there is nothing to divide
    DAYS = "days"
    HOURS = "hours"


UNIT_LABELS = {Unit.COUNT: gettext_lazy("count"), Unit.PERCENT: gettext_lazy("percent"),
               Unit.DAYS: gettext_lazy("days"), Unit.HOURS: gettext_lazy("hours")}


# --- the metric ------------------------------------------------------------------

Records = Callable[["User", Period, Place], QuerySet[Any]]
Figure = int | float | Decimal | None
ValueFunc = Callable[["User", Period, Place], Figure]
ListUrl = Callable[[Period, Place], str | None]
# The figure for each month of a period, in one grouped query: {first day of
# the month: figure}; months without records may be left out (they are 0).
TrendFunc = Callable[["User", Period, Place], dict[date, Figure]]


class MetricError(ValueError):
    """An unknown metric, or a place a metric is not broken down by."""


@dataclass(frozen=True)
class Metric:
    """One figure. `records` gives the records it counts (in the reader's
    scope, through the app's selectors); `value` the figure itself, one
    aggregate query (default: how many records). `dated_by` says which date
    of a record the period selects on ("" when the figure is a snapshot of
    today and the period does not apply); `places` the places it can be
    taken for; `list_url` the staff list of the records behind it, for the
    periods and places where that list shows exactly them (else None)."""

    code: str
    name: Any  # lazy, translatable
    description: Any  # lazy, translatable
    unit: Unit
    model: type[Model]
    records: Records
    permission: Perm
    dated_by: str = ""
    value: ValueFunc | None = None
    how: Any = ""  # what `value` computes, when it is not the number of records
    places: frozenset[PlaceKind] = EVERY_PLACE
    list_url: ListUrl | None = None
    order: int = 0
    trend: TrendFunc | None = None  # the figure per month, in one query (trend charts)
    # What stands on the period's last day (today, if the period ends later):
    # a head count, not a flow; the dashboard says "today", not "this month".
    on_last_day: bool = False
    # For a count: the number of its records, taken another way (one grouped
    # query that several figures share, `shared`); it must equal records().count().
    counted: ValueFunc | None = None

    def __post_init__(self) -> None:
        if self.value is None and self.unit != Unit.COUNT:
            raise ImproperlyConfigured(f"Metric {self.code}: a {self.unit} needs a value().")

    @property
    def blank(self) -> Figure:  # of nothing: 0 of a count; no rate or time at all
        return 0 if self.unit == Unit.COUNT else None

    @property
    def counts_records(self) -> bool:
        """The figure is the number of its records (the drill-down's length)."""
        return self.value is None

    @property
    def snapshot(self) -> bool:
        return not self.dated_by

    def accepts(self, place: Place) -> bool:
        return place.kind in self.places

    def _check(self, place: Place) -> None:
        if not self.accepts(place):
            raise MetricError(_("“%(metric)s” is not counted per %(place)s.")
                              % {"metric": self.name, "place": PLACE_LABELS[place.kind]})

    def readable_by(self, actor: User) -> bool:
        return bool(actor.is_authenticated and actor.has(self.permission))

    def rows(self, actor: User, period: Period, place: Place) -> QuerySet[Any]:
        """The records behind the figure (none for a reader without the permission)."""
        self._check(place)
        qs = self.records(actor, period, place)
        return qs if self.readable_by(actor) else qs.none()

    def read(self, actor: User, period: Period, place: Place) -> Figure:
        """The figure for `actor`; without the permission, 0 records, or no
        figure at all (None) for a rate or a time."""
        self._check(place)
        if not self.readable_by(actor):
            return self.blank
        if self.value is not None:
            return self.value(actor, period, place)
        return (self.counted(actor, period, place) if self.counted is not None
                else self.records(actor, period, place).count())

    def url(self, period: Period, place: Place) -> str | None:
        return self.list_url(period, place) if self.list_url and self.accepts(place) else None

    @property
    def trended(self) -> bool:  # a cheap month-by-month series (`trend`)
        return self.trend is not None

    def series(self, actor: User, period: Period, place: Place) -> list[tuple[Period, Figure]]:
        """The figure for each month of `period` (cut to it). With a `trend`,
        one grouped query; without, one `read` per month. For a count of
        dated records the months add up to the figure for the whole period."""
        self._check(place)
        parts = months(period)
        if not self.readable_by(actor):
            return [(part, self.blank) for part in parts]
        if self.trend is None:
            return [(part, self.read(actor, part, place)) for part in parts]
        by_month = self.trend(actor, period, place)
        none: Figure = None if self.unit == Unit.PERCENT else 0  # a month without records
        return [(part, by_month.get(part.start.replace(day=1), none)) for part in parts]


def percent(part: int, whole: int) -> float | None:
    """part of whole as a percentage (None when there is nothing to divide)."""
    return 100 * part / whole if whole else None


# --- figures read together ----------------------------------------------------------

_reading: ContextVar[dict[Any, Any] | None] = ContextVar("metrics_reading", default=None)


@contextmanager
def reading() -> Iterator[None]:
    """Figures read together (a dashboard, a report): what several of them
    share (`shared`) is computed once while this lasts, and never kept after."""
    token = _reading.set({})
    try:
        yield
    finally:
        _reading.reset(token)


def shared(key: Any, compute: Callable[[], Any]) -> Any:
    """`compute()`, once per `key` while figures are read together (`reading`);
    outside that, every call computes afresh. The key names everything the
    result depends on (the reader, the day, the place)."""
    store = _reading.get()
    if store is None:
        return compute()
    if key not in store:
        store[key] = compute()
    return store[key]


# --- breakdowns -----------------------------------------------------------------

@dataclass(frozen=True)
class Cells:
    """A breakdown's counts: one row per label (in order), one column per
    column label; `rows` and `columns` are (key, label) pairs, the key stable
    (a choice's code), the label what the reader reads (lazy, translatable)."""

    rows: list[tuple[str, Any]]
    columns: list[tuple[str, Any]]
    counts: list[list[int]]

    def total(self) -> int:
        return sum(sum(line) for line in self.counts)


CellsFunc = Callable[["User", Period, Place], Cells]


@dataclass(frozen=True)
class Breakdown:
    """A table of counts by category (outcomes by kind, visits by reason,
    people by residency and ethnic group). `people`: it counts people, so it
    goes through the one suppression rule (lib.suppression) whenever it is
    published: in every export and printout, and on screen for a reader
    without `sensitive_permission`. `sensitive`: the categories themselves are
    sensitive (ethnicity, origin place, health, disability, hardship): only
    readers with Perm.VIEW_SENSITIVE see the table at all, never per
    individual and never as a filter on a list of people."""

    code: str
    name: Any
    description: Any
    permission: Perm
    cells: CellsFunc
    dated_by: str = ""
    people: bool = False
    sensitive: bool = False
    places: frozenset[PlaceKind] = EVERY_PLACE
    order: int = 0

    def readable_by(self, actor: User) -> bool:
        if not (actor.is_authenticated and actor.has(self.permission)):
            return False
        return not self.sensitive or actor.has(Perm.VIEW_SENSITIVE)

    def accepts(self, place: Place) -> bool:
        return place.kind in self.places

    def read(self, actor: User, period: Period, place: Place) -> Cells:
        if not self.accepts(place):
            raise MetricError(_("“%(metric)s” is not counted per %(place)s.")
                              % {"metric": self.name, "place": PLACE_LABELS[place.kind]})
        if not self.readable_by(actor):
            raise MetricError(_("You may not read “%(metric)s”.") % {"metric": self.name})
        return self.cells(actor, period, place)


_breakdowns: dict[str, Breakdown] = {}


def register_breakdown(breakdown: Breakdown) -> Breakdown:
    taken = _breakdowns.get(breakdown.code)
    if taken is not None and taken.cells.__module__ != breakdown.cells.__module__:
        raise ImproperlyConfigured(f"The breakdown {breakdown.code!r} is registered twice.")
    _breakdowns[breakdown.code] = breakdown
    return breakdown


def all_breakdowns() -> list[Breakdown]:
    labels = [config.label for config in apps.get_app_configs()]

    def key(item: Breakdown) -> tuple[int, int, str]:
        label = item.code.split(".")[0]
        return (labels.index(label) if label in labels else len(labels), item.order, item.code)

    return sorted(_breakdowns.values(), key=key)


def breakdowns_for(actor: User, place: Place | None = None) -> list[Breakdown]:
    return [b for b in all_breakdowns() if b.readable_by(actor)
            and (place is None or b.accepts(place))]


# --- the registry ----------------------------------------------------------------

_registry: dict[str, Metric] = {}


def _origin(metric: Metric) -> str:
    return getattr(metric.records, "__module__", "?")


def register(metric: Metric) -> Metric:
    """Add `metric`; a code is unique (the same module registering again, as
    when it is reloaded, replaces its own)."""
    taken = _registry.get(metric.code)
    if taken is not None and _origin(taken) != _origin(metric):
        raise ImproperlyConfigured(f"The metric {metric.code!r} is registered twice: by "
                                   f"{_origin(taken)} and by {_origin(metric)}.")
    _registry[metric.code] = metric
    return metric


def unregister(code: str) -> None:
    """Remove a metric (tests that register one of their own)."""
    _registry.pop(code, None)


def all_metrics() -> list[Metric]:
    """Every metric: by app (in INSTALLED_APPS' order, lower layers first; the
    code starts with the app's label), then in each app's order."""
    labels = [config.label for config in apps.get_app_configs()]

    def key(metric: Metric) -> tuple[int, str, int, str]:
        label = metric.code.split(".")[0]
        return (labels.index(label) if label in labels else len(labels), label,
                metric.order, metric.code)

    return sorted(_registry.values(), key=key)


def get(code: str) -> Metric:
    try:
        return _registry[code]
    except KeyError:
        raise MetricError(_("There is no figure called “%(code)s”.")
                          % {"code": str(code)[:60]}) from None


def for_reader(actor: User, place: Place | None = None) -> list[Metric]:
    """The metrics `actor` may read (for `place`, those taken there)."""
    return [m for m in all_metrics() if m.readable_by(actor)
            and (place is None or m.accepts(place))]


def reads_any(actor: Any) -> bool:
    """`actor` is signed in and may read at least one figure: the reports page
    opens for it, and the menu and the home page show figures."""
    return bool(getattr(actor, "is_authenticated", False) and for_reader(actor))


def autodiscover() -> None:
    """Import every installed app's `metrics` module, which registers its metrics."""
    autodiscover_modules("metrics")
