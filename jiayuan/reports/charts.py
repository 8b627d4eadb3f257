"""A report's charts as SVG geometry: the numbers the `reports/_chart.html`
template draws (templates do no arithmetic). A column chart (a breakdown)
or a line chart (a figure month by month); a hidden value (None: suppressed,
or nothing to divide) is a gap, marked as hidden, never drawn as zero."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from jiayuan.reports.report import Chart, figure_text

WIDTH, HEIGHT = 480, 240
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 14, 44
PALETTE = ("#1f6fb2", "#d9822b", "#3a9a5b", "#8e5bb5", "#c94c4c")
LABEL_ROOM = 44  # horizontal room a category's label needs before some are left out


@dataclass(frozen=True)
class Tick:
    y: float
    text: str


@dataclass(frozen=True)
class XLabel:
    x: float
    text: str  # cut to fit
    full: str


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    w: float
    h: float
    color: str
    category: str
    text: str
    show_text: bool

    @property
    def cx(self) -> float:
        return self.x + self.w / 2


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    category: str
    text: str


@dataclass(frozen=True)
class Series:
    name: str
    color: str
    path: str  # broken at hidden values
    points: list[Point]


@dataclass(frozen=True)
class Gap:
    x: float
    category: str
    series: str


@dataclass
class Layout:
    width: int = WIDTH
    height: int = HEIGHT
    left: float = LEFT
    top: float = TOP
    right: float = WIDTH - RIGHT
    bottom: float = HEIGHT - BOTTOM
    ticks: list[Tick] = field(default_factory=list)
    xlabels: list[XLabel] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    series: list[Series] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    legend: bool = False


def nice_top(value: float, whole: bool = False) -> tuple[float, float]:
    """A round top for the axis at or above `value`, and the step of its ticks
    (at most five: 1, 2, 2.5 or 5 times a power of ten; `whole`: counts, so
    a step of at least 1)."""
    if value <= 0:
        return 1.0, 1.0
    raw = value / 4
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * power
        if step >= raw:
            break
    if whole:
        step = max(1.0, step) if step != 2.5 else 2.0 if value <= 8 else 5.0
    return step * math.ceil(value / step - 1e-9), step


def _width(text: str) -> float:
    """Roughly how wide `text` is at the chart's 11 px: wide (CJK) characters count twice."""
    return sum(11 if ord(ch) > 0x2E80 else 6 for ch in text)


def _cut(text: str, room: float) -> str:
    if _width(text) <= room:
        return text
    out = ""
    for ch in text:
        if _width(out + ch + "…") > room:
            break
        out += ch
    return (out or text[:1]) + "…"


def value_text(value: float, unit: str) -> str:
    # Chart points are floats; a count reads as a whole number.
    return figure_text(int(value) if float(value).is_integer() and unit == "count" else value,
                       unit)


def _tick_text(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def layout(chart: Chart) -> Layout:
    out = Layout()
    n = max(len(chart.categories), 1)
    plot_w, plot_h = out.right - out.left, out.bottom - out.top
    values = [v for _name, line in chart.series for v in line if v is not None]
    top, step = nice_top(max(values, default=0), whole=chart.unit == "count")
    ticks = round(top / step)
    out.ticks = [Tick(out.bottom - plot_h * i / ticks, _tick_text(step * i))
                 for i in range(ticks + 1)]

    def y_of(value: float) -> float:
        return out.bottom - plot_h * max(value, 0) / top

    band = plot_w / n
    every = max(1, math.ceil(LABEL_ROOM / band)) if chart.kind == "line" else 1
    for i, category in enumerate(chart.categories):
        if i % every == 0:
            out.xlabels.append(XLabel(out.left + band * (i + 0.5),
                                      _cut(category, band * every - 4), category))
    out.legend = len(chart.series) > 1
    if chart.kind == "column":
        count = max(len(chart.series), 1)
        bar_w = band * 0.7 / count
        for s, (name, line) in enumerate(chart.series):
            color = PALETTE[s % len(PALETTE)]
            for i, value in enumerate(line):
                x = out.left + band * i + band * 0.15 + bar_w * s
                if value is None:
                    out.gaps.append(Gap(x + bar_w / 2, chart.categories[i], name))
                    continue
                y = y_of(value)
                out.bars.append(Bar(x, y, bar_w, out.bottom - y, color, chart.categories[i],
                                    value_text(value, chart.unit), bar_w >= 18))
        return out
    for s, (name, line) in enumerate(chart.series):
        color = PALETTE[s % len(PALETTE)]
        points, path, pen_down = [], [], False
        for i, value in enumerate(line):
            x = out.left + band * (i + 0.5)
            if value is None:
                out.gaps.append(Gap(x, chart.categories[i], name))
                pen_down = False
                continue
            y = y_of(value)
            points.append(Point(x, y, chart.categories[i], value_text(value, chart.unit)))
            path.append(f"{'L' if pen_down else 'M'}{x:.1f} {y:.1f}")
            pen_down = True
        out.series.append(Series(name, color, " ".join(path), points))
    return out
