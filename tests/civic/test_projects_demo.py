"""The demo's projects: every colour on the wall chart, whatever the day the
demo is anchored on, sub-projects, photos, and a reset that leaves none."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from jiayuan.civic.demo import projects as demo
from jiayuan.civic.demo.year import make_context
from jiayuan.civic.projects.models import Project, ProjectUpdate
from jiayuan.civic.projects.selectors import board
from jiayuan.core import audit
from jiayuan.core.roles import Role
from tests.conftest import make_user, station_moment

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("day", [date(2031, 1, 1), date(2031, 6, 15), date(2031, 12, 31),
                                 date(2032, 2, 29)])
def test_the_demo_shows_every_colour_on_its_day(personas, community, grid_b, day):
    staff = {**personas, "gridworker2": make_user("gridworker2", Role.GRIDWORKER, community,
                                                  [grid_b])}
    ctx = make_context(seed=1, today=day, staff=staff, community=community)
    counts: dict[str, int] = {}
    with time_machine.travel(station_moment(day), tick=False), audit.batch():
        made = demo.write_plan(ctx, community, counts)
        demo.write_progress(ctx, community, counts, made)
    assert counts["project"] == Project.objects.count() >= 20
    chart = board(personas["head"], year=day.year, today=day)
    assert all(n > 0 for n in chart.counts.values()), chart.counts
    assert any(row.children for row in chart.rows)
    assert ProjectUpdate.objects.exclude(photo="").count() == 2
    assert {p.source for p in Project.objects.all()} == {"plan", "suggestion", "decision",
                                                         "department"}
    demo.reset()
    assert not Project.objects.exists()
