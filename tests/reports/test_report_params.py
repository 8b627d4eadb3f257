"""The report's parameters (report.parse, Params.query, the default) and the
pieces of the screen the page draws from a report: a suppressed table's
cells with their notes, and the charts' geometry."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.utils import translation

from jiayuan.core import metrics
from jiayuan.core.metrics import Breakdown, Cells, Period, Place
from jiayuan.core.models import User
from jiayuan.core.roles import Perm
from jiayuan.reports import charts
from jiayuan.reports import report as rpt

TODAY = date(2026, 12, 6)


@pytest.mark.parametrize(("today", "start", "end"), [
    (date(2026, 12, 6), date(2026, 7, 1), date(2026, 9, 30)),
    (date(2026, 1, 1), date(2025, 10, 1), date(2025, 12, 31)),
    (date(2026, 3, 31), date(2025, 10, 1), date(2025, 12, 31)),
    (date(2026, 4, 1), date(2026, 1, 1), date(2026, 3, 31)),
])
def test_the_default_is_the_last_finished_quarter(today: date, start: date, end: date) -> None:
    params = rpt.default_params(today)
    assert (params.period.start, params.period.end, params.kind) == (start, end, "quarter")
    assert params.place == Place.district()


@pytest.mark.django_db
@pytest.mark.parametrize("query", [
    {"kind": "quarter", "year": "2026", "quarter": "3"},
    {"kind": "month", "year": "2026", "month": "2"},
    {"kind": "year", "year": "2025"},
    {"kind": "custom", "start": "2026-03-10", "end": "2026-04-05"},
])
def test_a_reports_query_gives_the_same_report_again(
        personas: dict[str, User], grid_a: Any, query: dict[str, str]) -> None:
    head = personas["head"]
    for place in ({}, {"grid": str(grid_a.pk)}, {"community": str(grid_a.community_id)}):
        params = rpt.parse(head, {**query, **place}, today=TODAY)
        assert rpt.parse(head, params.query(), today=TODAY) == params
        assert params.query() == {**query, **place}


@pytest.mark.django_db
def test_the_forms_one_place_field_names_a_grid_or_a_community(
        personas: dict[str, User], grid_a: Any) -> None:
    head = personas["head"]
    q = {"kind": "year", "year": "2026"}
    assert rpt.parse(head, {**q, "place": f"grid:{grid_a.pk}"}, TODAY).place == \
        Place.grid(grid_a.pk)
    assert rpt.parse(head, {**q, "place": f"community:{grid_a.community_id}"}, TODAY).place \
        == Place.community(grid_a.community_id)
    assert rpt.parse(head, {**q, "place": ""}, TODAY).place == Place.district()
    for bad in ("grid:", "grid:x", "grid:²", "street:1", f"grid:{grid_a.pk + 1000}"):
        with pytest.raises(rpt.ReportError):
            rpt.parse(head, {**q, "place": bad}, TODAY)


@pytest.mark.django_db
def test_a_grid_worker_may_not_name_another_grid(
        personas: dict[str, User], grid_b: Any) -> None:
    with translation.override("en"), pytest.raises(rpt.ReportError, match="not one of yours"):
        rpt.parse(personas["gridworker"], {"kind": "year", "year": "2026",
                                           "grid": str(grid_b.pk)}, TODAY)


@pytest.mark.django_db
def test_periods_before_2000_are_refused(personas: dict[str, User]) -> None:
    with pytest.raises(rpt.ReportError):
        rpt.parse(personas["head"], {"kind": "custom", "start": "0001-01-01",
                                     "end": "2026-01-01"}, TODAY)


def test_the_period_and_file_are_named_plainly() -> None:
    q3 = rpt.Params(Period.quarter(2026, 3, today=TODAY), Place.grid(5), "quarter")
    assert rpt.period_label(rpt.Params(Period.month(2026, 2, today=TODAY), Place.district(),
                                       "month")) == "2026-02"
    assert rpt.filename(q3, "xlsx") == "jiayuan-report-2026-07-01-2026-09-30-grid-5.xlsx"


def test_a_big_report_is_the_whole_district_over_more_than_a_quarter() -> None:
    district, grid = Place.district(), Place.grid(1)
    assert not rpt.district_sized(rpt.Params(Period.quarter(2026, 1, today=TODAY), district))
    assert rpt.district_sized(rpt.Params(Period.year(2026, today=TODAY), district))
    assert not rpt.district_sized(rpt.Params(Period.year(2026, today=TODAY), grid))


# --- a suppressed table on the screen ---------------------------------------------

@pytest.fixture
def people_breakdown() -> Iterator[Breakdown]:
    breakdown = metrics.register_breakdown(Breakdown(
        code="registry.test_people", name="People by age", description="test",
        permission=Perm.VIEW_REGISTRY, people=True,
        cells=lambda actor, period, place: Cells(
            [("young", "Young"), ("old", "Old"), ("none", "Not stated")],
            [("n", "People")], [[25], [3], [12]])))
    yield breakdown
    metrics._breakdowns.pop(breakdown.code, None)


@pytest.mark.django_db
def test_a_table_of_people_shows_small_counts_hidden_with_their_notes(
        people_breakdown: Breakdown, personas: dict[str, User]) -> None:
    report = rpt.build(personas["head"],
                       rpt.Params(Period.quarter(2026, 3, today=TODAY), Place.district()))
    table = next(t for s in report.sections for t in s.tables
                 if t.breakdown.code == people_breakdown.code)
    grid = dict(table.grid())
    assert grid["Old"][0][0] == "<10" and grid["Old"][0][1]
    assert grid["Young"][0] == ("25", None)
    hidden = [cell for cells in grid.values() for cell in cells if cell[1]]
    assert len(hidden) >= 2 and len(table.notes) == len(hidden)
    # Its chart leaves the hidden figures out, as gaps.
    chart = next(c for s in report.sections for c in s.charts if c.code == people_breakdown.code)
    layout = charts.layout(chart)
    assert {gap.category for gap in layout.gaps} == {row for row, cells in grid.items()
                                                      if cells[0][1] and row != "Total"}
    assert len(layout.bars) == len(chart.categories) - len(layout.gaps)


# --- the charts' geometry -------------------------------------------------------------

@pytest.mark.parametrize(("value", "whole", "top", "step"), [
    (0, True, 1, 1), (1, True, 1, 1), (3, True, 3, 1), (7, True, 8, 2), (9, True, 10, 5),
    (100, False, 100, 25), (0.4, False, 0.4, 0.1), (1234, True, 1500, 500),
])
def test_the_axis_ends_on_a_round_number(value: float, whole: bool, top: float,
                                         step: float) -> None:
    got_top, got_step = charts.nice_top(value, whole)
    assert got_top == pytest.approx(top) and got_step == pytest.approx(step)
    assert got_top >= value


def test_a_line_chart_breaks_at_a_hidden_month() -> None:
    chart = rpt.Chart("x", "Cases", "line", ["2026-07", "2026-08", "2026-09", "2026-10"],
                      [("Cases", [4.0, None, 6.0, 8.0])])
    layout = charts.layout(chart)
    (series,) = layout.series
    assert series.path.count("M") == 2 and series.path.count("L") == 1
    assert [p.text for p in series.points] == ["4", "6", "8"]
    assert [g.category for g in layout.gaps] == ["2026-08"]
    ys = [p.y for p in series.points]
    assert ys[0] > ys[1] > ys[2]  # higher figures are drawn higher
    assert all(layout.top <= y <= layout.bottom for y in ys)


def test_long_labels_are_cut_and_crowded_months_thinned() -> None:
    months = [f"2026-{m:02d}" for m in range(1, 13)] + [f"2027-{m:02d}" for m in range(1, 13)]
    chart = rpt.Chart("x", "Cases", "line", months, [("Cases", [1.0] * 24)])
    assert len(charts.layout(chart).xlabels) < 24
    column = rpt.Chart("y", "By kind", "column",
                       ["一个很长很长很长很长很长的类别", "短", "三", "四", "五", "六"],
                       [("n", [3.0, 5.0, 1.0, 1.0, 1.0, 1.0])])
    labels = charts.layout(column).xlabels
    assert labels[0].text.endswith("…") and labels[0].full.startswith("一个")
    assert labels[1].text == "短"
