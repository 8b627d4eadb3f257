"""The desk's metrics (desk/metrics.py) against hand-counted cases, and the
same numbers as the desk statistics page (desk/stats.py)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from jiayuan.core.metrics import Period, Place, get
from jiayuan.desk import stats
from jiayuan.desk.choices import Status
from jiayuan.desk.models import Case, FollowUp
from tests.conftest import station_moment

TODAY = date(2026, 3, 15)
MARCH = Period.month(2026, 3, today=TODAY)


def at(month: int, day: int, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(date(2026, month, day), time(hour)))


@pytest.fixture(autouse=True)
def clock() -> Any:
    with time_machine.travel(station_moment(TODAY), tick=False):
        yield


@pytest.fixture
def cases(make_case: Any, household: Any, household_b: Any, personas: Any) -> dict[str, Case]:
    """Grid A: c1 opened 2 March, answered in time, resolved on time on the
    5th; c2 opened the 3rd, answered late, open and overdue; c3 opened the
    14th, open, due the 20th, not yet answered (target the 16th). Grid B: c4
    opened in February, resolved late on 1 March."""
    made = {name: make_case(person=(household_b if name == "c4" else household).head,
                            owner=None) for name in ("c1", "c2", "c3", "c4")}
    rows: dict[str, dict[str, Any]] = {
        "c1": {"opened_at": at(3, 2), "acknowledged_at": at(3, 2, 11), "response_due": at(3, 3),
               "resolved_at": at(3, 5), "due": at(3, 10), "status": Status.RESOLVED},
        "c2": {"opened_at": at(3, 3), "acknowledged_at": at(3, 6), "response_due": at(3, 4),
               "due": at(3, 12), "status": Status.IN_PROGRESS},
        "c3": {"opened_at": at(3, 14), "acknowledged_at": None, "response_due": at(3, 16),
               "due": at(3, 20), "status": Status.NEW},
        "c4": {"opened_at": at(2, 20), "acknowledged_at": at(2, 20, 11), "response_due": at(2, 21),
               "resolved_at": at(3, 1), "due": at(2, 25), "status": Status.RESOLVED},
    }
    for name, fields in rows.items():
        Case.objects.filter(pk=made[name].pk).update(**fields)
    caseworker = personas["caseworker"]
    FollowUp.objects.create(case=made["c1"], at=at(3, 8), by=caseworker, reached=True,
                            satisfaction=5)
    FollowUp.objects.create(case=made["c4"], at=at(3, 9), by=caseworker, reached=True,
                            satisfaction=3)
    FollowUp.objects.create(case=made["c4"], at=at(3, 7), by=caseworker, reached=False)
    return made


def figure(code: str, actor: Any, place: Place | None = None) -> Any:
    return get(code).read(actor, MARCH, place or Place.district())


def test_it_counts_cases_by_hand(cases: Any, personas: Any) -> None:
    head = personas["head"]
    assert figure("desk.cases_opened", head) == 3
    assert figure("desk.cases_resolved", head) == 2
    assert figure("desk.cases_open", head) == 2
    assert figure("desk.cases_overdue", head) == 1
    assert figure("desk.cases_due", head) == 1
    assert figure("desk.first_response_on_time", head) == 50  # c1 of c1, c2
    assert figure("desk.resolution_on_time", head) == 50  # c1 of c1, c4
    assert figure("desk.follow_up_satisfied", head) == 50  # 5 of (5, 3); unrated left out


def test_it_shows_the_numbers_of_the_statistics_page(cases: Any, personas: Any) -> None:
    head, now = personas["head"], timezone.now()
    page = stats.case_figures(head, MARCH.since, MARCH.until, now)
    assert figure("desk.cases_opened", head) == page["received"]
    assert figure("desk.cases_resolved", head) == page["resolved"]
    assert figure("desk.cases_open", head) == page["open"]
    assert figure("desk.cases_overdue", head) == page["overdue"]
    assert figure("desk.first_response_on_time", head) == 100 * page["response_rate"].value
    assert figure("desk.resolution_on_time", head) == 100 * page["resolution_rate"].value
    calls = stats.follow_up_figures(head, MARCH.since, MARCH.until)
    assert figure("desk.follow_up_satisfied", head) == 100 * calls["satisfied_rate"].value


def test_it_counts_only_the_readers_grids(cases: Any, personas: Any, grid_a: Any) -> None:
    assert figure("desk.cases_opened", personas["gridworker"]) == 3
    assert figure("desk.cases_resolved", personas["gridworker"]) == 1
    assert figure("desk.cases_opened", personas["outsider"]) == 0
    assert figure("desk.cases_resolved", personas["outsider"]) == 1  # c4, grid B's
    assert figure("desk.cases_open", personas["outsider"], Place.grid(grid_a.pk)) == 0
    assert figure("desk.cases_open", personas["head"], Place.grid(grid_a.pk)) == 2


def test_every_count_is_the_number_of_its_records(cases: Any, personas: Any) -> None:
    for code in ("desk.cases_opened", "desk.cases_resolved", "desk.cases_open",
                 "desk.cases_due", "desk.cases_overdue"):
        metric = get(code)
        assert metric.counts_records
        for actor in personas.values():
            assert metric.read(actor, MARCH, Place.district()) == len(
                list(metric.rows(actor, MARCH, Place.district())))


def test_it_links_open_and_overdue_to_their_queues(cases: Any, grid_a: Any) -> None:
    assert get("desk.cases_overdue").url(MARCH, Place.district()) == "/desk/queue/overdue/"
    assert get("desk.cases_open").url(MARCH, Place.grid(grid_a.pk)) is None
    assert get("desk.cases_due").url(MARCH, Place.district()) is None
    today = Period.custom(TODAY, TODAY, today=TODAY)
    assert get("desk.cases_due").url(today, Place.district()) == "/desk/queue/due_today/"
    assert get("desk.first_response_on_time").url(MARCH, Place.district()) is None


def test_the_overdue_queue_holds_as_many_cases_as_the_figure(cases: Any, personas: Any,
                                                             client: Any) -> None:
    head = personas["head"]
    client.force_login(head)
    response = client.get(get("desk.cases_overdue").url(MARCH, Place.district()))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == figure("desk.cases_overdue", head)
