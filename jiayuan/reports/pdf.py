"""A period report as a PDF (fpdf2, CJK font embedded): the same tables and
charts as the screen.

Everything printed is read from the Report object (its figures, tables,
charts, digest and k): nothing is counted again, so the printout cannot
disagree with the screen or the Excel file. A4 portrait, in the active
language. Charts are drawn with vector paths (axes, bars, a polyline with its
points), hidden figures as gaps labelled "hidden". Every page's footer
carries the page number, the report's digest (in full on the last page) and
the suppression rule's threshold.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from fpdf import FPDF
from fpdf.enums import WrapMode
from fpdf.fonts import FontFace

from jiayuan.core.metrics import Unit
from jiayuan.core.pdf import FONT, add_cjk_font
from jiayuan.reports.report import Chart, Line, Report, Section, Table, figure_text

MARGIN = 15.0
FOOTER_H = 16.0  # the footer's room at the bottom of every page
CHART_H = 78.0  # a chart's box, title to category labels
HEADING_FILL = (232, 236, 241)
INK = (30, 30, 30)
GREY = (110, 110, 110)
GRID = (215, 215, 215)
# Series colours (colour-blind safe, print distinguishably in grey too).
COLOURS = [(31, 119, 180), (230, 120, 20), (44, 160, 44), (148, 103, 189), (140, 86, 75)]
SHORT = 12  # characters of the digest on every page


class _Doc(FPDF):
    """A4 portrait with the report's footer on every page."""

    def __init__(self, report: Report) -> None:
        super().__init__(orientation="portrait", format="A4")
        add_cjk_font(self)
        self.report = report
        self.digest = report.digest
        self.last_page = False  # set before output: the last footer prints the whole digest
        self.wrap = WrapMode.CHAR if _chinese() else WrapMode.WORD
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=FOOTER_H + 6)
        self.set_font(FONT, size=10)
        self.set_text_color(*INK)

    def footer(self) -> None:
        # local_context() restores the drawing state, not the page breaks: the
        # breaks are switched back on by hand, or every table after the first
        # page would run off the bottom of its page.
        margin = self.b_margin
        try:
            self._footer_text()
        finally:
            self.set_auto_page_break(True, margin=margin)

    def _footer_text(self) -> None:
        with self.local_context():
            self.set_auto_page_break(False)
            top = self.h - FOOTER_H - (4 if self.last_page else 0)
            self.set_draw_color(*GRID)
            self.set_line_width(0.2)
            self.line(MARGIN, top, self.w - MARGIN, top)
            self.set_font(FONT, size=7)
            self.set_text_color(*GREY)
            width = self.w - 2 * MARGIN
            self.set_xy(MARGIN, top + 1)
            page = _("Page %(page)s of %(pages)s") % {"page": self.page_no(), "pages": "{nb}"}
            self.cell(width / 2, 4, page)
            self.cell(width / 2, 4, _("Digest %(digest)s") % {"digest": self.digest[:SHORT]},
                      align="R")
            self.set_xy(MARGIN, top + 5)
            self.multi_cell(width, 3.5, _suppression_note(self.report.k), wrapmode=self.wrap)
            if self.last_page:
                self.set_x(MARGIN)
                self.multi_cell(width, 3.5, _("Full digest (SHA-256): %(digest)s")
                                % {"digest": self.digest}, wrapmode=WrapMode.CHAR)

    # --- space -------------------------------------------------------------------

    @property
    def bottom(self) -> float:
        """The lowest y content may reach on this page."""
        return self.h - self.b_margin

    def room(self, height: float) -> None:
        """A new page unless `height` mm fit below the cursor."""
        if self.get_y() + height > self.bottom:
            self.add_page()

    @property
    def width(self) -> float:
        return self.w - self.l_margin - self.r_margin


def _chinese() -> bool:
    return (translation.get_language() or settings.LANGUAGE_CODE).lower().startswith("zh")


def _suppression_note(k: int) -> str:
    return _("Counts of people from 1 to %(below)s are printed as “<%(k)s”, and other figures "
             "are hidden where they would give them away (the suppression rule, k = %(k)s).") % {
        "below": k - 1, "k": k}


