"""The period report as a PDF (reports.pdf.render): read back with poppler's
tools, every figure, cell and the digest are in it, in an embedded CJK font;
long tables break with their header repeated; charts are vector paths; no
text runs off the page."""

from __future__ import annotations

import re
import shutil
import subprocess
import zlib
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from jiayuan.core.metrics import Breakdown, Cells, Metric, Period, Place, Unit
from jiayuan.core.models import User
from jiayuan.core.roles import Perm
from jiayuan.reports import report as rep
from jiayuan.reports.pdf import render
from jiayuan.reports.report import Chart, Line, Params, Report, Section, Table
from tests.conftest import DEMO_TODAY
from tests.shared_data import demo_once

TOOLS = ("pdftotext", "pdffonts", "pdfinfo", "pdftoppm")
pytestmark = pytest.mark.skipif(
    any(shutil.which(tool) is None for tool in TOOLS),
    reason="poppler-utils (pdftotext, pdffonts, pdfinfo, pdftoppm) is not installed: "
           "scripts/system-deps.sh installs it")

MADE = datetime(2026, 12, 6, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def _metric(code: str, name: str, unit: Unit = Unit.COUNT) -> Metric:
    value = None if unit == Unit.COUNT else (lambda actor, period, place: None)
    return Metric(code=code, name=name, description=name, unit=unit, model=User,
                  records=lambda actor, period, place: User.objects.none(),
                  permission=Perm.VIEW_CASES, value=value)


def _breakdown(code: str, name: str, people: bool = False) -> Breakdown:
    return Breakdown(code=code, name=name, description=name, permission=Perm.VIEW_CASES,
                     cells=lambda actor, period, place: Cells([], [], []), people=people)


def _table(code: str, name: str, rows: list[str], columns: list[str], cells: list[list[str]],
           notes: list[str] | None = None, suppressed: bool = False) -> Table:
    values: list[list[int | None]] = [[int(c) if c.isdigit() else None for c in line]
                                      for line in cells]
    return Table(_breakdown(code, name, suppressed), rows, columns, cells, values, notes or [],
                 suppressed)


MONTHS = [f"2026-{m:02d}" for m in range(1, 13)]
LONG_ROWS = [f"服务事项第{i}项：一个相当长的名字，要在栏里折行才放得下" for i in range(1, 61)]


def hand_report(charts: bool = True, long_table: bool = True) -> Report:
    """A report built by hand: figures of every unit (one missing), a
    suppressed table with notes, a long table, a column chart with a hidden
    and a zero bar, a monthly line chart with a hidden month."""
    desk = Section("desk", "服务台", lines=[
        Line(_metric("desk.cases_opened", "受理诉求"), 137, ""),
        Line(_metric("desk.first_response_on_time", "按时首次响应", Unit.PERCENT), 87.5, ""),
        Line(_metric("desk.days_to_close", "平均办结天数", Unit.DAYS), 3.25, ""),
        Line(_metric("desk.follow_up_satisfied", "回访满意", Unit.PERCENT), None, ""),
    ])
    people = Section("registry", "人口信息", lines=[
        Line(_metric("registry.people", "常住人口"), 4321, ""),
        Line(_metric("engage.volunteer_hours", "志愿服务时长", Unit.HOURS), 812.5, ""),
    ])
    people.tables.append(_table(
        "registry.by_residency", "按居住类型的人数",
        ["户籍", "流动", "未说明", "合计"], ["男", "女", "合计"],
        [["120", "131", "251"], ["<10", "隐藏", "27"], ["0", "<10", "<10"],
        ["129", "149", "278"]],
        notes=["流动 · 男: 少于10人", "流动 · 女: 为防推算而隐藏", "未说明 · 女: 少于10人"],
        suppressed=True))
    if long_table:
        desk.tables.append(_table(
            "desk.by_item", "按服务事项的诉求", [*LONG_ROWS, "合计"], ["件数", "合计"],
            [[str(i), str(i)] for i in range(1, 61)] + [["1830", "1830"]]))
    if charts:
        desk.charts.append(Chart("desk.by_kind", "按类别的诉求", "column",
                                 ["咨询", "求助", "投诉举报", "意见建议", "其他一个很长的类别名称"],
                                 [("件数", [42.0, None, 17.0, 0.0, 9.0])]))
        desk.charts.append(Chart("desk.cases_opened", "受理诉求（按月）", "line", MONTHS,
                                 [("受理诉求", [5.0, 8.0, 13.0, None, 11.0, 9.0, 14.0, 21.0,
                                               17.0, 12.0, 10.0, 3.0])]))
    params = Params(Period.year(2026, today=DEMO_TODAY), Place.district(), "year")
    return Report(params, [desk, people], MADE, 10)


ETHNIC = ["汉族", "朝鲜族", "满族", "回族", "蒙古族", "其他民族（名称较长）", "未说明", "壮族",
          "苗族", "彝族", "土家族"]
CATEGORIES = [f"类别{i}：一个长一些的名字" for i in range(1, 21)]


def wide_report() -> Report:
    """A table of twelve columns and a column chart of twenty categories
    (too many for labels under the bars: they are printed sideways)."""
    rows = ["户籍人口", "常住人口（非本地户籍）", "流动人口", "合计"]
    cells = [[str((i * 7 + j * 3) % 40) if (i + j) % 5 else "<10" for j in range(12)]
             for i in range(4)]
    table = _table("registry.by_group", "按民族和居住类型的人数——一个特别长的分类表名称，用来检查折行",
                   rows, [*ETHNIC, "合计"], cells, notes=["流动人口 · 汉族: 少于10人"],
                   suppressed=True)
    chart = Chart("desk.by_category", "二十个类别", "column", CATEGORIES,
                  [("件数", [float(i * 3 % 17 + 1) if i % 6 else None for i in range(20)])])
    params = Params(Period.quarter(2026, 4, today=DEMO_TODAY), Place.district(), "quarter")
    return Report(params, [Section("registry", "人口信息", tables=[table], charts=[chart])],
                  MADE, 10)


# --- reading a PDF back --------------------------------------------------------------

def write(tmp_path: Path, data: bytes, name: str = "report.pdf") -> Path:
    assert data.startswith(b"%PDF-")
    path = tmp_path / name
    path.write_bytes(data)
    return path


def text_of(path: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", *pages, str(path), "-"],
                          check=True, capture_output=True, text=True).stdout


def raw_text(path: Path) -> str:
    """The text in drawing order (a label wrapped in its cell stays together)."""
    return subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def squeezed(text: str) -> str:
    """The text without white space (a wrapped label reads as one)."""
    return re.sub(r"\s+", "", text)


def page_count(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True,
                          text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))  # type: ignore[union-attr]


