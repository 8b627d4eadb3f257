"""A period report as an Excel workbook (XlsxWriter): a table per section and
native Excel charts, the same figures as the screen.

The workbook reads nothing but the Report, so it shows exactly what the screen
and the PDF show: a "Summary" sheet (the title, the period, the place, when the
report was made, its digest and the suppression rule), then one sheet per
section with its figures, its breakdown tables and its charts.

- A figure is a number with a number format under which Excel displays
  exactly its text on screen (`figure_text`): the number written is the
  rounded one the report publishes (Excel rounds halves away from zero,
  Python's Decimal to even, so the unrounded value could read differently).
  A percentage is an Excel percentage (12.5% is 0.125 with "0.0%").
- A hidden count of people is written as its text ("<10", "hidden"), never as
  a number, with its note as a comment on the cell and listed below the table.
- A chart is a native Excel chart drawn from a small block of data written on
  the same sheet next to it; a point the report does not give (None) is an
  empty cell, drawn as a gap.
- Text is escaped as in jiayuan.sheets.xlsx (which the reports app may not
  import): text beginning with = + - @ (or a tab, CR, LF, NUL) gets a leading
  apostrophe, so no label becomes a formula when the cell is edited.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import xlsxwriter
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from jiayuan.core.metrics import UNIT_LABELS, Figure, Unit
from jiayuan.reports.report import (
    Chart,
    Line,
    Report,
    Section,
    Table,
    figure_text,
    period_label,
)

#: Text beginning with one of these is taken for a formula by Excel, WPS and LibreOffice.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "\x00")
#: Characters an xlsx file (XML 1.0) cannot hold; tab, CR and LF stay.
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
MAX_CELL_CHARS = 32_767
#: Excel's limits on a worksheet's name.
SHEET_NAME_CHARS = 31
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
#: A name Excel keeps for itself.
_RESERVED_SHEET_NAMES = ("history",)

COUNT_FORMAT = "0"
DECIMAL_FORMAT = "0.0"
PERCENT_FORMAT = "0.0%"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
# Column widths (characters).
LABEL_WIDTH = 34
CELL_WIDTH = 13
# A chart's size in pixels, and the rows it covers at the default row height (20 px).
CHART_WIDTH, CHART_HEIGHT = 520, 300
CHART_ROWS = 16


# --- cells -----------------------------------------------------------------------

def escape(text: str) -> str:
    """`text` safe for a cell (the same rule as jiayuan.sheets.xlsx.escape):
    a leading = + - @, tab, CR, LF or NUL gets an apostrophe before it, and
    characters an xlsx cannot hold are removed."""
    clean = _UNWRITABLE.sub("", text)
    if text.startswith(FORMULA_PREFIXES) or clean.startswith(FORMULA_PREFIXES):
        clean = "'" + clean
    # A line break in a cell is LF; a CR would be stored as "_x000D_".
    return clean.replace("\r\n", "\n").replace("\r", "\n")[:MAX_CELL_CHARS]


def figure_cell(value: Figure, unit: str) -> tuple[float, str] | None:
    """The number and number format under which Excel displays `value` as the
    report writes it (`figure_text`), or None when it is best written as text
    (no figure, or a count that is not a whole number)."""
    if value is None or isinstance(value, bool):
        return None
    text = figure_text(value, unit)
    if unit == Unit.PERCENT:
        return float(Decimal(text.rstrip("%")) / 100), PERCENT_FORMAT
    if isinstance(value, int):
        return value, COUNT_FORMAT
    if unit != Unit.COUNT:  # a float or Decimal, written to one decimal
        return float(Decimal(text)), DECIMAL_FORMAT
    return None


def sheet_names(titles: Iterable[str], taken: Iterable[str] = ()) -> list[str]:
    """A valid worksheet name for each title, none equal to another or to one
    of `taken` (Excel compares names without case): at most 31 characters,
    none of []:*?/\\, no apostrophe at either end. Titles that are the same
    once cut get " (2)", " (3)"..."""
    used = {name.casefold() for name in taken} | set(_RESERVED_SHEET_NAMES)
    out = []
    for title in titles:
        base = _UNWRITABLE.sub("", _SHEET_NAME_BAD.sub(" ", str(title)))
        base = " ".join(base.split()).strip("'")[:SHEET_NAME_CHARS].strip().strip("'")
        base = base or pgettext("report workbook", "Section")
        name, n = base, 1
        while name.casefold() in used:
            n += 1
            suffix = f" ({n})"
            name = base[:SHEET_NAME_CHARS - len(suffix)].rstrip().rstrip("'") + suffix
        used.add(name.casefold())
        out.append(name)
    return out


# --- the labels ------------------------------------------------------------------

def describe(report: Report, place: str | None = None) -> str:
    """One line for the report's parameters: the period (its days) and the place."""
    return f"{report.period_name} · {place or report.place_text}"