# --- what the report is about ------------------------------------------------------

def _made_text(made_at: Any) -> str:
    if isinstance(made_at, datetime):
        if timezone.is_aware(made_at):
            made_at = timezone.localtime(made_at)
        return made_at.strftime("%Y-%m-%d %H:%M")
    return str(made_at)


def _title_block(pdf: _Doc, report: Report) -> None:
    if settings.STATION_NAME:
        pdf.set_font(FONT, size=10)
        pdf.set_text_color(*GREY)
        pdf.multi_cell(0, 5, settings.STATION_NAME, new_x="LMARGIN", new_y="NEXT",
                       wrapmode=pdf.wrap)
        pdf.set_text_color(*INK)
    pdf.set_font(FONT, size=20)
    pdf.multi_cell(0, 11, pgettext("report pdf", "Period report"), new_x="LMARGIN", new_y="NEXT", wrapmode=pdf.wrap)
    pdf.ln(1)
    facts = [
        (pgettext("report pdf", "Period"), report.period_name),
        (pgettext("report pdf", "Place"), report.place_text),
        (pgettext("report pdf", "Made"), _made_text(report.made_at)),
        (pgettext("report pdf", "Digest"), report.digest[:SHORT]),
    ]
    pdf.set_font(FONT, size=10)
    label_w = max(pdf.get_string_width(label) for label, _v in facts) + 4
    for label, value in facts:
        pdf.set_x(MARGIN)
        pdf.set_text_color(*GREY)
        pdf.cell(label_w, 6, label)
        pdf.set_text_color(*INK)
        pdf.multi_cell(0, 6, value, new_x="LMARGIN", new_y="NEXT", wrapmode=pdf.wrap)
    pdf.ln(2)
    pdf.set_draw_color(*INK)
    pdf.set_line_width(0.4)
    pdf.line(MARGIN, pdf.get_y(), pdf.w - MARGIN, pdf.get_y())
    pdf.ln(3)


# --- sections ----------------------------------------------------------------------

def _heading(pdf: _Doc, text: str) -> None:
    pdf.room(30)  # never a heading alone at the foot of a page
    pdf.ln(2)
    pdf.set_font(FONT, size=15)
    pdf.set_text_color(*INK)
    pdf.multi_cell(0, 8, text, new_x="LMARGIN", new_y="NEXT", wrapmode=pdf.wrap)
    pdf.set_draw_color(*GRID)
    pdf.set_line_width(0.3)
    pdf.line(MARGIN, pdf.get_y(), pdf.w - MARGIN, pdf.get_y())
    pdf.ln(2)


def _subheading(pdf: _Doc, text: str, need: float = 20) -> None:
    pdf.room(need)
    pdf.ln(1)
    pdf.set_font(FONT, size=11)
    pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT", wrapmode=pdf.wrap)
    pdf.ln(0.5)


def _unit(unit: str) -> str:
    """The unit after a figure ("" for counts and percentages, which say theirs)."""
    if unit == Unit.DAYS:
        return pgettext("unit after a figure", "days")
    if unit == Unit.HOURS:
        return pgettext("unit after a figure", "hours")
    return ""


def _figure(line: Line) -> str:
    unit = _unit(line.metric.unit)
    return f"{line.text} {unit}" if unit and line.value is not None else line.text


def _grid_table(pdf: _Doc, header: Sequence[str], rows: Sequence[Sequence[str]],
                widths: Sequence[float], size: float) -> None:
    """A table that breaks across pages with its header repeated; labels wrap
    in their column, figures are right-aligned."""
    pdf.set_font(FONT, size=size)
    pdf.set_fill_color(255, 255, 255)
    pdf.set_text_color(*INK)
    pdf.set_draw_color(*GRID)
    pdf.set_line_width(0.2)
    align = tuple(["LEFT"] + ["RIGHT"] * (len(header) - 1))
    with pdf.table(col_widths=tuple(widths), width=pdf.width, align="LEFT",
                   text_align=align, headings_style=FontFace(fill_color=HEADING_FILL),
                   line_height=size * 0.5, padding=(1, 1.5), wrapmode=pdf.wrap,
                   repeat_headings=1) as table:
        table.row(list(header))
        for cells in rows:
            table.row(list(cells))


