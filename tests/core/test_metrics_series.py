"""The month-by-month side of the metric registry: `months`, `last_months`,
`metric_parts.monthly_totals` and `Metric.series`, and breakdowns' reading rules."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.utils import timezone

from jiayuan.core import audit, metrics
from jiayuan.core.metric_parts import monthly_totals
from jiayuan.core.metrics import Breakdown, Cells, Metric, MetricError, Period, Place, Unit
from jiayuan.core.models import AuditAction
from jiayuan.core.roles import Perm
from jiayuan.registry.models import Household

TODAY = date(2026, 3, 15)


def test_a_quarter_has_three_months_and_a_custom_range_is_cut_to_its_days() -> None:
    parts = metrics.months(Period.quarter(2025, 4, today=TODAY))
    assert [(p.start, p.end) for p in parts] == [
        (date(2025, 10, 1), date(2025, 10, 31)), (date(2025, 11, 1), date(2025, 11, 30)),
        (date(2025, 12, 1), date(2025, 12, 31))]
    parts = metrics.months(Period.custom(date(2024, 2, 10), date(2024, 3, 5), today=TODAY))
    assert [(p.start, p.end) for p in parts] == [
        (date(2024, 2, 10), date(2024, 2, 29)), (date(2024, 3, 1), date(2024, 3, 5))]


def test_months_still_to_come_are_left_out() -> None:
    # This year, read in March: January to March (March whole: its days so far
    # and the days to come are one month).
    parts = metrics.months(Period.year(2026, today=TODAY))
    assert [p.start for p in parts] == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
    assert parts[-1].end == date(2026, 3, 31)


@pytest.mark.parametrize(("today", "first"), [
    (date(2026, 3, 15), date(2025, 4, 1)), (date(2026, 12, 6), date(2026, 1, 1)),
    (date(2028, 2, 29), date(2027, 3, 1)), (date(2027, 1, 1), date(2026, 2, 1))])
def test_the_last_twelve_months_end_today(today: date, first: date) -> None:
    period = metrics.last_months(12, today)
    assert (period.start, period.end) == (first, today)
    assert len(metrics.months(period)) == 12


# --- a metric with a trend, counted both ways -------------------------------------------

def _moved_in(actor: Any, period: Period, place: Place) -> QuerySet[Household]:
    return place.filter(Household.objects.all()).filter(
        moved_in__gte=period.start, moved_in__lte=period.end)


@pytest.fixture
def moved_in() -> Any:
    def trend(actor: Any, period: Period, place: Place) -> dict[date, metrics.Figure]:
        return monthly_totals(_moved_in(actor, period, place), "moved_in", period)

    metric = metrics.register(Metric(
        code="test.moved_in", name="Moved in", description="Households moved in.",
        unit=Unit.COUNT, model=Household, dated_by="moved_in", permission=Perm.VIEW_REGISTRY,
        records=_moved_in, trend=trend))
    without = metrics.register(Metric(
        code="test.moved_in_slow", name="Moved in", description="The same, month by month.",
        unit=Unit.COUNT, model=Household, dated_by="moved_in", permission=Perm.VIEW_REGISTRY,
        records=_moved_in))
    yield metric, without
    metrics.unregister("test.moved_in")
    metrics.unregister("test.moved_in_slow")


@pytest.mark.django_db
def test_a_trend_gives_each_month_its_own_figure(personas: Any, dwelling_a: Any,
                                                 moved_in: Any) -> None:
    from jiayuan.registry import services

    days = [date(2025, 4, 1), date(2025, 4, 30), date(2025, 6, 15), date(2026, 3, 15),
            date(2025, 3, 31)]  # the last one is before the twelve months
    for n, day in enumerate(days):
        services.household_create(actor=personas["head"], dwelling=dwelling_a,
                                  residency="resident", moved_in=day,
                                  head={"name": f"住户{n}", "sex": "F",
                                        "birth_date": date(1970, 1, 1), "phone": "",
                                        "id_number": "", "origin_code": ""})
    metric, without = moved_in
    period = metrics.last_months(12, TODAY)
    head = personas["head"]
    series = metric.series(head, period, Place.district())
    assert [v for _p, v in series] == [2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1]
    # The same as reading each month by the definition, and adding up to the whole.
    assert series == without.series(head, period, Place.district())
    assert sum(v for _p, v in series) == metric.read(head, period, Place.district()) == 4
    # A reader who may not read it gets zeros, not the figures.
    assert {v for _p, v in metric.series(AnonymousUser(), period, Place.district())} == {0}


@pytest.mark.django_db
def test_a_moment_is_counted_in_the_station_s_month(personas: Any) -> None:
    """23:30 on 31 March in the station (UTC+8) is 15:30 UTC: March, not April;
    00:30 on 1 April is still 31 March in UTC: April."""
    from jiayuan.core.models import AuditEntry

    for moment in (datetime(2026, 3, 31, 23, 30), datetime(2026, 4, 1, 0, 30)):
        with time_machine.travel(timezone.make_aware(moment), tick=False):
            audit.record(AuditAction.PRINT, actor=personas["head"],
                         obj=personas["head"])
    rows = AuditEntry.objects.filter(action=AuditAction.PRINT)
    spring = Period(date(2026, 3, 1), date(2026, 4, 30), date(2026, 4, 30))
    assert monthly_totals(rows, "at", spring) == {date(2026, 3, 1): 1, date(2026, 4, 1): 1}


# --- breakdowns -----------------------------------------------------------------------

def _cells(actor: Any, period: Period, place: Place) -> Cells:
    return Cells(rows=[("a", "A"), ("b", "B")], columns=[("n", "n")], counts=[[1], [2]])


def test_a_sensitive_breakdown_needs_the_sensitive_permission(personas: Any, db: Any) -> None:
    plain = Breakdown(code="test.plain", name="Plain", description="", cells=_cells,
                      permission=Perm.VIEW_REGISTRY)
    sensitive = Breakdown(code="test.sensitive", name="Sensitive", description="",
                          cells=_cells, permission=Perm.VIEW_REGISTRY, people=True,
                          sensitive=True)
    period = Period.month(2026, 2, today=TODAY)
    for name, user in personas.items():
        can_registry = user.has(Perm.VIEW_REGISTRY)
        assert plain.readable_by(user) == can_registry, name
        assert sensitive.readable_by(user) == (can_registry and user.has(Perm.VIEW_SENSITIVE))
        if not sensitive.readable_by(user):
            with pytest.raises(MetricError, match="may not read"):
                sensitive.read(user, period, Place.district())
    assert plain.read(personas["head"], period, Place.district()).total() == 3


# --- figures read together ------------------------------------------------------------

def test_a_shared_part_is_computed_once_only_while_figures_are_read_together() -> None:
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert metrics.shared("k", compute) == 1
    assert metrics.shared("k", compute) == 2  # not read together: afresh each time
    with metrics.reading():
        assert metrics.shared("k", compute) == 3
        assert metrics.shared("k", compute) == 3
        assert metrics.shared("other", compute) == 4
    with metrics.reading():  # nothing kept from the last reading
        assert metrics.shared("k", compute) == 5


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["at", "day"])
def test_month_counts_reads_each_month_by_the_definition_in_one_statement(
        personas: Any, field: str) -> None:
    """The records are compiled once, for a marked period, and each month's
    days and moments take the marks' places: the counts are those of each
    month's own records, whether the definition selects on moments
    (`since`/`until`) or on days (`start`/`end`, the last day inclusive)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jiayuan.core.metric_parts import month_counts
    from jiayuan.core.models import AuditEntry

    for moment in (datetime(2026, 1, 31, 23, 30), datetime(2026, 2, 1, 0, 30),
                   datetime(2026, 2, 28, 12, 0), datetime(2026, 3, 15, 8, 0)):
        with time_machine.travel(timezone.make_aware(moment), tick=False):
            audit.record(AuditAction.PRINT, actor=personas["head"], obj=personas["head"])

    def records(actor: Any, period: Period, place: Place) -> QuerySet[Any]:
        rows = AuditEntry.objects.filter(action=AuditAction.PRINT)
        if field == "at":
            return rows.filter(at__gte=period.since, at__lt=period.until)
        return rows.filter(at__date__gte=period.start, at__date__lte=period.end)

    quarter = Period(date(2026, 1, 1), date(2026, 3, 31), TODAY)
    with CaptureQueriesContext(connection) as queries:
        counts = month_counts(records, personas["head"], quarter, Place.district())
    by_month = {part.start: records(None, part, Place.district()).count()
                for part in metrics.months(quarter)}
    assert counts == by_month
    if field == "at":  # the station's months: 31 Jan 23:30 is January
        assert counts == {date(2026, 1, 1): 1, date(2026, 2, 1): 2, date(2026, 3, 1): 1}
    if connection.vendor == "sqlite":
        assert len(queries) == 1


