"""The period report as an Excel workbook (jiayuan.reports.xlsx): the same
figures, tables and charts as the Report, read back from the file."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.utils import translation
from python_calamine import CalamineWorkbook

from jiayuan.core.metrics import Breakdown, Cells, Metric, Period, Place, Unit
from jiayuan.core.models import User
from jiayuan.core.roles import Perm
from jiayuan.lib import suppression
from jiayuan.reports import report as reports
from jiayuan.reports.report import Chart, Line, Params, Report, Section, Table
from jiayuan.reports.xlsx import describe, escape, sheet_names, write
from tests.conftest import DEMO_TODAY
from tests.shared_data import demo_once

TODAY = date(2026, 12, 6)
MADE = datetime(2026, 12, 6, 1, 30, tzinfo=UTC)  # 09:30 in the station's time


# --- a report made by hand ---------------------------------------------------------

def nothing(actor: Any, period: Any, place: Any) -> Any:
    return User.objects.none()


def metric(code: str, name: str, unit: Unit = Unit.COUNT) -> Metric:
    value = None if unit == Unit.COUNT else (lambda actor, period, place: None)
    return Metric(code=code, name=name, description="", unit=unit, model=User, records=nothing,
                  permission=Perm.VIEW_CASES, value=value)


def breakdown(code: str, name: str, people: bool) -> Breakdown:
    return Breakdown(code=code, name=name, description="", permission=Perm.VIEW_CASES,
                     cells=lambda actor, period, place: Cells([], [], []), people=people)


def table(code: str, name: str, cells: Cells, people: bool, k: int = 10) -> Table:
    published = (suppression.suppress(reports._suppression_table(cells), k) if people
                 else None)
    return reports._table(breakdown(code, name, people), cells, published)


PEOPLE = Cells([("a", "Han"), ("b", "=HYPERLINK(\"x\")"), ("c", "Others")],
               [("m", "Resident"), ("n", "Visitor")],
               [[40, 3], [25, 12], [30, 15]])
OUTCOMES = Cells([("done", "Resolved"), ("ref", "Referred"), ("no", "Withdrawn")],
                 [("n", "Cases")], [[17], [5], [9]])


def hand_report(titles: tuple[str, str] = ("Service desk", "Care")) -> Report:
    params = Params(Period.quarter(2026, 3, today=TODAY), Place.grid(5), "quarter")
    people = table("desk.people", "People by residency", PEOPLE, people=True)
    outcomes = table("desk.outcomes", "Cases by outcome", OUTCOMES, people=False)
    desk = Section("desk", titles[0], lines=[
        Line(metric("desk.opened", "Cases opened"), 42, ""),
        Line(metric("desk.on_time", "Answered on time", Unit.PERCENT), 12.25, ""),
        Line(metric("desk.no_rate", "Nothing to divide", Unit.PERCENT), None, ""),
        Line(metric("desk.days", "Days to answer", Unit.DAYS), Decimal("3.45"), ""),
        Line(metric("desk.hours", "Hours given", Unit.HOURS), 2.0, ""),
        Line(metric("desk.waiting", "-1 waiting", Unit.DAYS), 7, ""),
    ], tables=[people, outcomes])
    chart = reports._breakdown_chart(outcomes)
    assert chart is not None
    desk.charts.append(chart)
    desk.charts.append(Chart("desk.opened", "Cases opened", "line",
                             ["2026-07", "2026-08", "2026-09"],
                             [("Cases opened", [4.0, None, 9.0])]))
    care = Section("care", titles[1], lines=[Line(metric("care.visits", "Visits"), 0, "")],
                   charts=[Chart("care.rate", "Rate", "line", ["2026-07", "2026-08"],
                                 [("Rate", [50.0, None])], Unit.PERCENT)])
    return Report(params, [desk, care], MADE, 10)


# --- reading the file back -------------------------------------------------------------

class Book:
    """The workbook as calamine reads its values, openpyxl its formats and
    comments, and the zip its charts."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.values = CalamineWorkbook.from_filelike(io.BytesIO(data))
        self.styled = openpyxl.load_workbook(io.BytesIO(data))
        self.zip = zipfile.ZipFile(io.BytesIO(data))

    @property
    def names(self) -> list[str]:
        return list(self.values.sheet_names)

    def rows(self, name: str) -> list[list[Any]]:
        return self.values.get_sheet_by_name(name).to_python(skip_empty_area=False)

    def cell(self, name: str, row: int, col: int) -> Any:
        rows = self.rows(name)
        return rows[row][col] if row < len(rows) and col < len(rows[row]) else ""

    def shown(self, name: str, row: int, col: int) -> str:
        """The cell as Excel displays it, for the formats the workbook uses."""
        cell = self.styled[name].cell(row + 1, col + 1)
        value, fmt = cell.value, cell.number_format
        if isinstance(value, str):
            return value
        assert isinstance(value, int | float), (name, row, col, value)
        if fmt == "0":
            return str(round(value))
        if fmt == "0.0":
            return f"{value:.1f}"
        if fmt == "0.0%":
            return f"{value * 100:.1f}%"
        raise AssertionError(f"unexpected number format {fmt!r}")

    def find(self, name: str, value: str, col: int = 0) -> int:
        for i, row in enumerate(self.rows(name)):
            if col < len(row) and row[col] == value:
                return i
        raise AssertionError(f"{value!r} not in column {col} of {name!r}")

    def charts(self) -> list[str]:
        found = sorted((n for n in self.zip.namelist()
                        if re.fullmatch(r"xl/charts/chart\d+\.xml", n)),
                       key=lambda n: int(re.findall(r"\d+", n)[0]))
        return [self.zip.read(n).decode() for n in found]

    def range(self, ref: str) -> list[Any]:
        """The cells of a one-column reference such as 'Care'!$B$5:$B$7."""
        match = re.fullmatch(r"'?(.+?)'?!\$([A-Z]+)\$(\d+):\$([A-Z]+)\$(\d+)", ref)
        assert match, ref
        sheet, col, first, col2, last = match.groups()
        assert col == col2
        sheet = sheet.replace("''", "'")
        index = openpyxl.utils.column_index_from_string(col) - 1
        return [self.cell(sheet, r - 1, index) for r in range(int(first), int(last) + 1)]


