"""Parts the apps' metrics are built with, beside the registry
(jiayuan.core.metrics): the month-by-month total of any dated records, in one
query, and what a breakdown's rows and columns are, for
docs/metrics.md."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, connections
from django.db.models import (
    Aggregate,
    Count,
    DateTimeField,
    FloatField,
    Func,
    Q,
    QuerySet,
)

from jiayuan.core.metrics import (
    Breakdown,
    Cells,
    CellsFunc,
    Figure,
    Period,
    Place,
    Records,
    TrendFunc,
    months,
)


def monthly_totals(qs: QuerySet[Any], field: str, period: Period,
                   value: Aggregate | None = None) -> dict[date, Figure]:
    """How many rows of `qs` fall in each month of `period` by a date or
    datetime `field` (a path such as "batch__created_at" too), or any
    aggregate `value` of them (`Sum("hours")` for a sum): one query, each
    month a filtered aggregate over the period's rows. A datetime is cut at
    the station's midnights; a date is its own day. (Not a GROUP BY of the
    truncated month: SQLite truncates a moment in a Python function called
    once per row, about 25 times slower at a district's size; bench/
    dashboard_report.py.)"""
    parts = months(period)
    if not parts:
        return {}
    model, names = qs.model, field.split("__")
    for name in names[:-1]:
        model = model._meta.get_field(name).related_model
    is_moment = isinstance(model._meta.get_field(names[-1]), DateTimeField)

    def within(part: Period) -> Q:
        if is_moment:
            return Q(**{f"{field}__gte": part.since, f"{field}__lt": part.until})
        return Q(**{f"{field}__gte": part.start, f"{field}__lt": part.after_end})

    def measure(part: Period) -> Aggregate:
        if value is None:
            return Count("pk", filter=within(part))
        each = value.copy()
        each.filter = within(part) if value.filter is None else (value.filter & within(part))
        return each

    whole = Period(parts[0].start, parts[-1].end, period.today)
    row = qs.order_by().filter(within(whole)).aggregate(
        **{f"m{i}": measure(part) for i, part in enumerate(parts)})
    return {part.start.replace(day=1): row[f"m{i}"] or 0 for i, part in enumerate(parts)}


def _final_field(model: Any, field: str) -> Any:
    """The model field at the end of a path such as "batch__created_at"."""
    names = field.split("__")
    for name in names[:-1]:
        model = model._meta.get_field(name).related_model
    return model._meta.get_field(names[-1])


def monthly(records: Records, field: str, value: Any = None) -> TrendFunc:
    """A metric's `trend`: its records over the whole period, totalled by the
    month of `field` (the date the figure selects on).

    One statement either way, chosen by what measured faster at a district's
    size (bench/dashboard_report.py): a count is a COUNT of each month's
    records as scalar subqueries (`month_counts`: each a range of an index;
    one pass over the year's rows sorting each into its month cost 3-5 times
    more on SQLite and 3-4 times more on PostgreSQL); a sum is one pass with a
    filtered aggregate per month (`monthly_totals`)."""
    def trend(actor: Any, period: Period, place: Place) -> dict[date, Figure]:
        if value is None:
            return month_counts(records, actor, period, place)
        return monthly_totals(records(actor, period, place), field, period, value)

    return trend


# A period no record falls in, whose days and moments mark, in the compiled
# SQL of a metric's records, where a month's own go.
MARK = Period(date(1900, 1, 1), date(1900, 1, 5))


def _bounds(period: Period) -> list[Any]:
    """A period's days and moments as the database is given them, in the
    order of `_bounds(MARK)`."""
    ops = connection.ops
    return [ops.adapt_datefield_value(period.start), ops.adapt_datefield_value(period.end),
            ops.adapt_datefield_value(period.after_end),
            ops.adapt_datetimefield_value(period.since),
            ops.adapt_datetimefield_value(period.until)]


def month_counts(records: Records, actor: Any, period: Period,
                 place: Place) -> dict[date, Figure]:
    """How many records the metric has in each month of `period`, by its own
    definition (`records` of each month), in one statement of a COUNT per
    month as scalar subqueries. The records are built and compiled once, for
    MARK, and each month's days take the marks' places among the parameters
    (building and compiling them once per month cost as much as running
    them)."""
    parts = months(period)
    if not parts:
        return {}
    qs = records(actor, MARK, place).order_by()
    marks = _bounds(MARK)
    try:
        sql, params = qs.values("pk").query.sql_with_params()
    except EmptyResultSet:  # a scope that holds nothing (`pk__in=[]`): no records
        return {part.start.replace(day=1): 0 for part in parts}
    found = [i for i, value in enumerate(params) if value in marks]
    if (not sql or not found or qs.query.distinct or qs.query.group_by
            or qs.query.is_sliced):
        # Nothing to read, or a count that isn't a plain COUNT of rows, or a
        # definition without the period's days as parameters: month by month.
        return {part.start.replace(day=1): records(actor, part, place).count()
                for part in parts}
    selects, every = [], []
    for n, part in enumerate(parts):
        mine, swap = list(params), dict(zip(marks, _bounds(part), strict=True))
        for i in found:
            mine[i] = swap[mine[i]]
        # Django compiled `sql`; the values are parameters.
        selects.append(f"(SELECT COUNT(*) FROM ({sql}) AS m{n})")  # noqa: S608
        every += mine
    # Where the records' own query would go (a read replica inside use_replica()).
    with connections[qs.db].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(selects), every)
        row = cursor.fetchone()
    return {part.start.replace(day=1): int(count or 0)
            for part, count in zip(parts, row, strict=True)}


def by_choice(records: Records, field: str, choices: list[tuple[str, Any]],
              column: tuple[str, Any]) -> CellsFunc:
    """A breakdown of `records` by `field`: one row per choice (in order, every
    one even at 0), one column: how many of the records have it, in one
    grouped query."""
    def cells(actor: Any, period: Period, place: Place) -> Cells:
        found = dict(records(actor, period, place).order_by().values(field)
                     .annotate(n=Count("id")).values_list(field, "n"))
        return Cells(rows=list(choices), columns=[column],
                     counts=[[found.get(code, 0)] for code, _label in choices])

    return described(cells, choices, [column])


def described(cells: CellsFunc, rows: Any, columns: Any) -> CellsFunc:
    """`cells`, marked with what its rows and columns are for docs/metrics.md:
    each a text or the (key, label) choices themselves."""
    cells.doc_axes = (rows, columns)  # type: ignore[attr-defined]
    return cells


def axes(breakdown: Breakdown) -> tuple[Any, Any]:
    """What a breakdown's rows and columns are (`described`), or blanks."""
    return getattr(breakdown.cells, "doc_axes", ("", ""))


class DaysBetween(Func):
    """The days (a float) from the moment `start` to the moment `end`, computed
    by the database: comparing waits over a quarter's cases reads one number
    per case instead of two datetimes turned into Python objects (about ten
    times faster at a district's size; bench/dashboard_report.py)."""

    output_field = FloatField()
    arity = 2

    def __init__(self, start: Any, end: Any) -> None:
        super().__init__(end, start)  # written as end - start

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection,
                           template="(julianday(%(expressions)s))",
                           arg_joiner=") - julianday(", **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection,
                           template="(EXTRACT(EPOCH FROM (%(expressions)s)) / 86400.0)",
                           arg_joiner=" - ", **extra)
