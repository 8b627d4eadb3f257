"""Visits made, pairings without a recent check-in, and care's breakdowns
(visits by purpose, disputes by outcome), against hand-counted records."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from jiayuan.care.choices import DisputeOutcome, DisputeStatus, PairingStatus, VisitPurpose
from jiayuan.care.models import Dispute, Pairing, Visit
from jiayuan.core import metrics
from jiayuan.core.metrics import Period, Place, get
from tests.conftest import station_moment

TODAY = date(2026, 3, 15)
MARCH = Period.month(2026, 3, today=TODAY)


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(date(2026, month, day), time(hour, minute)))


@pytest.fixture(autouse=True)
def clock() -> Any:
    with time_machine.travel(station_moment(TODAY), tick=False):
        yield


def breakdown(code: str) -> metrics.Breakdown:
    return next(b for b in metrics.all_breakdowns() if b.code == code)


def by_key(cells: metrics.Cells) -> dict[str, list[int]]:
    return dict(zip([key for key, _label in cells.rows], cells.counts, strict=True))


@pytest.fixture
def visits(household: Any, household_b: Any, head: Any) -> None:
    """Grid A: routine on 2 March, duty on the 5th, festival (by phone) on the
    10th, routine at 23:50 on 28 February. Grid B: routine at 00:10 on 1
    March, follow-up on the 3rd, routine at 23:30 on the 14th."""
    for h, when, purpose, mode in (
            (household, at(3, 2), "routine", "home"), (household, at(3, 5), "duty", "home"),
            (household, at(3, 10), "festival", "phone"),
            (household, at(2, 28, 23, 50), "routine", "home"),
            (household_b, at(3, 1, 0, 10), "routine", "home"),
            (household_b, at(3, 3), "follow_up", "home"),
            (household_b, at(3, 14, 23, 30), "routine", "office")):
        visit = Visit.objects.create(community_id=h.grid.community_id, grid_id=h.grid_id,
                                     visited_at=when, mode=mode, purpose=purpose,
                                     created_by=head)
        visit.households.add(h)


def test_it_counts_the_visits_made(visits: Any, personas: Any, grid_a: Any) -> None:
    head = personas["head"]
    assert get("care.visits").read(head, MARCH, Place.district()) == 6
    assert get("care.visits").read(head, MARCH, Place.grid(grid_a.pk)) == 3
    assert get("care.visits").read(personas["gridworker"], MARCH, Place.district()) == 3
    assert get("care.visits").read(personas["outsider"], MARCH, Place.district()) == 3
    assert get("care.visits").read(personas["admin"], MARCH, Place.district()) == 0
    february = Period.month(2026, 2, today=TODAY)
    assert get("care.visits").read(head, february, Place.district()) == 1  # 23:50 station time
    spring = Period.custom(date(2026, 2, 1), TODAY, today=TODAY)
    assert [f for _part, f in get("care.visits").series(head, spring, Place.district())] == [1, 6]


def test_it_counts_the_visits_by_purpose(visits: Any, personas: Any, grid_b: Any) -> None:
    head = personas["head"]
    table = breakdown("care.visits_by_reason").read(head, MARCH, Place.district())
    assert [key for key, _label in table.rows] == list(VisitPurpose.values)
    assert by_key(table) == {"routine": [3], "duty": [1], "follow_up": [1], "festival": [1],
                             "merchant": [0]}
    assert table.total() == get("care.visits").read(head, MARCH, Place.district())
    grid = breakdown("care.visits_by_reason").read(head, MARCH, Place.grid(grid_b.pk))
    assert by_key(grid)["routine"] == [2] and grid.total() == 3


@pytest.fixture
def pairings(household: Any, household_b: Any, head: Any, community: Any) -> dict[str, Pairing]:
    """Today is 15 March: a pairing is quiet with no contact since before 13
    February. q1 contacted on 10 February (quiet), q2 never contacted, begun
    1 January (quiet); a1 contacted 1 March, a2 begun 10 March, a3 contacted
    on 13 February exactly (30 days: not yet); p1 paused since January."""
    made = {}
    for name, h, started, last, status in (
            ("q1", household, date(2025, 6, 1), date(2026, 2, 10), PairingStatus.ACTIVE),
            ("q2", household_b, date(2026, 1, 1), None, PairingStatus.ACTIVE),
            ("a1", household, date(2025, 6, 1), date(2026, 3, 1), PairingStatus.ACTIVE),
            ("a2", household_b, date(2026, 3, 10), None, PairingStatus.ACTIVE),
            ("a3", household, date(2025, 6, 1), date(2026, 2, 13), PairingStatus.ACTIVE),
            ("p1", household_b, date(2026, 1, 1), None, PairingStatus.PAUSED)):
        made[name] = Pairing.objects.create(
            community=community, grid_id=h.grid_id, household=h, helper_kind="staff",
            helper_user=head, goals="每周联系", started=started, last_contact=last,
            status=status, created_by=head)
    return made


def test_it_counts_the_pairings_without_a_recent_check_in(pairings: Any, personas: Any,
                                                          grid_a: Any) -> None:
    head = personas["head"]
    quiet = get("care.pairings_quiet")
    assert quiet.snapshot and not quiet.trended
    assert {p.pk for p in quiet.rows(head, MARCH, Place.district())} == {
        pairings["q1"].pk, pairings["q2"].pk}
    assert quiet.read(head, MARCH, Place.grid(grid_a.pk)) == 1
    assert quiet.read(personas["gridworker"], MARCH, Place.district()) == 1
    assert get("care.pairings_active").read(head, MARCH, Place.district()) == 5


def test_the_quiet_tab_of_the_pairing_list_holds_as_many(pairings: Any, personas: Any,
                                                         client: Any) -> None:
    head = personas["head"]
    quiet = get("care.pairings_quiet")
    url = quiet.url(MARCH, Place.district())
    assert url == "/care/pairings/?tab=quiet"
    client.force_login(head)
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["counts"]["quiet"] == quiet.read(head, MARCH, Place.district()) == 2
    assert len(response.context["page"].object_list) == 2


def test_it_counts_the_disputes_closed_by_outcome(household: Any, head: Any, grid_a: Any,
                                                  grid_b: Any, community: Any,
                                                  personas: Any) -> None:
    """Closed in March: resolved (A and B), partly (A), withdrawn (B); one
    resolved in February and one still open are not counted."""
    common = {"community": community, "kind": "neighbours", "source": "walk_in",
              "summary": "楼上漏水", "created_by": head}
    for n, (grid, closed, outcome) in enumerate((
            (grid_a, date(2026, 3, 2), DisputeOutcome.RESOLVED),
            (grid_b, date(2026, 3, 9), DisputeOutcome.RESOLVED),
            (grid_a, date(2026, 3, 4), DisputeOutcome.PARTLY),
            (grid_b, date(2026, 3, 12), DisputeOutcome.WITHDRAWN),
            (grid_a, date(2026, 2, 20), DisputeOutcome.RESOLVED))):
        Dispute.objects.create(ref=f"T-{n}", grid=grid, status=DisputeStatus.CLOSED,
                               closed_on=closed, outcome=outcome, **common)
    Dispute.objects.create(ref="T-open", grid=grid_a, status=DisputeStatus.OPEN, **common)
    table = breakdown("care.disputes_by_outcome").read(head, MARCH, Place.district())
    assert [key for key, _label in table.rows] == list(DisputeOutcome.values)
    assert by_key(table) == {"resolved": [2], "partly": [1], "referred": [0], "withdrawn": [1]}
    assert by_key(table)["resolved"] == [get("care.disputes_resolved").read(
        head, MARCH, Place.district())]
    gridworker = breakdown("care.disputes_by_outcome").read(personas["gridworker"], MARCH,
                                                            Place.district())
    assert gridworker.total() == 2
    spring = Period.custom(date(2026, 2, 1), TODAY, today=TODAY)
    series = get("care.disputes_resolved").series(head, spring, Place.district())
    assert [f for _part, f in series] == [1, 2]