def section_sheets(report: Report, book: Book) -> list[str]:
    names = book.names
    assert len(names) == len(report.sections) + 1
    return names[1:]


def check_lines(report: Report, book: Book) -> int:
    checked = 0
    for section, name in zip(report.sections, section_sheets(report, book), strict=True):
        rows = book.rows(name)
        assert rows[0][0] == escape(section.title)
        for line in section.lines:
            row = book.find(name, line.metric.code, col=3)
            assert rows[row][0] == escape(str(line.metric.name))
            assert book.shown(name, row, 1) == line.text
            value = rows[row][1]
            if isinstance(value, str):
                assert value == line.text
            elif line.metric.unit == Unit.PERCENT:
                assert value == pytest.approx(float(line.text.rstrip("%")) / 100)
            else:
                assert value == pytest.approx(float(line.text))
                if line.metric.unit == Unit.COUNT:
                    assert value == line.value
            checked += 1
    return checked


def check_tables(report: Report, book: Book) -> int:
    checked = 0
    for section, name in zip(report.sections, section_sheets(report, book), strict=True):
        sheet = book.styled[name]
        for tab in section.tables:
            top = book.find(name, escape(str(tab.breakdown.name)))
            header = book.rows(name)[top + 1]
            assert header[1:1 + len(tab.columns)] == [escape(c) for c in tab.columns]
            for i, label in enumerate(tab.rows):
                row = top + 2 + i
                assert book.cell(name, row, 0) == escape(label)
                for j, text in enumerate(tab.cells[i]):
                    value = book.cell(name, row, 1 + j)
                    assert book.shown(name, row, 1 + j) == text
                    comment = sheet.cell(row + 1, 2 + j).comment
                    if tab.values[i][j] is None:  # hidden: the marker, no number, a note
                        assert isinstance(value, str)
                        assert value == f"<{report.k}" or not re.search(r"\d", value)
                        assert comment is not None and comment.text
                        assert any(comment.text in note for note in tab.notes)
                    else:
                        assert value == tab.values[i][j] and not isinstance(value, str)
                        assert comment is None
                    checked += 1
            below = [book.cell(name, top + 2 + len(tab.rows) + n, 0) for n in range(len(tab.notes))]
            assert below == [escape(note) for note in tab.notes]
    return checked


def check_charts(report: Report, book: Book) -> int:
    expected = [chart for section in report.sections for chart in section.charts]
    drawn = book.charts()
    assert len(drawn) == len(expected)
    for chart, xml in zip(expected, drawn, strict=True):
        if chart.kind == "line":
            assert "<c:lineChart>" in xml and "<c:barChart>" not in xml
        else:
            assert "<c:barChart>" in xml and '<c:barDir val="col"/>' in xml
        refs = re.findall(r"<c:(cat|val)>.*?<c:f>(.*?)</c:f>", xml, flags=re.S)
        cats = [ref for kind, ref in refs if kind == "cat"]
        vals = [ref for kind, ref in refs if kind == "val"]
        assert len(vals) == len(chart.series)
        for ref in cats:
            assert book.range(ref.replace("&apos;", "'")) == [escape(c) for c in chart.categories]
        for ref, (_series, points) in zip(vals, chart.series, strict=True):
            read = book.range(ref.replace("&apos;", "'"))
            assert read == ["" if p is None else pytest.approx(p) for p in points]
        assert "<c:dispBlanksAs" not in xml  # Excel's default: an empty cell is a gap
    return len(drawn)


# --- the tests ------------------------------------------------------------------------