def _unit_label(unit: str) -> str:
    label = UNIT_LABELS.get(Unit(unit)) if unit in set(Unit) else None
    return str(label) if label is not None else str(unit)


def report_title() -> str:
    station = str(getattr(settings, "STATION_NAME", "") or "")
    title = pgettext("report workbook", "Period report")
    return f"{station} {title}" if station else title


def _made_at(value: Any) -> datetime | date | None:
    """When the report was made, in station time without a zone (Excel has none)."""
    if isinstance(value, datetime):
        return timezone.make_naive(value) if timezone.is_aware(value) else value
    if isinstance(value, date):
        return value
    return None


# --- the workbook ----------------------------------------------------------------

class _Book:
    """The workbook and its formats, made once."""

    def __init__(self, target: io.BytesIO, report: Report, place: str | None) -> None:
        # In memory (a report is a few hundred cells); text is never turned into
        # formulas, links or numbers on its own.
        self.book = xlsxwriter.Workbook(target, {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        })
        book = self.book
        self.heading = book.add_format({"bold": True, "font_size": 14})
        self.bold = book.add_format({"bold": True})
        self.header = book.add_format({"bold": True, "text_wrap": True, "valign": "top",
                                       "bottom": 1, "bg_color": "#EEEEEE"})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        self.muted = book.add_format({"font_color": "#555555", "italic": True})
        self.right = book.add_format({"align": "right"})
        self.right_bold = book.add_format({"align": "right", "bold": True})
        self.hidden = book.add_format({"align": "right", "font_color": "#555555",
                                       "bg_color": "#F2F2F2"})
        self.hidden_bold = book.add_format({"align": "right", "font_color": "#555555",
                                            "bg_color": "#F2F2F2", "bold": True})
        self.when = book.add_format({"num_format": DATETIME_FORMAT, "align": "left"})
        self.link = book.add_format({"font_color": "blue", "underline": 1})
        self._numbers: dict[tuple[str, bool], Format] = {}
        made = report.made_at
        created = (made.astimezone(UTC) if isinstance(made, datetime) and timezone.is_aware(made)
                   else None)
        properties: dict[str, Any] = {
            "title": f"{report_title()} · {period_label(report.params)}",
            "subject": describe(report, place),
            "author": str(getattr(settings, "STATION_NAME", "") or "Jiayuan"),
            "company": str(getattr(settings, "STATION_NAME", "") or ""),
            "keywords": "Jiayuan, report",
            "comments": pgettext("report workbook", "Digest (SHA-256): %(digest)s")
            % {"digest": report.digest},
        }
        if created is not None:  # the same report writes the same file
            properties["created"] = created
        book.set_properties(properties)

    def number(self, num_format: str, bold: bool = False) -> Format:
        key = (num_format, bold)
        if key not in self._numbers:
            self._numbers[key] = self.book.add_format({"num_format": num_format, "bold": bold})
        return self._numbers[key]


def text(sheet: Worksheet, row: int, col: int, value: Any, fmt: Format | None = None) -> None:
    """A text cell, escaped (nothing at all for empty text)."""
    value = escape(str(value))
    if value:
        sheet.write_string(row, col, value, fmt)


