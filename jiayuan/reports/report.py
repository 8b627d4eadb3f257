"""A period report: every figure a reader may read for a period and a place,
grouped by app, with the breakdowns and the monthly charts, built once and
then shown on screen, written to Excel and printed to PDF from the same
object, so the three cannot disagree.

A report is a publication: every table that counts people goes through the
one suppression rule (jiayuan.lib.suppression), on screen too, so the screen
shows exactly what the files print. Its `digest` is a hash of everything it
shows; a run of it is audited with its parameters and that hash.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from jiayuan.core import metrics, scope
from jiayuan.core.dbrouter import use_replica
from jiayuan.core.metrics import Breakdown, Figure, Metric, Period, Place, PlaceKind, Unit
from jiayuan.core.models import User
from jiayuan.lib import suppression
from jiayuan.reports.dashboard import records_url
from jiayuan.reports.naming import place_label, place_number


class ReportError(ValueError):
    """Parameters that don't make a report (the message says which)."""


# --- what is asked ---------------------------------------------------------------

PERIOD_KINDS = ("month", "quarter", "year", "custom")


@dataclass(frozen=True)
class Params:
    period: Period
    place: Place
    kind: str = "custom"

    def query(self) -> dict[str, str]:
        """The parameters as a query string's fields: `parse` of them gives
        these parameters again (the same report from a link or a stored run)."""
        start = self.period.start
        out = {"kind": self.kind}
        if self.kind == "custom":
            out.update(start=start.isoformat(), end=self.period.end.isoformat())
        else:
            out["year"] = str(start.year)
            if self.kind == "quarter":
                out["quarter"] = str((start.month - 1) // 3 + 1)
            elif self.kind == "month":
                out["month"] = str(start.month)
        out.update({key: str(value) for key, value in self.place.query().items()})
        return out

    def audit(self) -> dict[str, str]:
        return {"period": str(self.period), "place": str(self.place), "kind": self.kind}


def _int(data: Any, name: str, label: str) -> int:
    raw = str(data.get(name, "")).strip()
    # ASCII digits only: "²" is a digit to str.isdigit but not to int().
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 6:
        raise ReportError(_("%(field)s must be a whole number.") % {"field": label})
    return int(raw)


def _day(data: Any, name: str, label: str) -> date:
    raw = str(data.get(name, "")).strip()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ReportError(_("%(field)s is not a date (YYYY-MM-DD).") % {"field": label}) from None


FIRST_YEAR, LAST_YEAR = 2000, 2100


def parse(actor: User, data: Any, today: date | None = None) -> Params:
    """The report `data` (a query dict) asks for, checked: the period exists
    and has begun, and the place is one the actor may report on. Raises
    ReportError with a message for the reader."""
    today = today or timezone.localdate()
    kind = str(data.get("kind") or "quarter")
    if kind not in PERIOD_KINDS:
        raise ReportError(_("Choose a month, a quarter, a year or your own dates."))
    try:
        if kind == "custom":
            period = Period.custom(_day(data, "start", _("The first day")),
                                   _day(data, "end", _("The last day")), today=today)
        else:
            year = _int(data, "year", _("The year"))
            if not FIRST_YEAR <= year <= LAST_YEAR:
                raise ReportError(_("There is nothing to count in %(year)s.") % {"year": year})
            if kind == "month":
                period = Period.month(year, _int(data, "month", _("The month")), today=today)
            elif kind == "quarter":
                period = Period.quarter(year, _int(data, "quarter", _("The quarter")),
                                        today=today)
            else:
                period = Period.year(year, today=today)
    except ReportError:
        raise
    except ValueError as error:  # Period's own checks, already in the reader's words
        raise ReportError(str(error)) from None
    for day in (period.start, period.end):
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise ReportError(_("There is nothing to count in %(year)s.") % {"year": day.year})
    return Params(period, parse_place(actor, data), kind)


def community_model(actor: User) -> Any:
    """The Community model, reached through the account's grids (reports
    import no domain app)."""
    return actor.grids.model._meta.get_field("community").related_model


def _place_field(data: Any) -> dict[str, str]:
    """The form's one `place` choice ("", "community:3", "grid:5") as the
    `community`/`grid` fields a link carries."""
    raw = str(data.get("place") or "").strip()
    if not raw or raw == "district":
        return {}
    kind, _sep, pk = raw.partition(":")
    if kind not in ("community", "grid") or not pk:
        raise ReportError(_("Choose the whole area, a community or a grid."))
    return {kind: pk}


def parse_place(actor: User, data: Any) -> Place:
    """`grid=ID` or `community=ID`, or the form's `place=grid:ID` (none: the
    whole district, as far as the actor's scope reaches). A place outside the
    actor's scope, or that does not exist, is refused."""
    if "place" in data:
        data = _place_field(data)
    grid, community = data.get("grid"), data.get("community")
    if grid and community:
        raise ReportError(_("Choose a grid or a community, not both."))
    grid_model = actor.grids.model
    if grid:
        pk = _int(data, "grid", _("The grid"))
        if pk < 1 or not scope.in_scope(actor, pk) \
                or not grid_model.objects.filter(pk=pk).exists():
            raise ReportError(_("That grid is not one of yours."))
        return Place.grid(pk)
    if community:
        pk = _int(data, "community", _("The community"))
        ids = scope.community_ids(actor)
        if pk < 1 or (ids is not None and pk not in ids) \
                or not community_model(actor).objects.filter(pk=pk).exists():
            raise ReportError(_("That community is not one of yours."))
        return Place.community(pk)
    return Place.district()


def last_finished_quarter(today: date) -> Period:
    """The quarter before the one `today` is in (the head's usual report)."""
    quarter = (today.month - 1) // 3 + 1
    year, quarter = (today.year, quarter - 1) if quarter > 1 else (today.year - 1, 4)
    return Period.quarter(year, quarter, today=today)


def default_params(today: date | None = None) -> Params:
    """The report the page opens on: the last finished quarter, the reader's whole area."""
    today = today or timezone.localdate()
    return Params(last_finished_quarter(today), Place.district(), "quarter")


# --- what is shown ---------------------------------------------------------------

@dataclass(frozen=True)
class Line:
    """One figure: its metric, the value and how it reads."""

    metric: Metric
    value: Figure
    url: str

    @property
    def text(self) -> str:
        return figure_text(self.value, self.metric.unit)


@dataclass(frozen=True)
class Table:
    """A breakdown as published: the cells as text (suppressed ones as "<k"
    or "hidden"), totals last, the notes of the hidden cells in order."""

    breakdown: Breakdown
    rows: list[str]  # labels, with the total last
    columns: list[str]  # labels, with the total last
    cells: list[list[str]]
    values: list[list[int | None]]  # the shown counts (None where hidden)
    notes: list[str]
    suppressed: bool
    # Why each hidden cell is hidden (None where shown), as `cells`.
    cell_notes: list[list[str | None]] = field(default_factory=list)
    # What the rows and columns count (the breakdown's keys, the total last as
    # "total"): the digest's names for them, in no language.
    row_keys: list[str] = field(default_factory=list)
    column_keys: list[str] = field(default_factory=list)

    def grid(self) -> list[tuple[str, list[tuple[str, str | None]]]]:
        """The rows to render: each row's label and its cells as (text, note)."""
        notes = self.cell_notes or [[None] * len(line) for line in self.cells]
        return [(label, list(zip(line, line_notes, strict=True)))
                for label, line, line_notes in zip(self.rows, self.cells, notes, strict=True)]


@dataclass(frozen=True)
class Chart:
    """A chart: categories and one or more series of numbers (None: hidden)."""

    code: str
    title: str
    kind: str  # "column" (a breakdown) or "line" (months)
    categories: list[str]
    series: list[tuple[str, list[float | None]]]
    unit: str = Unit.COUNT


@dataclass
class Section:
    code: str  # the app's label
    title: str
    lines: list[Line] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)