def test_it_writes_every_figure_as_the_report_shows_it(settings: Any) -> None:
    settings.STATION_NAME = ""
    report = hand_report()
    book = Book(write(report))
    assert check_lines(report, book) == 7
    name = book.names[1]
    # Numbers are numbers: 42 a count, 12.25% published as 12.2% (Excel's 0.122).
    row = book.find(name, "desk.on_time", col=3)
    assert book.cell(name, row, 1) == pytest.approx(0.122)
    assert book.shown(name, row, 1) == "12.2%"
    row = book.find(name, "desk.days", col=3)
    assert book.cell(name, row, 1) == pytest.approx(3.4) and book.shown(name, row, 1) == "3.4"
    row = book.find(name, "desk.no_rate", col=3)
    assert book.cell(name, row, 1) == "—"


def test_it_writes_each_table_cell_as_published_and_notes_the_hidden_ones() -> None:
    report = hand_report()
    people = report.sections[0].tables[0]
    assert people.suppressed and people.notes  # the fixture hides something
    assert any(v is None for line in people.values for v in line)
    book = Book(write(report))
    assert check_tables(report, book) == 4 * 3 + 4 * 2


def test_it_draws_native_charts_from_the_cells_it_wrote() -> None:
    report = hand_report()
    book = Book(write(report))
    assert check_charts(report, book) == 3
    assert [n for n in book.zip.namelist() if n.startswith("xl/charts/")] == [
        "xl/charts/chart1.xml", "xl/charts/chart2.xml", "xl/charts/chart3.xml"]


def test_text_that_looks_like_a_formula_stays_text() -> None:
    book = Book(write(hand_report()))
    name = book.names[1]
    row = book.find(name, "'=HYPERLINK(\"x\")")
    assert book.cell(name, row, 0).startswith("'=")
    assert book.cell(name, book.find(name, "desk.waiting", col=3), 0) == "'-1 waiting"
    for sheet in (n for n in book.zip.namelist() if n.startswith("xl/worksheets/sheet")):
        assert "<f>" not in book.zip.read(sheet).decode()


def test_it_prints_the_digest_and_the_rule_on_the_summary(settings: Any) -> None:
    settings.STATION_NAME = "Zijin Station"
    report = hand_report()
    book = Book(write(report))
    summary = book.rows(book.names[0])
    cells = [value for row in summary for value in row]
    assert report.digest in cells
    assert summary[0][0].startswith("Zijin Station")
    assert any(isinstance(v, str) and "<10" in v for v in cells)
    assert "2026-07-01 – 2026-09-30" in " ".join(str(v) for v in cells)
    assert book.styled.properties.created == MADE.replace(tzinfo=None)
    assert report.digest in (book.styled.properties.description or "")


def test_a_named_place_is_printed_instead_of_its_number() -> None:
    report = hand_report()
    assert "5" in describe(report)
    book = Book(write(report, place="Grid 5 (Lotus Lane)"))
    cells = [v for row in book.rows(book.names[0]) for v in row]
    assert "Grid 5 (Lotus Lane)" in cells


def test_sheet_names_are_valid_and_unique_when_titles_collide() -> None:
    long = "A very long section title that goes on: and [on]?"
    report = hand_report((long + " one", long + " two"))
    book = Book(write(report))
    names = book.names
    assert len({n.casefold() for n in names}) == len(names) == 3
    for name in names:
        assert 0 < len(name) <= 31 and not re.search(r"[\[\]:*?/\\]", name)
    assert names[1] != names[2] and names[2].endswith("(2)")
    assert sheet_names(["Summary", "summary", "x" * 40, "x" * 40, "'quoted'", "a/b"],
                       taken=["SUMMARY"]) == [
        "Summary (2)", "summary (3)", "x" * 31, "x" * 27 + " (2)", "quoted", "a b"]
    # The charts refer to the renamed sheets, quoted as they must be.
    check_charts(report, book)


def test_the_same_report_writes_the_same_file() -> None:
    report = hand_report()
    assert write(report) == write(report)


def test_the_sheets_are_named_in_the_readers_language() -> None:
    with translation.override("zh-hans"):
        zh = Book(write(hand_report())).names[0]
    with translation.override("en"):
        en = Book(write(hand_report())).names[0]
    assert en == "Summary" and zh != en and re.search(r"[\u4e00-\u9fff]", zh)


# --- the demo's report -----------------------------------------------------------------

demo_loaded = demo_once(seed=1)


@pytest.mark.django_db
@pytest.mark.usefixtures("demo_today", "demo_loaded")
@pytest.mark.xdist_group("reports-xlsx")
class TestTheDemosReport:
    def test_it_writes_the_built_report_figure_for_figure(self) -> None:
        head = User.objects.get(username="head")
        params = Params(Period.quarter(2026, 3, today=DEMO_TODAY), Place.district(), "quarter")
        report = reports.build(head, params)
        assert report.sections
        book = Book(write(report))
        assert check_lines(report, book) == sum(len(s.lines) for s in report.sections)
        assert check_tables(report, book) == sum(len(t.rows) * len(t.columns)
                                                 for s in report.sections for t in s.tables)
        assert check_charts(report, book) == sum(len(s.charts) for s in report.sections)
        assert report.digest in [v for row in book.rows(book.names[0]) for v in row]