@pytest.mark.django_db
def test_month_counts_without_the_period_in_its_definition_counts_month_by_month(
        personas: Any) -> None:
    """A definition that doesn't select on the period's days counts every
    month the same (the fallback reads each month by the definition)."""
    from jiayuan.core.metric_parts import month_counts
    from jiayuan.core.models import AuditEntry

    audit.record(AuditAction.PRINT, actor=personas["head"], obj=personas["head"])
    quarter = Period(date(2026, 1, 1), date(2026, 3, 31), TODAY)
    counts = month_counts(lambda a, p, pl: AuditEntry.objects.filter(action=AuditAction.PRINT),
                          personas["head"], quarter, Place.district())
    assert counts == dict.fromkeys([date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)], 1)
    nothing = month_counts(lambda a, p, pl: AuditEntry.objects.none(),
                           personas["head"], quarter, Place.district())
    assert set(nothing.values()) == {0}


@pytest.mark.django_db
def test_month_counts_of_a_scope_that_holds_nothing_are_zeros(personas: Any) -> None:
    """A reader whose scope holds no grid gets `pk__in=[]`, which Django
    refuses to compile (EmptyResultSet): every month counts 0, no error."""
    from jiayuan.core.metric_parts import month_counts
    from jiayuan.core.models import AuditEntry

    audit.record(AuditAction.PRINT, actor=personas["head"], obj=personas["head"])

    def records(actor: Any, period: Period, place: Place) -> QuerySet[Any]:
        return AuditEntry.objects.filter(pk__in=[], at__gte=period.since, at__lt=period.until)

    quarter = Period(date(2026, 1, 1), date(2026, 3, 31), TODAY)
    assert month_counts(records, personas["head"], quarter, Place.district()) == \
        dict.fromkeys([date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)], 0)
