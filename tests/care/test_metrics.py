"""Visits and care's metrics (care/metrics.py) against hand-counted duties,
disputes and pairings, and the numbers of the care statistics page."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import time_machine

from jiayuan.care.choices import DisputeOutcome, DisputeStatus, DutyStatus, PairingStatus
from jiayuan.care.duties.selectors import duty_counts
from jiayuan.care.models import Dispute, Duty, Pairing
from jiayuan.core.metrics import Period, Place, get
from tests.conftest import station_moment

TODAY = date(2026, 3, 15)
MARCH = Period.month(2026, 3, today=TODAY)


@pytest.fixture(autouse=True)
def clock() -> Any:
    with time_machine.travel(station_moment(TODAY), tick=False):
        yield


def duty(household: Any, key: str, due: date, status: str = DutyStatus.OPEN,
         closed_on: date | None = None) -> Duty:
    return Duty.objects.create(household=household, grid_id=household.grid_id, rule="illness",
                               key=key, raised_on=date(2026, 1, 1), due=due, status=status,
                               closed_on=closed_on)


@pytest.fixture
def world(household: Any, household_b: Any, head: Any, grid_a: Any, grid_b: Any,
          community: Any) -> None:
    """Duties due in March: grid A visited on time (1), visited late (2),
    missed and overdue (3), lapsed before its due date (6); grid B not yet
    due (4). Grid B's February duty (5) is overdue too."""
    duty(household, "d1", date(2026, 3, 5), DutyStatus.DONE, date(2026, 3, 4))
    duty(household, "d2", date(2026, 3, 6), DutyStatus.DONE, date(2026, 3, 8))
    duty(household, "d3", date(2026, 3, 10))
    duty(household_b, "d4", date(2026, 3, 20))
    duty(household_b, "d5", date(2026, 2, 10))
    duty(household, "d6", date(2026, 3, 12), DutyStatus.LAPSED, date(2026, 3, 1))
    common = {"community": community, "kind": "neighbours", "source": "walk_in",
              "summary": "楼上漏水", "created_by": head}
    Dispute.objects.create(ref="T-1", grid=grid_a, status=DisputeStatus.OPEN, **common)
    Dispute.objects.create(ref="T-2", grid=grid_a, status=DisputeStatus.CLOSED,
                           closed_on=date(2026, 3, 5), outcome=DisputeOutcome.RESOLVED, **common)
    Dispute.objects.create(ref="T-3", grid=grid_b, status=DisputeStatus.CLOSED,
                           closed_on=date(2026, 3, 6), outcome=DisputeOutcome.PARTLY, **common)
    Dispute.objects.create(ref="T-4", grid=grid_b, status=DisputeStatus.MEDIATING,
                           escalated_on=date(2026, 3, 7), **common)
    Dispute.objects.create(ref="T-5", grid=None, status=DisputeStatus.CLOSED,
                           closed_on=date(2026, 2, 5), outcome=DisputeOutcome.RESOLVED, **common)
    for h, status in ((household, PairingStatus.ACTIVE), (household_b, PairingStatus.PAUSED)):
        Pairing.objects.create(community=community, grid_id=h.grid_id, household=h,
                               helper_kind="staff", helper_user=head, goals="每周联系",
                               status=status, created_by=head)


def figure(code: str, actor: Any, place: Place | None = None) -> Any:
    return get(code).read(actor, MARCH, place or Place.district())


def test_it_counts_duties_disputes_and_pairings_by_hand(world: Any, personas: Any) -> None:
    head = personas["head"]
    assert figure("care.duties_due", head) == 5
    assert figure("care.duties_on_time", head) == 1
    assert figure("care.duties_overdue", head) == 2
    assert figure("care.duties_on_time_rate", head) == pytest.approx(100 / 3)
    assert figure("care.disputes_open", head) == 2
    assert figure("care.disputes_resolved", head) == 1
    assert figure("care.disputes_escalated", head) == 1
    assert figure("care.pairings_active", head) == 1


def test_it_shows_the_numbers_of_the_statistics_page(world: Any, personas: Any) -> None:
    head = personas["head"]
    rows = duty_counts(head, MARCH.start, MARCH.after_end, by="grid", today=TODAY)
    assert figure("care.duties_due", head) == sum(r.due for r in rows)
    assert figure("care.duties_on_time", head) == sum(r.on_time for r in rows)
    assert figure("care.duties_overdue", head) == sum(r.overdue_now for r in rows)
    judged = sum(r.on_time + r.late + r.missed for r in rows)
    assert figure("care.duties_on_time_rate", head) == pytest.approx(
        100 * sum(r.on_time for r in rows) / judged)


def test_it_counts_only_the_readers_grids(world: Any, personas: Any, grid_a: Any,
                                          grid_b: Any) -> None:
    gridworker, outsider = personas["gridworker"], personas["outsider"]
    assert figure("care.duties_due", gridworker) == 4
    assert figure("care.duties_overdue", gridworker) == 1
    assert figure("care.disputes_open", gridworker) == 1
    assert figure("care.duties_due", outsider) == 1
    assert figure("care.disputes_open", outsider) == 1
    assert figure("care.pairings_active", outsider) == 0
    assert figure("care.duties_due", outsider, Place.grid(grid_a.pk)) == 0
    assert figure("care.duties_due", personas["head"], Place.grid(grid_b.pk)) == 1


def test_every_count_is_the_number_of_its_records(world: Any, personas: Any) -> None:
    for code in ("care.duties_due", "care.duties_on_time", "care.duties_overdue",
                 "care.disputes_open", "care.disputes_resolved", "care.disputes_escalated",
                 "care.pairings_active"):
        metric = get(code)
        for actor in personas.values():
            assert metric.read(actor, MARCH, Place.district()) == len(
                list(metric.rows(actor, MARCH, Place.district())))


def test_the_overdue_duty_list_holds_as_many_as_the_figure(world: Any, personas: Any,
                                                           grid_a: Any, client: Any) -> None:
    head = personas["head"]
    client.force_login(head)
    for place in (Place.district(), Place.grid(grid_a.pk)):
        url = get("care.duties_overdue").url(MARCH, place)
        response = client.get(url)
        assert response.status_code == 200
        assert len(response.context["page"].object_list) == figure(
            "care.duties_overdue", head, place)
