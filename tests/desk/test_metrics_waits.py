"""How long residents wait (the desk's median and 90th-percentile days) and
the desk's breakdowns (outcomes, channels), against hand-counted cases."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from jiayuan.core import metrics
from jiayuan.core.metric_parts import DaysBetween
from jiayuan.core.metrics import Period, Place, get
from jiayuan.desk.choices import Channel, Outcome, Status
from jiayuan.desk.metrics import nearest_rank, rank_in_database
from jiayuan.desk.models import Case
from tests.conftest import station_moment

TODAY = date(2026, 3, 15)
MARCH = Period.month(2026, 3, today=TODAY)
FEBRUARY = Period.month(2026, 2, today=TODAY)


def at(month: int, day: int, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(date(2026, month, day), time(hour)))


@pytest.fixture(autouse=True)
def clock() -> Any:
    with time_machine.travel(station_moment(TODAY), tick=False):
        yield


def breakdown(code: str) -> metrics.Breakdown:
    return next(b for b in metrics.all_breakdowns() if b.code == code)


@pytest.fixture
def cases(make_case: Any, household: Any, household_b: Any) -> None:
    """Received in March, with days to the first response and to resolution:
    w1 (grid A, walk-in): 1 and 2, a job; w2 (A, hotline): 2 and 4, a job;
    w3 (A, portal): 3 and 6, a school place; w4 (A, hotline): 4, open;
    w5 (grid B, walk-in): 10 and 12, no outcome recorded; w6 (A, walk-in):
    not answered yet. w7 (B, hotline): received 10 February, answered the
    next day, resolved on 2 March (20 days), housing."""
    rows: dict[str, dict[str, Any]] = {
        "w1": {"opened": at(3, 1), "answer": 1, "resolve": 2, "outcome": Outcome.JOB,
               "channel": Channel.WALK_IN},
        "w2": {"opened": at(3, 2), "answer": 2, "resolve": 4, "outcome": Outcome.JOB,
               "channel": Channel.HOTLINE},
        "w3": {"opened": at(3, 3), "answer": 3, "resolve": 6, "outcome": Outcome.SCHOOL_PLACE,
               "channel": Channel.PORTAL},
        "w4": {"opened": at(3, 4), "answer": 4, "channel": Channel.HOTLINE},
        "w5": {"opened": at(3, 1), "answer": 10, "resolve": 12, "channel": Channel.WALK_IN,
               "grid_b": True},
        "w6": {"opened": at(3, 5), "channel": Channel.WALK_IN},
        "w7": {"opened": at(2, 10), "answer": 1, "resolve": 20, "outcome": Outcome.HOUSING,
               "channel": Channel.HOTLINE, "grid_b": True},
    }
    for row in rows.values():
        made = make_case(person=(household_b if row.get("grid_b") else household).head,
                         owner=None)
        opened = row["opened"]
        fields: dict[str, Any] = {"opened_at": opened, "channel": row["channel"],
                                  "outcome": row.get("outcome", ""),
                                  "acknowledged_at": None, "status": Status.NEW}
        if "answer" in row:
            fields.update(acknowledged_at=opened + timedelta(days=row["answer"]),
                          status=Status.IN_PROGRESS)
        if "resolve" in row:
            fields.update(resolved_at=opened + timedelta(days=row["resolve"]),
                          status=Status.RESOLVED)
        Case.objects.filter(pk=made.pk).update(**fields)


def figure(code: str, actor: Any, period: Period = MARCH, place: Place | None = None) -> Any:
    return get(code).read(actor, period, place or Place.district())


def test_nearest_rank_takes_the_value_at_the_rank() -> None:
    assert nearest_rank([10, 1, 4, 3, 2], 50) == 3
    assert nearest_rank([10, 1, 4, 3, 2], 90) == 10  # rank ⌈4.5⌉ = 5
    assert nearest_rank([1, 2, 3, 4], 50) == 2  # rank 2: the lower middle one
    assert nearest_rank([1, 2, 3, 4], 90) == 4  # rank ⌈3.6⌉ = 4
    assert nearest_rank([2.125], 50) == 2.1  # one decimal
    assert nearest_rank(list(range(1, 21)), 90) == 18
    assert nearest_rank([], 50) is None


def test_it_gives_the_days_to_the_first_response(cases: Any, personas: Any,
                                                 grid_a: Any) -> None:
    head = personas["head"]
    # Received in March and answered: 1, 2, 3, 4, 10 days (w6 still waits).
    assert figure("desk.days_to_first_response_median", head) == 3
    assert figure("desk.days_to_first_response_p90", head) == 10
    assert get("desk.days_to_first_response_median").rows(head, MARCH, Place.district()).count() == 5
    # Grid A: 1, 2, 3, 4.
    assert figure("desk.days_to_first_response_median", head, place=Place.grid(grid_a.pk)) == 2
    assert figure("desk.days_to_first_response_p90", head, place=Place.grid(grid_a.pk)) == 4
    assert figure("desk.days_to_first_response_median", head, FEBRUARY) == 1  # w7


def test_it_gives_the_days_to_resolution(cases: Any, personas: Any, grid_a: Any) -> None:
    head = personas["head"]
    # Resolved in March: 2, 4, 6, 12 and w7's 20 (received in February).
    assert figure("desk.days_to_resolution_median", head) == 6
    assert figure("desk.days_to_resolution_p90", head) == 20
    assert figure("desk.days_to_resolution_median", head, place=Place.grid(grid_a.pk)) == 4
    assert figure("desk.days_to_resolution_median", head, FEBRUARY) is None  # none resolved
    assert figure("desk.days_to_resolution_p90", head, FEBRUARY) is None


def test_the_waits_are_for_readers_of_the_desk_statistics(cases: Any, personas: Any) -> None:
    median = get("desk.days_to_resolution_median")
    assert median.unit == metrics.Unit.DAYS
    assert median.readable_by(personas["head"])
    assert not median.readable_by(personas["gridworker"])
    assert not median.rows(personas["gridworker"], MARCH, Place.district()).exists()


def test_it_counts_the_cases_resolved_by_outcome(cases: Any, personas: Any,
                                                 grid_a: Any) -> None:
    head = personas["head"]
    table = breakdown("desk.outcomes").read(head, MARCH, Place.district())
    assert [key for key, _label in table.rows] == list(Outcome.values)  # every one, in order
    assert [key for key, _label in table.columns] == ["cases"]
    counts = dict(zip([key for key, _label in table.rows], table.counts, strict=True))
    assert counts == {**{key: [0] for key in Outcome.values}, "job": [2], "school_place": [1],
                      "housing": [1]}
    # w5 was resolved without an outcome: 4 of the 5 cases resolved.
    assert table.total() == 4 == figure("desk.cases_resolved", head) - 1
    grid = breakdown("desk.outcomes").read(head, MARCH, Place.grid(grid_a.pk))
    assert grid.total() == 3
    gridworker = breakdown("desk.outcomes").read(personas["gridworker"], MARCH, Place.district())
    assert gridworker.total() == 3  # grid A's only


def test_it_counts_the_requests_received_by_channel(cases: Any, personas: Any) -> None:
    head = personas["head"]
    table = breakdown("desk.channels").read(head, MARCH, Place.district())
    assert [key for key, _label in table.rows] == list(Channel.values)
    counts = dict(zip([key for key, _label in table.rows], table.counts, strict=True))
    assert counts["walk_in"] == [3] and counts["hotline"] == [2] and counts["portal"] == [1]
    assert table.total() == figure("desk.cases_opened", head) == 6
    assert not breakdown("desk.channels").people  # cases, not people


def test_the_trends_agree_with_the_months(cases: Any, personas: Any) -> None:
    head = personas["head"]
    spring = Period.custom(date(2026, 2, 1), TODAY, today=TODAY)
    for code, expected in (("desk.cases_opened", [1, 6]), ("desk.cases_resolved", [0, 5])):
        series = get(code).series(head, spring, Place.district())
        assert [figure for _part, figure in series] == expected, code


def test_the_database_finds_the_same_rank_as_nearest_rank(make_case: Any,
                                                           household: Any) -> None:
    """Over every prefix of 23 waits (none, ties, a negative one, fractions),
    for each percentile, the value the database finds equals `nearest_rank`
    of the same days read into Python."""
    waits = [3.5, 1.0, 1.0, -0.25, 7.75, 2.0, 30.0, 0.5, 2.0, 4.125, 9.0, 1.0, 12.5,
             0.0, 6.0, 6.0, 8.25, 2.5, 5.0, 11.0, 3.0, 0.75, 14.0]
    opened = at(3, 1)
    pks = []
    for wait in waits:
        made = make_case(person=household.head, owner=None)
        Case.objects.filter(pk=made.pk).update(
            opened_at=opened, acknowledged_at=opened + timedelta(days=wait),
            status=Status.IN_PROGRESS)
        pks.append(made.pk)
    for n in range(len(pks) + 1):
        days = Case.objects.filter(pk__in=pks[:n]).annotate(
            _days=DaysBetween("opened_at", "acknowledged_at"))
        for pct in (1, 10, 50, 89, 90, 99, 100):
            expected = nearest_rank([max(0.0, w) for w in waits[:n]], pct)
            assert rank_in_database(days, "_days", pct) == expected, (n, pct)