def _lines_table(pdf: _Doc, lines: list[Line]) -> None:
    _grid_table(pdf, [pgettext("report pdf", "Measure"), pgettext("report pdf", "Figure")],
                [[str(line.metric.name), _figure(line)] for line in lines], (3, 1), 10)


def _breakdown_table(pdf: _Doc, table: Table) -> None:
    _subheading(pdf, str(table.breakdown.name))
    columns = len(table.columns)
    size = 9 if columns <= 6 else 8 if columns <= 9 else 6.5
    first = 2.5 if columns <= 4 else 1.6
    _grid_table(pdf, ["", *table.columns],
                [[label, *cells] for label, cells in zip(table.rows, table.cells, strict=True)],
                (first, *([1] * columns)), size)
    notes = list(table.notes)
    if table.suppressed:
        notes.insert(0, _("Counts of people: published under the suppression rule."))
    if notes:
        pdf.ln(1)
        pdf.set_font(FONT, size=7)
        pdf.set_text_color(*GREY)
        for note in notes:
            pdf.multi_cell(0, 3.5, note, new_x="LMARGIN", new_y="NEXT", wrapmode=pdf.wrap)
        pdf.set_text_color(*INK)
    pdf.ln(3)


# --- charts --------------------------------------------------------------------------

def _nice_top(peak: float, whole: bool) -> tuple[float, float]:
    """The axis' top and its step: a round number at or above `peak`, in at
    most five steps (whole steps for counts)."""
    if peak <= 0:
        return 1.0, 1.0
    raw = peak / 5
    power = 10 ** math.floor(math.log10(raw))
    factors = (1, 2, 5, 10) if whole and power < 10 else (1, 2, 2.5, 5, 10)
    step = next(factor * power for factor in factors if factor * power >= raw)
    if whole:
        step = max(step, 1.0)
    return math.ceil(peak / step - 1e-9) * step, step


def _value_text(value: float, unit: str) -> str:
    if unit == Unit.COUNT and float(value).is_integer():
        return str(int(value))
    if unit == Unit.PERCENT:
        return figure_text(value, Unit.PERCENT)
    if float(value).is_integer():
        return str(int(value))
    return figure_text(value, Unit.DAYS)  # one decimal


