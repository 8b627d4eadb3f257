"""Participation's metrics (engage/metrics.py) against hand-counted hours,
activities, check-ins and printed cards."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from jiayuan.core.metrics import Period, Place, get
from jiayuan.engage.activities.models import Activity, ActivitySession, SignUp
from jiayuan.engage.cards import services as cards
from jiayuan.engage.cards.selectors import cards_issued
from jiayuan.engage.choices import HoursSource
from jiayuan.engage.volunteers import services as volunteers
from jiayuan.engage.volunteers.ledger import hours_credit, hours_reverse
from tests.conftest import station_moment

TODAY = date(2026, 3, 15)
MARCH = Period.month(2026, 3, today=TODAY)


def at(month: int, day: int, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime.combine(date(2026, month, day), time(hour)))


@pytest.fixture(autouse=True)
def clock() -> Any:
    with time_machine.travel(station_moment(TODAY), tick=False):
        yield


def activity(ref: str, grid: Any, organiser: Any, *starts: datetime,
             cancelled: bool = False) -> list[ActivitySession]:
    found = Activity.objects.create(ref=ref, community_id=grid.community_id, grid=grid,
                                    kind="festival", title="活动", organiser=organiser)
    return [ActivitySession.objects.create(activity=found, starts_at=s,
                                           ends_at=s + timedelta(hours=2), place="广场",
                                           cancelled=cancelled) for s in starts]


def attend(session: ActivitySession, name: str, came: bool = True) -> None:
    SignUp.objects.create(session=session, name=name, grid=session.activity.grid,
                          source="staff", status="confirmed",
                          attended_at=session.starts_at if came else None)


@pytest.fixture
def world(household: Any, household_b: Any, head: Any, grid_a: Any, grid_b: Any) -> None:
    """Hours: grid A's volunteer 2 + 1.5 in March (0.5 entered and reversed), 3 in February;
    grid B's 4 in March. Activities: grid A's held twice in March (3 and 2
    check-ins, one sign-up absent), grid B's held once (1), grid B's
    cancelled one and grid A's still to come (20 March) not held. Cards:
    10 + 5 printed in March, 7 in February."""
    va = volunteers.volunteer_register(actor=head, person=household.head)
    vb = volunteers.volunteer_register(actor=head, person=household_b.head)
    for v, on, hours in ((va, date(2026, 3, 2), "2"), (va, date(2026, 3, 9), "1.5"),
                         (va, date(2026, 2, 20), "3"), (vb, date(2026, 3, 3), "4")):
        hours_credit(actor=head, volunteer=v, on=on, hours=Decimal(hours),
                     source=HoursSource.STAFF, note="巡楼")
    wrong = hours_credit(actor=head, volunteer=va, on=date(2026, 3, 10), hours=Decimal("0.5"),
                         source=HoursSource.STAFF, note="记错")
    hours_reverse(actor=head, entry=wrong, reason="记错了")
    a1, a2 = activity("A-1", grid_a, head, at(3, 1), at(3, 8))
    (b1,) = activity("B-1", grid_b, head, at(3, 5))
    activity("B-2", grid_b, head, at(3, 6), cancelled=True)
    (later,) = activity("A-2", grid_a, head, at(3, 20))
    for n in range(3):
        attend(a1, f"甲{n}")
    attend(a2, "乙1")
    attend(a2, "乙2")
    attend(a2, "乙3", came=False)
    attend(b1, "丙")
    attend(later, "丁", came=False)
    link = cards.card_link_create(actor=head, user=None, role="服务站",
                                  office_hours="周一至周五", hotline="0512-5555 0123",
                                  community=household.grid.community)
    cards.card_batch_create(actor=head, lines=[(link, 10)], now=at(3, 2))
    cards.card_batch_create(actor=head, lines=[(link, 5)], now=at(3, 9))
    cards.card_batch_create(actor=head, lines=[(link, 7)], now=at(2, 9))


def figure(code: str, actor: Any, place: Place | None = None, period: Period = MARCH) -> Any:
    return get(code).read(actor, period, place or Place.district())


def test_it_counts_hours_activities_attendance_and_cards_by_hand(world: Any,
                                                                 personas: Any) -> None:
    head = personas["head"]
    assert figure("engage.volunteer_hours", head) == Decimal("7.5")  # 2 + 1.5 + 4, 0.5 reversed
    assert figure("engage.activities_held", head) == 2
    assert figure("engage.attendance", head) == 6
    assert figure("engage.cards_issued", head) == 15


def test_cards_issued_agree_with_the_cards_page_over_a_year(world: Any, personas: Any) -> None:
    head = personas["head"]
    year = Period.year(2026, today=TODAY)
    assert figure("engage.cards_issued", head, period=year) == cards_issued(head, 2026).total
    assert cards_issued(head, 2026).total == 22


def test_it_counts_only_the_readers_grids(world: Any, personas: Any, grid_a: Any) -> None:
    gridworker, outsider = personas["gridworker"], personas["outsider"]
    assert figure("engage.activities_held", gridworker) == 1
    assert figure("engage.attendance", gridworker) == 5
    assert figure("engage.activities_held", outsider) == 1
    assert figure("engage.attendance", outsider) == 1
    assert figure("engage.volunteer_hours", outsider) == Decimal("4")
    assert figure("engage.attendance", personas["head"], Place.grid(grid_a.pk)) == 5


def test_every_count_is_the_number_of_its_records(world: Any, personas: Any) -> None:
    for code in ("engage.activities_held", "engage.attendance"):
        metric = get(code)
        for actor in personas.values():
            assert metric.read(actor, MARCH, Place.district()) == len(
                list(metric.rows(actor, MARCH, Place.district())))
    hours = get("engage.volunteer_hours")
    rows = hours.rows(personas["head"], MARCH, Place.district())
    assert hours.read(personas["head"], MARCH, Place.district()) == sum(r.hours for r in rows)


def test_it_counts_the_volunteers_who_served(world: Any, personas: Any, household: Any,
                                             head: Any) -> None:
    """March: grid A's volunteer (2 + 1.5) and grid B's (4); February: grid
    A's (3). A third volunteer whose only March hours were reversed served none."""
    from jiayuan.registry.models import Person

    other = Person.objects.filter(household=household).exclude(pk=household.head_id).first()
    vc = volunteers.volunteer_register(actor=head, person=other)
    wrong = hours_credit(actor=head, volunteer=vc, on=date(2026, 3, 4), hours=Decimal("1"),
                         source=HoursSource.STAFF, note="记错")
    hours_reverse(actor=head, entry=wrong, reason="记错了")
    assert figure("engage.volunteers_active", head) == 2
    assert figure("engage.volunteers_active", personas["gridworker"]) == 1
    assert figure("engage.volunteers_active", personas["outsider"]) == 1
    assert figure("engage.volunteers_active", head, period=Period.month(2026, 2, today=TODAY)) == 1
    spring = Period.custom(date(2026, 2, 1), TODAY, today=TODAY)
    metric = get("engage.volunteers_active")
    assert [f for _part, f in metric.series(head, spring, Place.district())] == [1, 2]
    assert len(list(metric.rows(head, MARCH, Place.district()))) == 2


def test_the_trends_month_by_month(world: Any, personas: Any) -> None:
    head = personas["head"]
    spring = Period.custom(date(2026, 2, 1), TODAY, today=TODAY)
    for code, expected in (("engage.volunteer_hours", [Decimal("3"), Decimal("7.5")]),
                           ("engage.activities_held", [0, 2]),
                           ("engage.attendance", [0, 6]),
                           ("engage.cards_issued", [7, 15])):
        series = get(code).series(head, spring, Place.district())
        assert [f for _part, f in series] == expected, code
