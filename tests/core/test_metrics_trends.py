"""Month by month on the tiny demo: each metric's cheap series (its `trend`,
one grouped query) gives, for every month, exactly the figure its definition
gives for that month alone; each breakdown adds up to the metric it breaks
down. Read for the station head and for a grid worker (their grids only)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiayuan.civic.choices import Stage
from jiayuan.core import metrics
from jiayuan.core.metrics import Period, Place, last_months
from jiayuan.core.models import User
from jiayuan.desk.models import Case
from tests.conftest import DEMO_TODAY, station_moment
from tests.shared_data import demo_once

pytestmark = pytest.mark.django_db

demo_loaded = demo_once(seed=1)

#: Every figure that counts (or sums) records dated by one field: each has a trend.
TRENDED = {
    "desk.cases_opened", "desk.cases_resolved", "desk.cases_due",
    "care.visits", "care.duties_due", "care.duties_on_time", "care.disputes_resolved",
    "care.disputes_escalated",
    "civic.meetings_held", "civic.suggestions",
    *(f"civic.suggestions.{stage}" for stage in Stage.values),
    "engage.volunteer_hours", "engage.volunteers_active", "engage.activities_held",
    "engage.attendance", "engage.cards_issued",
}


@pytest.fixture
def still() -> Any:
    """The demo's day, the clock stopped (the figures of "today" hold still)."""
    with time_machine.travel(station_moment(DEMO_TODAY), tick=False):
        yield


def readers() -> list[User]:
    return [User.objects.get(username="head"), User.objects.get(username="gridworker")]


def breakdown(code: str) -> metrics.Breakdown:
    return next(b for b in metrics.all_breakdowns() if b.code == code)


def months_of(metric: metrics.Metric, actor: User, place: Place) -> tuple[list, list]:
    year = last_months(12, DEMO_TODAY)
    series = metric.series(actor, year, place)
    reads = [(part, metric.read(actor, part, place)) for part, _figure in series]
    return series, reads


@pytest.mark.xdist_group("metrics-trends-demo")
@pytest.mark.usefixtures("still")
class TestTrendsOnTheDemo:
    def test_the_trended_metrics_are_the_dated_counts_and_sums(self, demo_loaded: str) -> None:
        assert {m.code for m in metrics.all_metrics() if m.trended} == TRENDED
        for metric in metrics.all_metrics():
            if metric.snapshot:
                assert not metric.trended, metric.code  # a figure of today has no months

    def test_each_month_of_the_series_is_the_figure_of_that_month(self, demo_loaded: str) -> None:
        for actor in readers():
            place = Place.district()
            nonzero = set()
            for metric in metrics.for_reader(actor, place):
                if not metric.trended:
                    continue
                series, reads = months_of(metric, actor, place)
                assert len(series) == 12
                assert series == reads, (metric.code, actor.username)
                if any(figure for _part, figure in series):
                    nonzero.add(metric.code)
            # The check means something: the demo has a year of each of these.
            assert {"desk.cases_opened", "desk.cases_resolved", "care.visits",
                    "care.duties_due", "engage.volunteer_hours", "engage.attendance",
                    "civic.suggestions"} <= nonzero, actor.username

    def test_the_series_of_one_grid_is_that_grids_figures(self, demo_loaded: str) -> None:
        head, gridworker = readers()
        grid = gridworker.grids.first()
        assert grid is not None
        for metric in metrics.for_reader(head, Place.grid(grid.pk)):
            if metric.trended:
                series, reads = months_of(metric, head, Place.grid(grid.pk))
                assert series == reads, metric.code

    def test_a_years_series_costs_what_one_months_figure_does(self, demo_loaded: str) -> None:
        """One statement for the twelve months (a count: an indexed COUNT per
        month as scalar subqueries; a sum: filtered aggregates; plus the
        reader's scope, as for any figure), not one per month or per record."""
        head = readers()[0]
        year = last_months(12, DEMO_TODAY)
        month = Period.month(DEMO_TODAY.year, DEMO_TODAY.month, today=DEMO_TODAY)
        for code in sorted(TRENDED):
            metric = metrics.get(code)
            metric.read(head, month, Place.district())  # the scope, cached or not
            with CaptureQueriesContext(connection) as one_month:
                metric.read(head, month, Place.district())
            with CaptureQueriesContext(connection) as twelve:
                metric.series(head, year, Place.district())
            assert len(twelve) == len(one_month), (code, [q["sql"] for q in twelve])

    def test_the_hours_series_sums_hours(self, demo_loaded: str) -> None:
        head = readers()[0]
        year = last_months(12, DEMO_TODAY)
        hours = metrics.get("engage.volunteer_hours")
        series = hours.series(head, year, Place.district())
        assert sum(Decimal(f) for _part, f in series) == hours.read(head, year, Place.district())