def streams(data: bytes) -> list[str]:
    """The decompressed content streams (the pages' drawing operators)."""
    out = []
    for raw in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            text = zlib.decompress(raw).decode("latin-1")
        except zlib.error:
            continue
        if " BT " in text or text.startswith("BT") or " re" in text:
            out.append(text)
    return out


# --- the tests -------------------------------------------------------------------------

class TestHandBuilt:
    def test_every_figure_cell_and_the_digest_are_printed(self, tmp_path: Path) -> None:
        report = hand_report()
        path = write(tmp_path, render(report))
        text = text_of(path)
        flat = squeezed(raw_text(path))
        for section in report.sections:
            assert section.title in text
            for line in section.lines:
                assert str(line.metric.name) in text
                assert line.text in text, line.metric.code
            for table in section.tables:
                assert squeezed(str(table.breakdown.name)) in flat
                for label in table.rows + table.columns:
                    assert squeezed(label) in flat, label
                for row in table.cells:
                    for cell in row:
                        assert cell in text
                for note in table.notes:
                    assert squeezed(note) in flat
        assert "3.2 天" in text  # days carry their unit (3.25 to one decimal, half to even)
        assert "812.5 小时" in text
        assert "—" in text  # the missing figure
        assert report.digest in flat  # in full, on the last page
        assert report.digest in squeezed(text_of(path, page_count(path)))
        assert "2026-01-01" in text and "2026-12-31" in text and "2026-12-06 10:30" in text

    def test_every_page_has_its_number_digest_and_the_rule(self, tmp_path: Path) -> None:
        report = hand_report()
        path = write(tmp_path, render(report))
        pages = page_count(path)
        assert 3 <= pages <= 8  # the 60-row table takes two pages or so, not twenty
        for n in range(1, pages + 1):
            page = text_of(path, n)
            assert f"第 {n} 页，共 {pages} 页" in page
            assert report.digest[:12] in page
            assert "k = 10" in page and "<10" in page  # the rule's threshold
        assert report.digest not in squeezed(text_of(path, 1))  # only the short form

    def test_a_long_table_breaks_with_its_header_repeated(self, tmp_path: Path) -> None:
        path = write(tmp_path, render(hand_report(charts=False)))
        holding = [n for n in range(1, page_count(path) + 1)
                   if "服务事项第" in text_of(path, n)]
        assert len(holding) >= 2
        for n in holding:
            page = text_of(path, n)
            assert "件数" in page  # the header row, on every page the table reaches
        last = text_of(path, holding[-1])
        assert "1830" in last and squeezed(LONG_ROWS[-1]) in squeezed(last)

    def test_the_cjk_font_is_embedded(self, tmp_path: Path) -> None:
        path = write(tmp_path, render(hand_report()))
        fonts = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True,
                               text=True).stdout.splitlines()[2:]
        assert fonts
        for row in fonts:
            assert "CJK" in row or "Noto" in row, row
            # name, type..., then emb sub uni object ID: emb must be "yes"
            assert row.split()[-5] == "yes", row

    def test_charts_are_drawn_as_vector_paths(self, tmp_path: Path) -> None:
        with_charts = render(hand_report(long_table=False))
        without = render(hand_report(charts=False, long_table=False))
        drawn, plain = "\n".join(streams(with_charts)), "\n".join(streams(without))
        # Bars: filled rectangles ("x y w h re f") of one width; four figures
        # shown, one of them zero (no bar), one hidden (a dashed outline instead),
        # so three bars, as tall as their figures (42, 17, 9).
        rects = re.findall(r"([\d.]+) ([\d.]+) ([\d.]+) (-?[\d.]+) re f", drawn)
        plain_widths = {w for _x, _y, w, _h in re.findall(
            r"([\d.]+) ([\d.]+) ([\d.]+) (-?[\d.]+) re f", plain)}
        by_width: dict[str, list[float]] = {}
        for _x, _y, w, h in rects:
            if w not in plain_widths:
                by_width.setdefault(w, []).append(abs(float(h)))
        bars = [heights for heights in by_width.values() if len(heights) == 3]
        assert len(bars) == 1, by_width
        tall = bars[0]
        assert tall[0] / tall[1] == pytest.approx(42 / 17, rel=0.01)
        assert tall[0] / tall[2] == pytest.approx(42 / 9, rel=0.01)
        # The line: its runs of months (a hidden April breaks it in two) as
        # move-to and line-to paths; each month shown a filled circle (Bézier curves).
        polylines = re.findall(r"[\d.]+ [\d.]+ m\n((?:[\d.]+ [\d.]+ l\n)+) S", drawn)
        assert [p.count(" l") for p in polylines] == [2, 7]
        assert drawn.count(" c f") - plain.count(" c f") == 11
        # A hidden figure: a dashed outline (a hidden bar, a hidden month).
        assert len(re.findall(r"\] [\d.]+ d\n[\d.]+ [\d.]+ [\d.]+ -?[\d.]+ re S", drawn)) == 2
        text = text_of(write(tmp_path, with_charts))
        assert "按类别的诉求" in text and "受理诉求（按月）" in text
        assert text.count("隐藏") >= 3  # the table's cell, a hidden bar, a hidden month
        for month in ("2026-01", "2026-06", "2026-12"):
            assert month in text

    @pytest.mark.parametrize("language", ["zh-hans", "en"])
    @pytest.mark.parametrize("make", [hand_report, wide_report])
    def test_no_text_runs_off_the_page(self, tmp_path: Path, make: Any, language: str) -> None:
        with translation.override(language):
            path = write(tmp_path, render(make()))
        html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True,
                              capture_output=True, text=True).stdout
        pages = re.findall(r'<page width="([\d.]+)" height="([\d.]+)">', html)
        width, height = float(pages[0][0]), float(pages[0][1])
        words = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                           r'yMax="([\d.]+)">', html)
        assert len(words) > 50
        margin = 10 * 72 / 25.4  # nothing within 10 mm of an edge
        for x0, y0, x1, y1 in ((float(v) for v in word) for word in words):
            assert margin <= x0 and x1 <= width - margin, (x0, x1)
            assert y0 > 0 and y1 <= height - 2, (y0, y1)

    def test_a_wide_table_and_many_categories_keep_every_label(self, tmp_path: Path) -> None:
        report = wide_report()
        path = write(tmp_path, render(report))
        flat = squeezed(raw_text(path))
        table = report.sections[0].tables[0]
        for label in table.rows + table.columns:
            assert squeezed(label) in flat, label
        for row in table.cells:
            for cell in row:
                assert cell in flat
        for category in CATEGORIES:  # printed sideways, each whole or cut with "…"
            assert category.split("：")[0] + "：" in flat, category
        assert page_count(path) == 1

    def test_the_reader_s_language(self, tmp_path: Path) -> None:
        report = hand_report(long_table=False)
        with translation.override("en"):
            text = text_of(write(tmp_path, render(report), "en.pdf"))
        assert "Period report" in text and "Page 1 of" in text
        assert "hidden" in text and "3.2 days" in text
        with translation.override("zh-hant"):
            text = text_of(write(tmp_path, render(report), "hant.pdf"))
        assert "第 1 頁" in text and "隱藏" in text

    def test_an_empty_report_says_so(self, tmp_path: Path) -> None:
        params = Params(Period.month(2026, 11, today=DEMO_TODAY), Place.district(), "month")
        path = write(tmp_path, render(Report(params, [], MADE, 10)))
        assert page_count(path) == 1
        text = text_of(path)
        assert "2026-11" in text and "没有可报告的内容" in squeezed(text)