def _tick_text(value: float, unit: str) -> str:
    """An axis' tick: whole numbers without decimals ("100%", "2.5")."""
    whole = float(value).is_integer()
    text = str(int(value)) if whole else f"{value:g}"
    return f"{text}%" if unit == Unit.PERCENT else text


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """`text` cut to one line of `width` mm (with an ellipsis)."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def _label_lines(pdf: FPDF, text: str, width: float, most: int) -> list[str]:
    """`text` broken into at most `most` lines of `width` mm (the last one cut)."""
    lines: list[str] = []
    rest = text
    while rest and len(lines) < most:
        take = len(rest)
        while take > 1 and pdf.get_string_width(rest[:take]) > width:
            take -= 1
        # English: break at a space when there is one in the line.
        if take < len(rest) and " " in rest[:take]:
            take = rest[:take].rindex(" ") + 1
        lines.append(rest[:take].strip())
        rest = rest[take:].lstrip()
    if rest and lines:
        lines[-1] = _fit(pdf, lines[-1] + rest, width)
    return lines


def _chart(pdf: _Doc, chart: Chart) -> None:
    """One chart, drawn: title, legend, y axis with its grid, bars or a line
    with its points, the values above them, the category labels below; a
    hidden figure is a gap labelled "hidden"."""
    pdf.room(CHART_H + 4)
    y0 = pdf.get_y()
    with pdf.local_context():  # colours, widths and dashes stay the chart's
        _draw_chart(pdf, chart, MARGIN, y0)
    pdf.set_xy(MARGIN, y0 + CHART_H + 4)


def _draw_chart(pdf: _Doc, chart: Chart, x0: float, y0: float) -> None:
    hidden = pgettext("suppressed figure", "hidden")
    pdf.set_font(FONT, size=10)
    pdf.set_text_color(*INK)
    pdf.set_xy(x0, y0)
    title = chart.title
    if _unit(chart.unit):
        title = f"{title} ({_unit(chart.unit)})"
    pdf.cell(pdf.width, 6, _fit(pdf, title, pdf.width))
    top_y = y0 + 8
    if len(chart.series) > 1:  # a legend
        pdf.set_font(FONT, size=7)
        x = x0
        for i, (name, _values) in enumerate(chart.series):
            pdf.set_fill_color(*COLOURS[i % len(COLOURS)])
            pdf.rect(x, top_y + 0.8, 3, 3, style="F")
            label = _fit(pdf, name, 40)
            pdf.set_xy(x + 4, top_y)
            pdf.cell(pdf.get_string_width(label) + 2, 4.5, label)
            x += pdf.get_string_width(label) + 10
        top_y += 6
    values = [v for _name, series in chart.series for v in series if v is not None]
    peak = max(values, default=0.0)
    axis_top, step = _nice_top(peak, chart.unit == Unit.COUNT)
    if chart.unit == Unit.PERCENT and peak <= 100:
        axis_top, step = 100.0, 25.0
    n = max(len(chart.categories), 1)
    # The category labels: up to three lines under each slot; a column chart
    # whose slots are too narrow turns them on their side (every bar keeps its
    # label); months (a line chart) may skip every other one.
    pdf.set_font(FONT, size=6.5)
    label_w = max(pdf.get_string_width(_tick_text(axis_top, chart.unit)) + 2, 8)
    plot_x, plot_w = x0 + label_w, pdf.width - label_w
    slot = plot_w / n
    every = 1
    sideways = chart.kind == "column" and slot < 14
    if sideways:
        longest = max((pdf.get_string_width(c) for c in chart.categories), default=0)
        label_lines, label_h = 1, min(longest, 30) + 3
    else:
        while slot * every < 9 and every < n:
            every += 1
        label_lines = 3 if slot * every >= 14 else 2
        label_h = label_lines * 2.8 + 1.5
    plot_y, plot_h = top_y + 5, y0 + CHART_H - label_h - (top_y + 5)

    def y_of(value: float) -> float:
        return plot_y + plot_h * (1 - max(0.0, min(value, axis_top)) / axis_top)

    # Axes and grid.
    pdf.set_line_width(0.15)
    ticks = round(axis_top / step)
    for t in range(ticks + 1):
        tick = t * step
        y = y_of(tick)
        pdf.set_draw_color(*(GRID if t else INK))
        pdf.line(plot_x, y, plot_x + plot_w, y)
        pdf.set_text_color(*GREY)
        pdf.set_xy(x0, y - 1.5)
        pdf.cell(label_w - 1.5, 3, _tick_text(tick, chart.unit), align="R")
    pdf.set_draw_color(*INK)
    pdf.set_line_width(0.3)
    pdf.line(plot_x, plot_y, plot_x, plot_y + plot_h)
    pdf.line(plot_x, plot_y + plot_h, plot_x + plot_w, plot_y + plot_h)
    base = plot_y + plot_h

    def value_label(x: float, y: float, text: str, colour: tuple[int, int, int]) -> None:
        pdf.set_font(FONT, size=6.5 if slot >= 8 else 5.5)
        pdf.set_text_color(*colour)
        width = max(slot, pdf.get_string_width(text) + 1)
        pdf.set_xy(x - width / 2, y - 3.4)
        pdf.cell(width, 3, text, align="C")

    def hidden_mark(x: float, width: float) -> None:
        """A gap: a dashed stub on the axis and the word "hidden"."""
        pdf.set_draw_color(*GREY)
        pdf.set_line_width(0.2)
        with pdf.local_context():
            pdf.set_dash_pattern(dash=0.8, gap=0.6)
            pdf.rect(x - width / 2, base - 6, width, 6, style="D")
        value_label(x, base - 6, hidden, GREY)

    count = len(chart.series)
    if chart.kind == "column":
        group = slot * 0.7
        bar = group / max(count, 1)
        for c in range(len(chart.categories)):
            for s, (_name, series) in enumerate(chart.series):
                figure = series[c] if c < len(series) else None
                cx = plot_x + slot * c + (slot - group) / 2 + bar * s + bar / 2
                if figure is None:
                    hidden_mark(cx, bar * 0.8)
                    continue
                y = y_of(figure)
                pdf.set_fill_color(*COLOURS[s % len(COLOURS)])
                if base - y > 0.05:
                    pdf.rect(cx - bar * 0.45, y, bar * 0.9, base - y, style="F")
                value_label(cx, y, _value_text(figure, chart.unit), INK)
    else:  # "line": one polyline per series, broken where a figure is hidden
        for s, (_name, series) in enumerate(chart.series):
            colour = COLOURS[s % len(COLOURS)]
            points: list[tuple[float, float, float] | None] = []  # x, y, figure
            for c in range(len(chart.categories)):
                figure = series[c] if c < len(series) else None
                cx = plot_x + slot * c + slot / 2
                points.append(None if figure is None else (cx, y_of(figure), figure))
            runs: list[list[tuple[float, float]]] = [[]]
            for point in points:
                if point is None:
                    runs.append([])
                else:
                    runs[-1].append(point[:2])
            pdf.set_draw_color(*colour)
            pdf.set_line_width(0.5)
            for run in runs:
                if len(run) > 1:
                    pdf.polyline(run)
            pdf.set_fill_color(*colour)
            for c, point in enumerate(points):
                if point is None:
                    hidden_mark(plot_x + slot * c + slot / 2, min(slot * 0.5, 6))
                    continue
                px, py, figure = point
                pdf.circle(px, py, 0.9, style="F")
                if count == 1 or slot >= 10:
                    value_label(px, py - 0.8, _value_text(figure, chart.unit),
                                colour if count > 1 else INK)
    # Category labels.
    pdf.set_font(FONT, size=6.5)
    pdf.set_text_color(*INK)
    for c, category in enumerate(chart.categories):
        if c % every:
            continue
        cx = plot_x + slot * c + slot / 2
        if sideways:  # read top to bottom, starting under its bar
            length = label_h - 3
            with pdf.rotation(-90, cx, base + 1.5):
                pdf.set_xy(cx, base + 1.5 - 1.4)
                pdf.cell(length, 2.8, _fit(pdf, category, length))
            continue
        width = slot * every - 0.6
        for i, text in enumerate(_label_lines(pdf, category, width, label_lines)):
            pdf.set_xy(cx - width / 2, base + 1 + i * 2.8)
            pdf.cell(width, 2.8, text, align="C")
    if not chart.categories:
        pdf.set_xy(plot_x, plot_y + plot_h / 2 - 3)
        pdf.set_text_color(*GREY)
        pdf.cell(plot_w, 6, pgettext("report pdf", "Nothing to chart."), align="C")


def _section(pdf: _Doc, section: Section) -> None:
    _heading(pdf, section.title)
    if section.lines:
        _lines_table(pdf, section.lines)
        pdf.ln(3)
    for table in section.tables:
        _breakdown_table(pdf, table)
    for chart in section.charts:
        _chart(pdf, chart)
    if not (section.lines or section.tables or section.charts):
        pdf.set_font(FONT, size=10)
        pdf.multi_cell(0, 6, pgettext("report pdf", "Nothing to report here."), new_x="LMARGIN", new_y="NEXT")


def render(report: Report) -> bytes:
    """The report as a PDF, in the active language."""
    pdf = _Doc(report)
    pdf.set_title(pgettext("report pdf", "Period report") + f" {report.params.period}")
    pdf.set_lang(translation.get_language() or settings.LANGUAGE_CODE)
    pdf.set_creator(settings.STATION_NAME or "Jiayuan")
    pdf.add_page()
    _title_block(pdf, report)
    for section in report.sections:
        _section(pdf, section)
    if not report.sections:
        pdf.set_font(FONT, size=11)
        pdf.multi_cell(0, 7, _("Nothing to report for this place and period."),
                       new_x="LMARGIN", new_y="NEXT", wrapmode=pdf.wrap)
    pdf.last_page = True  # the last footer (drawn by output()) prints the whole digest
    return bytes(pdf.output())
