"""Deliberation's metrics (civic/metrics.py) against hand-counted meetings,
suggestions and projects."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from jiayuan.civic.choices import ProjectStatus
from jiayuan.civic.meetings.models import Meeting
from jiayuan.civic.projects.models import Project
from jiayuan.civic.suggestions import services
from jiayuan.civic.suggestions.models import Suggestion
from jiayuan.core.metrics import Period, Place, get
from tests.civic.projects_factory import make_project
from tests.conftest import station_moment

TODAY = date(2026, 3, 15)
MARCH = Period.month(2026, 3, today=TODAY)


def at(month: int, day: int) -> datetime:
    return timezone.make_aware(datetime.combine(date(2026, month, day), time(19)))


@pytest.fixture(autouse=True)
def clock() -> Any:
    with time_machine.travel(station_moment(TODAY), tick=False):
        yield


@pytest.fixture
def world(household: Any, household_b: Any, head: Any, grid_a: Any, grid_b: Any,
          community: Any) -> None:
    """Meetings held in March: grid A's (1) and the whole community's (2);
    grid A's planned one (3) and grid B's of February (4) are not. Two
    suggestions received in March in grid A, one merged into the other, and
    one of grid B. Projects touching March: grid A's (planned), grid B's
    (under way); the whole community's one of last year does not."""
    for n, (grid, status, when) in enumerate([(grid_a, "held", at(3, 3)),
                                              (None, "held", at(3, 10)),
                                              (grid_a, "planned", at(3, 20)),
                                              (grid_b, "held", at(2, 20))]):
        Meeting.objects.create(ref=f"M-{n}", community=community, grid=grid, kind="council",
                               title="议事会", starts_at=when, organiser=head, status=status)
    first = services.suggestion_create(actor=head, title="装扶手", body="楼道里装个扶手",
                                       category="accessibility", person=household.head,
                                       received_at=at(3, 2))
    twin = services.suggestion_create(actor=head, title="扶手", body="也想要扶手",
                                      category="accessibility", person=household.head,
                                      received_at=at(3, 4))
    Suggestion.objects.filter(pk=twin.pk).update(merged_into=first)
    services.suggestion_create(actor=head, title="路灯", body="路灯坏了", category="lighting",
                               person=household_b.head, received_at=at(3, 5))
    make_project(head, community, starts_on=date(2026, 1, 1), ends_on=date(2026, 6, 30),
                 grids=[grid_a])
    b = make_project(head, community, starts_on=date(2026, 3, 1), ends_on=date(2026, 12, 31),
                     grids=[grid_b])
    Project.objects.filter(pk=b.pk).update(status=ProjectStatus.ACTIVE)
    make_project(head, community, starts_on=date(2025, 1, 1), ends_on=date(2025, 12, 31))


def figure(code: str, actor: Any, place: Place | None = None) -> Any:
    return get(code).read(actor, MARCH, place or Place.district())


def test_it_counts_meetings_suggestions_and_projects_by_hand(world: Any,
                                                             personas: Any) -> None:
    head = personas["head"]
    assert figure("civic.meetings_held", head) == 2
    assert figure("civic.suggestions", head) == 2  # the merged one counts as its target
    assert figure("civic.suggestions.received", head) == 2
    assert figure("civic.suggestions.adopted", head) == 0
    assert figure("civic.projects.planned", head) == 1
    assert figure("civic.projects.active", head) == 1
    assert figure("civic.projects.done", head) == 0


def test_it_counts_only_the_readers_grids(world: Any, personas: Any, grid_a: Any,
                                          grid_b: Any) -> None:
    gridworker, outsider = personas["gridworker"], personas["outsider"]
    assert figure("civic.meetings_held", gridworker) == 2  # grid A's and the community's
    assert figure("civic.meetings_held", outsider) == 1  # the community's only
    assert figure("civic.suggestions", gridworker) == 1
    assert figure("civic.suggestions", outsider) == 1
    assert figure("civic.projects.planned", outsider) == 0
    assert figure("civic.projects.active", outsider) == 1
    assert figure("civic.meetings_held", personas["head"], Place.grid(grid_a.pk)) == 1
    assert figure("civic.projects.active", personas["head"], Place.grid(grid_a.pk)) == 0


def test_every_figure_is_the_number_of_its_records(world: Any, personas: Any) -> None:
    for code in ("civic.meetings_held", "civic.suggestions", "civic.suggestions.received",
                 "civic.projects.planned", "civic.projects.active"):
        metric = get(code)
        for actor in personas.values():
            assert metric.read(actor, MARCH, Place.district()) == len(
                list(metric.rows(actor, MARCH, Place.district())))


def test_a_years_projects_link_to_the_project_list(world: Any, personas: Any, grid_b: Any,
                                                   client: Any) -> None:
    year = Period.year(2026, today=TODAY)
    metric = get("civic.projects.active")
    assert metric.url(MARCH, Place.district()) is None  # the list filters by year
    head = personas["head"]
    client.force_login(head)
    for place in (Place.district(), Place.grid(grid_b.pk)):
        response = client.get(metric.url(year, place))
        assert response.status_code == 200
        assert len(response.context["rows"]) == metric.read(head, year, place) == 1


def test_it_counts_the_projects_by_status(world: Any, personas: Any, grid_b: Any) -> None:
    from jiayuan.core.metrics import all_breakdowns

    table = next(b for b in all_breakdowns() if b.code == "civic.projects_by_status")
    head = personas["head"]
    cells = table.read(head, MARCH, Place.district())
    assert [key for key, _label in cells.rows] == list(ProjectStatus.values)
    assert cells.counts == [[1], [1], [0], [0]]  # planned, under way, done, cancelled
    assert cells.counts == [[figure(f"civic.projects.{key}", head)] for key in ProjectStatus.values]
    assert table.read(head, MARCH, Place.grid(grid_b.pk)).counts == [[0], [1], [0], [0]]
    assert table.read(personas["outsider"], MARCH, Place.district()).total() == 1
    year = Period.year(2025, today=TODAY)
    assert table.read(head, year, Place.district()).counts == [[1], [0], [0], [0]]  # last year's


def test_the_meetings_and_suggestions_month_by_month(world: Any, personas: Any) -> None:
    spring = Period.custom(date(2026, 2, 1), TODAY, today=TODAY)
    head = personas["head"]
    for code, expected in (("civic.meetings_held", [1, 2]), ("civic.suggestions", [0, 2])):
        series = get(code).series(head, spring, Place.district())
        assert [f for _part, f in series] == expected, code
        assert [f for _part, f in series] == [get(code).read(head, part, Place.district())
                                              for part, _f in series]