def _summary(b: _Book, report: Report, name: str, sections: Sequence[tuple[Section, str]],
             place: str | None) -> None:
    sheet = b.book.add_worksheet(name)
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 1, 80)
    text(sheet, 0, 0, report_title(), b.heading)
    rows: list[tuple[str, Any]] = [
        (_("Period"), report.period_name),
        (_("Place"), place or report.place_text),
        (pgettext("report workbook", "Made at"), _made_at(report.made_at)),
        (pgettext("report workbook", "Digest"), report.digest),
        (pgettext("report workbook", "Small counts"), pgettext(
            "report workbook",
            "Counts of people from 1 to %(below)s are shown as “<%(k)s”; other counts are "
            "shown as “hidden” where they would let a hidden count be worked out. Each "
            "hidden count says why in a comment on its cell and below its table.")
            % {"below": report.k - 1, "k": report.k}),
    ]
    row = 2
    for label, value in rows:
        text(sheet, row, 0, label, b.bold)
        if isinstance(value, datetime | date):
            sheet.write_datetime(row, 1, value, b.when)
        elif value is not None:
            text(sheet, row, 1, value, b.wrap)
        row += 1
    row += 1
    text(sheet, row, 0, pgettext("report workbook", "In this workbook"), b.bold)
    row += 1
    for section, sheet_name in sections:
        quoted = sheet_name.replace("'", "''")
        sheet.write_url(row, 0, f"internal:'{quoted}'!A1", b.link, escape(sheet_name))
        text(sheet, row, 1, section.title)
        row += 1
    sheet.activate()


def _lines(b: _Book, sheet: Worksheet, row: int, lines: Sequence[Line]) -> int:
    labels = (pgettext("report workbook", "Figure"), pgettext("report workbook", "Value"),
              pgettext("report workbook", "Unit"), pgettext("report workbook", "Code"))
    for col, label in enumerate(labels):
        text(sheet, row, col, label, b.header)
    row += 1
    for line in lines:
        metric = line.metric
        text(sheet, row, 0, str(metric.name), b.wrap)
        cell = figure_cell(line.value, metric.unit)
        if cell is None:
            text(sheet, row, 1, line.text, b.right)
        else:
            sheet.write_number(row, 1, cell[0], b.number(cell[1]))
        text(sheet, row, 2, _unit_label(metric.unit))
        text(sheet, row, 3, metric.code, b.muted)
        row += 1
    if not lines:
        text(sheet, row, 0, pgettext("report workbook", "No figures here for this place."),
             b.muted)
        row += 1
    return row


def _cell_notes(table: Table) -> list[list[str | None]]:
    """Each cell's note (None where it has none). Table.notes says
    "row · column: note" for each noted cell in reading order."""
    own = getattr(table, "cell_notes", None)
    if own:
        return [[None if note is None else str(note) for note in line] for line in own]
    out: list[list[str | None]] = [[None] * len(line) for line in table.cells]
    notes = list(table.notes)
    at = 0
    for i, row_label in enumerate(table.rows):
        for j, col_label in enumerate(table.columns):
            prefix = f"{row_label} · {col_label}: "
            if at < len(notes) and notes[at].startswith(prefix):
                out[i][j] = notes[at][len(prefix):]
                at += 1
    return out


def _table(b: _Book, sheet: Worksheet, row: int, table: Table) -> int:
    text(sheet, row, 0, str(table.breakdown.name), b.bold)
    row += 1
    sheet.write_blank(row, 0, None, b.header)
    for j, label in enumerate(table.columns):
        text(sheet, row, 1 + j, label, b.header)
    row += 1
    notes = _cell_notes(table)
    last_row, last_col = len(table.rows) - 1, len(table.columns) - 1
    for i, label in enumerate(table.rows):
        total_row = i == last_row
        text(sheet, row, 0, label, b.bold if total_row else None)
        for j, cell_text in enumerate(table.cells[i]):
            total = total_row or j == last_col
            value = table.values[i][j]
            if value is not None and str(value) == cell_text:
                sheet.write_number(row, 1 + j, value, b.number(COUNT_FORMAT, total))
            else:  # hidden: its marker, never a number
                text(sheet, row, 1 + j, cell_text, b.hidden_bold if total else b.hidden)
            note = notes[i][j] if i < len(notes) and j < len(notes[i]) else None
            if note:
                sheet.write_comment(row, 1 + j, escape(note), {"x_scale": 2, "y_scale": 1.5})
        row += 1
    for note in table.notes:
        text(sheet, row, 0, note, b.muted)
        row += 1
    return row


