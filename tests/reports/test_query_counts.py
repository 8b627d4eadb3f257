"""The dashboard and the report read each figure in a bounded number of queries:
the count does not grow with the records (no query per record, per grid or per
month). The demo is loaded twice, at two sizes (the tiny one, then one with
twice the households, a third grid and twice the year of meetings, activities
and volunteering), and the queries of the same calls are counted on each.

Timings belong in bench/dashboard_report.py, not here."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiayuan.care.models import Duty, Visit
from jiayuan.civic.meetings.models import Meeting
from jiayuan.core import metrics
from jiayuan.core.metrics import Period, Place
from jiayuan.core.models import User
from jiayuan.core.roles import Role
from jiayuan.demo.loader import load
from jiayuan.desk.models import Case
from jiayuan.engage.volunteers.models import HoursEntry
from jiayuan.places.models import Grid
from jiayuan.registry.demo.generator import SCALES, Scale
from jiayuan.registry.models import Person
from jiayuan.reports.dashboard import dashboard
from jiayuan.reports.report import Params, build
from tests.conftest import DEMO_TODAY, station_moment
from tests.shared_data import Rollback

LARGER = Scale("qc-larger", 1, 3, 120, 3, 4, year_size=2 / 3)
SIZED = (Person, Case, Visit, Duty, Meeting, HoursEntry, Grid)


def _queries(fn: Any, *args: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn(*args)
    return len(ctx.captured_queries)


def _measure(scale: str) -> dict[str, Any]:
    """Load the demo at `scale` (rolled back afterwards) and count the queries
    of the dashboard and the quarterly report for a district-wide head, the
    demo's head and its grid worker; with the sizes of the data."""
    block = Rollback()
    block.__enter__()
    try:
        load(scale, 1, DEMO_TODAY)
        district = User.objects.create_user("qc-district-head", role=Role.HEAD)
        quarter = Period.quarter(2026, 3, today=DEMO_TODAY)
        out: dict[str, Any] = {"sizes": {m.__name__: m.objects.count() for m in SIZED}}
        for name in ("qc-district-head", "head", "gridworker"):
            def reader(name: str = name) -> User:  # as a request loads it: no scope cached
                return User.objects.get(username=name)

            out[f"dashboard {name}"] = _queries(
                lambda: dashboard(reader(), Place.district(), DEMO_TODAY))
            out[f"report {name}"] = _queries(
                lambda: build(reader(), Params(quarter, Place.district(), "quarter")))
            readable = metrics.for_reader(reader(), Place.district())
            out[f"metrics {name}"] = len(readable)
            out[f"trended {name}"] = sum(1 for m in readable if m.trended)
            out[f"tables {name}"] = len(metrics.breakdowns_for(reader(), Place.district()))
        assert district.pk
        return out
    finally:
        block.__exit__(None, None, None)


@pytest.mark.django_db
@pytest.mark.xdist_group("reports-query-counts")
class TestQueryCounts:
    def test_counts_do_not_grow_with_the_records(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setitem(SCALES, LARGER.name, LARGER)
        with time_machine.travel(station_moment(DEMO_TODAY), tick=True):
            small = _measure("tiny")
            large = _measure(LARGER.name)
        # The larger load really is larger, in every kind of record counted.
        for model, n in small["sizes"].items():
            assert large["sizes"][model] > n > 0, (model, n, large["sizes"][model])
        small.pop("sizes"), large.pop("sizes")
        assert small == large
        # Bounded: the scope, then one query per figure, one per series and
        # one per table, not one per month or per record.
        for key, n in small.items():
            if key.startswith(("dashboard", "report")):
                who = key.split(" ", 1)[1]
                readable, trended = small[f"metrics {who}"], small[f"trended {who}"]
                tables = small[f"tables {who}"] if key.startswith("report") else 0
                assert n <= readable + trended + tables + 10, (key, n, readable, trended)

    def test_a_month_series_is_one_query_when_trended(self) -> None:
        """A trended metric's twelve months cost the same queries as one month
        (core.metric_parts.monthly: one statement for the months)."""
        head = User.objects.create_user("qc-head-2", role=Role.HEAD)
        year = metrics.last_months(12, DEMO_TODAY)
        month = Period.month(DEMO_TODAY.year, DEMO_TODAY.month, today=DEMO_TODAY)
        for metric in metrics.for_reader(head, Place.district()):
            if not metric.trended:
                continue
            head = User.objects.get(pk=head.pk)
            one = _queries(metric.series, head, month, Place.district())
            head = User.objects.get(pk=head.pk)
            twelve = _queries(metric.series, head, year, Place.district())
            assert twelve == one, (metric.code, one, twelve)