@dataclass
class Report:
    params: Params
    sections: list[Section]
    made_at: Any
    k: int
    place_name: str = ""  # the place by name, as the reader's scope names it (place_label)

    @property
    def period_name(self) -> str:
        return period_text(self.params)

    @property
    def place_text(self) -> str:
        return self.place_name or place_number(self.params.place)

    @property
    def digest(self) -> str:
        """A hash of every figure the report shows, by what it counts (the
        metrics' and breakdowns' codes, the rows' and columns' keys), not by
        its labels: the same figures read in another language hash the same,
        so a run in the audit log can be checked by rebuilding it."""
        doc = {"params": self.params.audit(), "k": self.k, "sections": [
            {"code": s.code,
             "lines": [[line.metric.code, line.text] for line in s.lines],
             "tables": [[t.breakdown.code, t.row_keys, t.column_keys, t.values]
                        for t in s.tables],
             "charts": [[c.code, [values for _name, values in c.series]] for c in s.charts]}
            for s in self.sections]}
        blob = json.dumps(doc, ensure_ascii=False, sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()

    def line(self, code: str) -> Line | None:
        return next((line for s in self.sections for line in s.lines
                     if line.metric.code == code), None)


def figure_text(value: Figure, unit: str) -> str:
    """A figure as every output writes it (the screen, Excel's text, the PDF)."""
    if value is None:
        return "—"
    if unit == Unit.PERCENT:
        return f"{Decimal(str(value)).quantize(Decimal('0.1'))}%"
    if isinstance(value, float | Decimal) and unit != Unit.COUNT:
        return str(Decimal(str(value)).quantize(Decimal("0.1")))
    return str(value)


def suppression_k() -> int:
    return int(getattr(settings, "SUPPRESSION_K", suppression.DEFAULT_K))


def _table(breakdown: Breakdown, cells: metrics.Cells, published: suppression.Suppressed | None
           ) -> Table:
    total = _("Total")
    rows = [str(label) for _key, label in cells.rows] + [total]
    columns = [str(label) for _key, label in cells.columns] + [total]
    keys_r = [key for key, _label in cells.rows] + [suppression.TOTAL]
    keys_c = [key for key, _label in cells.columns] + [suppression.TOTAL]
    text: list[list[str]] = []
    values: list[list[int | None]] = []
    notes: list[str] = []
    cell_notes: list[list[str | None]] = []
    sums = [sum(line) for line in cells.counts]
    col_sums = [sum(line[j] for line in cells.counts) for j in range(len(cells.columns))]
    for i, row_key in enumerate(keys_r):
        text_line, value_line = [], []
        note_line: list[str | None] = []
        for j, col_key in enumerate(keys_c):
            if published is not None:
                fig = published.figure(row_key, col_key)
                text_line.append(str(fig.text))
                value_line.append(None if fig.hidden else fig.value)
                note_line.append(str(fig.note) if fig.note else None)
                if fig.note:
                    notes.append(f"{rows[i]} · {columns[j]}: {fig.note}")
            else:
                note_line.append(None)
                if i < len(cells.rows):
                    raw = cells.counts[i][j] if j < len(cells.columns) else sums[i]
                else:
                    raw = col_sums[j] if j < len(cells.columns) else sum(sums)
                text_line.append(str(raw))
                value_line.append(raw)
        text.append(text_line)
        values.append(value_line)
        cell_notes.append(note_line)
    return Table(breakdown, rows, columns, text, values, notes, published is not None,
                 cell_notes, [str(key) for key, _label in cells.rows] + ["total"],
                 [str(key) for key, _label in cells.columns] + ["total"])


def _suppression_table(cells: metrics.Cells) -> suppression.Table:
    return suppression.Table([key for key, _label in cells.rows],
                             [key for key, _label in cells.columns], cells.counts)


def _breakdown_chart(table: Table) -> Chart | None:
    """A column chart of a one-column breakdown (the total left out)."""
    if len(table.columns) != 2 or len(table.rows) < 2:
        return None
    return Chart(table.breakdown.code, str(table.breakdown.name), "column", table.rows[:-1],
                 [(table.columns[0], [float(v[0]) if v[0] is not None else None
                                      for v in table.values[:-1]])])


def _month_label(part: Period) -> str:
    return f"{part.start.year}-{part.start.month:02d}"


def build(actor: User, params: Params) -> Report:
    """The report for `actor`: every metric and breakdown they may read that
    is taken for the place, by app, in the registry's order."""
    # Figures that share a query take it once; read from the replica when there is one.
    with metrics.reading(), use_replica():
        return _build(actor, params)


def _build(actor: User, params: Params) -> Report:
    period, place = params.period, params.place
    k = suppression_k()
    sections: dict[str, Section] = {}

    def section(code: str) -> Section:
        if code not in sections:
            title = str(apps.get_app_config(code).verbose_name)
            sections[code] = Section(code, title)
        return sections[code]

    for metric in metrics.for_reader(actor, place):
        sec = section(metric.code.split(".")[0])
        sec.lines.append(Line(metric, metric.read(actor, period, place),
                              records_url(metric, period, place)))
    # Monthly charts: the dated counts with a cheap series, for reports of 2+ months.
    if len(metrics.months(period)) > 1:
        for metric in metrics.for_reader(actor, place):
            if not metric.trended or metric.snapshot:
                continue
            points = metric.series(actor, period, place)
            section(metric.code.split(".")[0]).charts.append(Chart(
                metric.code, str(metric.name), "line", [_month_label(p) for p, _v in points],
                [(str(metric.name), [None if v is None else float(v) for _p, v in points])],
                metric.unit))
    # Breakdowns: those of people are published through the suppression rule.
    # Each breakdown counts something of its own (no two tables of a report
    # share a figure), so each table is protected on its own.
    for breakdown in metrics.breakdowns_for(actor, place):
        cells = breakdown.read(actor, period, place)
        if not cells.rows or not cells.columns:
            continue
        published = suppression.suppress(_suppression_table(cells), k) if breakdown.people \
            else None
        table = _table(breakdown, cells, published)
        sec = section(breakdown.code.split(".")[0])
        sec.tables.append(table)
        chart = _breakdown_chart(table)
        if chart:
            sec.charts.append(chart)
    order = [config.label for config in apps.get_app_configs()]
    ordered = sorted(sections.values(), key=lambda s: order.index(s.code)
                     if s.code in order else len(order))
    return Report(params, ordered, timezone.now(), k, place_label(actor, place))


def period_label(params: Params) -> str:
    """The period as a heading says it: "2026 Q3", "2026-11", "2026", or the two days."""
    start, end = params.period.start, params.period.end
    if params.kind == "quarter":
        return _("%(year)s Q%(quarter)s") % {"year": start.year,
                                              "quarter": (start.month - 1) // 3 + 1}
    if params.kind == "month":
        return f"{start.year}-{start.month:02d}"
    if params.kind == "year":
        return str(start.year)
    return f"{start.isoformat()} – {end.isoformat()}"


def period_text(params: Params) -> str:
    """The period and, unless that is what it says, its days:
    "2026 Q3 (2026-07-01 – 2026-09-30)" (the files' title blocks)."""
    days = f"{params.period.start.isoformat()} – {params.period.end.isoformat()}"
    period = period_label(params)
    return period if period == days else f"{period} ({days})"


def filename(params: Params, extension: str) -> str:
    """`jiayuan-report-2026-07-01-2026-09-30[-grid-5].xlsx` (ASCII: every browser keeps it)."""
    place = "" if params.place.id is None else f"-{params.place.kind}-{params.place.id}"
    return (f"jiayuan-report-{params.period.start.isoformat()}-{params.period.end.isoformat()}"
            f"{place}.{extension}")


def district_sized(params: Params) -> bool:
    """Reports a request shouldn't wait for: a whole district over more than a quarter."""
    return params.place.kind == PlaceKind.DISTRICT and (
        params.period.end - params.period.start).days > 95