def _chart(b: _Book, sheet: Worksheet, name: str, row: int, chart: Chart) -> int:
    """The chart's data as a small table, and the chart beside it."""
    top = row
    text(sheet, row, 0, chart.title, b.bold)
    row += 1
    header = row
    corner = pgettext("report workbook", "Month") if chart.kind == "line" else _("Category")
    text(sheet, row, 0, corner, b.header)
    for s, (series_name, _points) in enumerate(chart.series):
        text(sheet, row, 1 + s, series_name, b.header)
    row += 1
    first = row
    num = b.number(COUNT_FORMAT if chart.unit == Unit.COUNT else DECIMAL_FORMAT)
    for c, category in enumerate(chart.categories):
        text(sheet, row, 0, category)
        for s, (_series_name, points) in enumerate(chart.series):
            point = points[c] if c < len(points) else None
            if point is not None:  # None: an empty cell, a gap in the chart
                sheet.write_number(row, 1 + s, point, num)
        row += 1
    last = row - 1
    if not chart.categories or not chart.series:
        return row
    drawn = b.book.add_chart({"type": "line" if chart.kind == "line" else "column"})
    if drawn is None:  # pragma: no cover - only for an unknown type
        return row
    for s in range(len(chart.series)):
        options: dict[str, Any] = {
            "name": [name, header, 1 + s],
            "categories": [name, first, 0, last, 0],
            "values": [name, first, 1 + s, last, 1 + s],
        }
        if chart.kind == "line":
            options["marker"] = {"type": "circle", "size": 5}
        elif len(chart.categories) <= 12:
            options["data_labels"] = {"value": True}
        drawn.add_series(options)
    drawn.set_title({"name": [name, top, 0], "name_font": {"size": 12}})
    if len(chart.series) == 1:
        drawn.set_legend({"none": True})
    else:
        drawn.set_legend({"position": "bottom"})
    y_axis: dict[str, Any] = {"min": 0, "major_gridlines": {"visible": True},
                              "num_format": COUNT_FORMAT if chart.unit == Unit.COUNT
                              else DECIMAL_FORMAT}
    if chart.unit != Unit.COUNT:
        y_axis["name"] = _unit_label(chart.unit)
    if chart.unit == Unit.PERCENT:
        y_axis["max"] = 100
    drawn.set_y_axis(y_axis)
    drawn.show_blanks_as("gap")
    drawn.set_size({"width": CHART_WIDTH, "height": CHART_HEIGHT})
    sheet.insert_chart(top, 1 + len(chart.series) + 1, drawn, {"x_offset": 10, "y_offset": 4})
    return max(row, top + CHART_ROWS)


def _section(b: _Book, section: Section, name: str) -> None:
    sheet = b.book.add_worksheet(name)
    width = max([4] + [len(t.columns) + 1 for t in section.tables]
                + [len(c.series) + 1 for c in section.charts])
    sheet.set_column(0, 0, LABEL_WIDTH)
    sheet.set_column(1, width - 1, CELL_WIDTH)
    text(sheet, 0, 0, section.title, b.heading)
    sheet.freeze_panes(2, 1)  # the title and the figures' header stay in view
    row = _lines(b, sheet, 1, section.lines)
    for table in section.tables:
        row = _table(b, sheet, row + 1, table)
    for chart in section.charts:
        row = _chart(b, sheet, name, row + 1, chart)


def write(report: Report, *, place: str | None = None) -> bytes:
    """The report as an .xlsx file. `place`: the place's name as the reader
    knows it (the Report carries only its kind and number; the caller, who
    may read the places, can name it), else "community no. 3"."""
    target = io.BytesIO()
    b = _Book(target, report, place)
    summary = pgettext("report workbook", "Summary")
    summary = sheet_names([summary])[0]
    names = sheet_names([s.title for s in report.sections], taken=[summary])
    sections = list(zip(report.sections, names, strict=True))
    _summary(b, report, summary, sections, place)
    for section, name in sections:
        _section(b, section, name)
    b.book.close()
    return target.getvalue()


__all__ = ["describe", "escape", "figure_cell", "sheet_names", "write"]