demo_loaded = demo_once(seed=1)


@pytest.mark.django_db
@pytest.mark.usefixtures("demo_loaded", "demo_today")
@pytest.mark.xdist_group("reports-pdf-demo")
class TestDemoReport:
    def build(self, place: Place | None = None) -> Report:
        head = User.objects.get(username="head")
        params = Params(Period.year(2026, today=DEMO_TODAY), place or Place.district(), "year")
        return rep.build(head, params)

    def test_a_real_report_prints_every_figure_and_its_charts(self, tmp_path: Path,
                                                              settings: Any) -> None:
        settings.STATION_NAME = "朝阳街道家园服务站"
        report = self.build()
        assert report.sections and any(s.lines for s in report.sections)
        data = render(report)
        path = write(tmp_path, data)
        text, flat = text_of(path), squeezed(raw_text(path))
        assert "朝阳街道家园服务站" in text
        for section in report.sections:
            for line in section.lines:
                assert squeezed(str(line.metric.name)) in flat
                assert line.text in text
            for table in section.tables:
                for row in table.cells:
                    for cell in row:
                        assert cell in text
            for chart in section.charts:
                assert squeezed(chart.title)[:10] in flat
        assert report.digest in flat
        assert 2 <= page_count(path) <= 40
        # Snapshots to look at: pdftoppm renders every page.
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(path), str(tmp_path / "page")],
                       check=True)
        assert len(list(tmp_path.glob("page-*.png"))) == page_count(path)

    def test_a_grid_report_names_its_grid(self, tmp_path: Path) -> None:
        from django.apps import apps

        grid = apps.get_model("places", "Grid").objects.order_by("pk").first()
        report = self.build(Place.grid(grid.pk))
        text = text_of(write(tmp_path, render(report)))
        assert grid.name in text and grid.community.name in text


@pytest.mark.parametrize("peak", [0.0, 0.4, 1.0, 3.0, 9.0, 12.0, 42.0, 99.9, 137.0, 1234.5])
def test_the_value_axis_is_round_and_reaches_the_peak(peak: float) -> None:
    from jiayuan.reports.pdf import _nice_top

    for whole in (True, False):
        top, step = _nice_top(peak, whole)
        assert top >= peak and top > 0
        assert 1 <= round(top / step) <= 5
        if whole:
            assert float(step).is_integer()