@pytest.mark.xdist_group("metrics-trends-demo")
@pytest.mark.usefixtures("still")
class TestBreakdownsOnTheDemo:
    """Each breakdown's total is the figure of the metric it breaks down."""

    def test_the_totals_are_the_metrics(self, demo_loaded: str) -> None:
        year = Period.year(DEMO_TODAY.year, today=DEMO_TODAY)
        place = Place.district()
        for actor in readers():
            readable = {b.code for b in metrics.breakdowns_for(actor, place)}

            def cells(code: str, who: User = actor) -> metrics.Cells:
                return breakdown(code).read(who, year, place)

            def figure(code: str, who: User = actor) -> Any:
                return metrics.get(code).read(who, year, place)

            totals: dict[str, tuple[int, Any]] = {}
            if "desk.outcomes" in readable:
                totals["desk.outcomes"] = (cells("desk.outcomes").total(), metrics.get(
                    "desk.cases_resolved").rows(actor, year, place).exclude(outcome="").count())
            if "desk.channels" in readable:
                totals["desk.channels"] = (cells("desk.channels").total(),
                                           figure("desk.cases_opened"))
            if "care.visits_by_reason" in readable:
                totals["care.visits_by_reason"] = (cells("care.visits_by_reason").total(),
                                                   figure("care.visits"))
            if "registry.people_by_residency" in readable:
                totals["registry.people_by_residency"] = (
                    cells("registry.people_by_residency").total(), figure("registry.people"))
            for code, (total, expected) in totals.items():
                assert total == expected, (code, actor.username)
                assert total > 0, (code, actor.username)  # something to check on the demo
            if "care.disputes_by_outcome" in readable:
                table = cells("care.disputes_by_outcome")
                keys = [key for key, _label in table.rows]
                assert table.counts[keys.index("resolved")] == [figure("care.disputes_resolved")]
            if "civic.projects_by_status" in readable:
                table = cells("civic.projects_by_status")
                assert [line[0] for line in table.counts] == [
                    figure(f"civic.projects.{key}") for key, _label in table.rows]
        head, gridworker = readers()
        assert set(metrics.all_breakdowns()) == set(metrics.breakdowns_for(head))
        ethnic = breakdown("registry.people_by_ethnicity")
        table = ethnic.read(head, year, place)
        assert table.total() == metrics.get("registry.people").read(head, year, place)
        assert table.rows[-1][0] == "not_stated" and len(table.rows) > 2
        mediator = User.objects.filter(role="mediator").first()
        assert mediator is not None and mediator.has(metrics.Perm.VIEW_REGISTRY)
        assert not ethnic.readable_by(mediator)  # no sensitive data: no table
        assert ethnic not in metrics.breakdowns_for(mediator)
        with pytest.raises(metrics.MetricError):
            ethnic.read(mediator, year, place)

    def test_desk_outcomes_counts_the_cases_resolved_by_their_outcome(
            self, demo_loaded: str) -> None:
        head = readers()[0]
        year = Period.year(DEMO_TODAY.year, today=DEMO_TODAY)
        table = breakdown("desk.outcomes").read(head, year, Place.district())
        resolved = metrics.get("desk.cases_resolved").rows(head, year, Place.district())
        for (key, _label), line in zip(table.rows, table.counts, strict=True):
            assert line == [resolved.filter(outcome=key).count()]
        assert Case.objects.exclude(outcome="").exists()
