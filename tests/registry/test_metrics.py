"""The registry's metrics (registry/metrics.py) against hand-counted households."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import time_machine

from jiayuan.core.metrics import Period, Place, get
from jiayuan.registry import services
from jiayuan.registry.models import Household
from tests.conftest import make_dwelling, station_moment

TODAY = date(2026, 3, 15)
MARCH = Period.month(2026, 3, today=TODAY)
JANUARY = Period.month(2026, 1, today=TODAY)


@pytest.fixture(autouse=True)
def clock() -> Any:
    with time_machine.travel(station_moment(TODAY), tick=False):
        yield


@pytest.fixture
def world(household: Any, household_b: Any, head: Any, grid_a: Any) -> dict[str, Any]:
    """Grid A: 郑's household (resident, 3 people) and one that moved out on
    10 February (registered, 1 person). Grid B: one floating household (1)."""
    gone = services.household_create(
        actor=head, dwelling=make_dwelling(grid_a, "9", "1", "101"), residency="registered",
        moved_in=date(2010, 1, 1),
        head={"name": "李四", "sex": "M", "birth_date": date(1970, 1, 1), "phone": "",
              "id_number": "", "origin_code": ""})
    Household.objects.filter(pk=gone.pk).update(moved_out=date(2026, 2, 10))
    return {"gone": gone}


def figure(code: str, actor: Any, period: Period = MARCH, place: Place | None = None) -> Any:
    return get(code).read(actor, period, place or Place.district())


def test_it_counts_households_and_people_by_residency(world: Any, personas: Any) -> None:
    head = personas["head"]
    assert figure("registry.households", head) == 2
    assert figure("registry.households.resident", head) == 1
    assert figure("registry.households.floating", head) == 1
    assert figure("registry.households.registered", head) == 0
    assert figure("registry.people", head) == 4
    assert figure("registry.people.resident", head) == 3
    assert figure("registry.people.floating", head) == 1


def test_it_counts_those_living_here_on_the_periods_last_day(world: Any, personas: Any) -> None:
    head = personas["head"]
    assert figure("registry.households", head, JANUARY) == 3  # moved out in February
    assert figure("registry.households.registered", head, JANUARY) == 1
    assert figure("registry.people.registered", head, JANUARY) == 1


def test_it_counts_only_the_readers_grids(world: Any, personas: Any, grid_a: Any,
                                          grid_b: Any, community: Any) -> None:
    assert figure("registry.households", personas["gridworker"]) == 1
    assert figure("registry.households.floating", personas["gridworker"]) == 0
    assert figure("registry.people", personas["outsider"]) == 1  # grid B's only
    assert figure("registry.people", personas["outsider"], place=Place.grid(grid_a.pk)) == 0
    head = personas["head"]
    assert figure("registry.people", head, place=Place.grid(grid_b.pk)) == 1
    assert figure("registry.people", head, place=Place.community(community.pk)) == 4


def test_every_figure_is_the_number_of_its_records(world: Any, personas: Any) -> None:
    for code in ("registry.households", "registry.households.resident", "registry.people",
                 "registry.people.floating"):
        metric = get(code)
        for actor in personas.values():
            for period in (MARCH, JANUARY):
                rows = metric.rows(actor, period, Place.district())
                assert metric.read(actor, period, Place.district()) == len(list(rows))


def test_it_links_to_the_household_list_when_that_list_shows_the_same(
        world: Any, grid_a: Any, community: Any) -> None:
    metric = get("registry.households.floating")
    assert metric.url(MARCH, Place.district()) == "/households/?residency=floating"
    assert metric.url(MARCH, Place.grid(grid_a.pk)) == (
        f"/households/?grid={grid_a.pk}&residency=floating")
    assert metric.url(MARCH, Place.community(community.pk)) is None  # no such filter
    assert metric.url(JANUARY, Place.district()) is None  # the list shows today
    assert get("registry.people").url(MARCH, Place.district()) is None


# --- breakdowns: people by residency category and (sensitive) by ethnic group -----------

def breakdown(code: str) -> Any:
    from jiayuan.core.metrics import all_breakdowns

    return next(b for b in all_breakdowns() if b.code == code)


@pytest.fixture
def declared(world: Any, household_b: Any) -> None:
    """郑容哲 declared Korean (10) and 马忠华 (grid B, floating) Hui (03);
    the others (郑's wife and grandson, 李四 who moved out) stated none."""
    from jiayuan.registry.models import Person

    Person.objects.filter(pk=household_b.head_id).update(ethnicity="03")


def test_it_counts_people_by_residency_category(world: Any, personas: Any, grid_a: Any) -> None:
    head = personas["head"]
    table = breakdown("registry.people_by_residency")
    # Not a sensitive category, and the report shows these as figures in full:
    # not through the suppression rule.
    assert not table.people and not table.sensitive
    cells = table.read(head, MARCH, Place.district())
    assert [key for key, _label in cells.rows] == ["registered", "resident", "floating"]
    assert cells.counts == [[0], [3], [1]]
    assert cells.total() == figure("registry.people", head)
    assert table.read(head, JANUARY, Place.district()).counts == [[1], [3], [1]]
    assert table.read(head, MARCH, Place.grid(grid_a.pk)).counts == [[0], [3], [0]]
    assert table.read(personas["outsider"], MARCH, Place.district()).counts == [[0], [0], [1]]


def test_it_counts_people_by_ethnic_group_for_readers_of_sensitive_data(
        declared: Any, personas: Any) -> None:
    head = personas["head"]
    table = breakdown("registry.people_by_ethnicity")
    assert table.people and table.sensitive
    cells = table.read(head, MARCH, Place.district())
    # The groups that occur, in the standard's order, then "not stated".
    assert [key for key, _label in cells.rows] == ["03", "10", "not_stated"]
    # One column: split by residency, its column totals would be the report's
    # "People: ..." figures, published in full, from which a hidden count could
    # be worked out.
    assert [key for key, _label in cells.columns] == ["people"]
    assert cells.counts == [[1], [1], [2]]
    assert cells.total() == figure("registry.people", head)
    january = table.read(head, JANUARY, Place.district())
    assert january.counts[-1] == [3]  # 李四 still lived here
    assert january.total() == figure("registry.people", head, JANUARY) == 5


def test_the_ethnic_groups_are_not_for_readers_without_sensitive_data(
        declared: Any, personas: Any) -> None:
    from jiayuan.core.metrics import MetricError, breakdowns_for

    table = breakdown("registry.people_by_ethnicity")
    for name in ("mediator", "coordinator", "admin"):
        reader = personas[name]
        assert get("registry.people").readable_by(reader)  # the registry: yes
        assert not table.readable_by(reader)  # the ethnic groups: no
        assert table not in breakdowns_for(reader)
        with pytest.raises(MetricError):
            table.read(reader, MARCH, Place.district())
    assert table in breakdowns_for(personas["head"])


def test_each_figure_is_the_number_of_its_records_read_alone_or_together(
        world: Any, personas: Any, grid_a: Any) -> None:
    """The figures count by one grouped query they share (`counted`, while
    read together) and list their records one by one: both agree, for each
    reader, period and place."""
    from jiayuan.core import metrics

    codes = [m.code for m in metrics.all_metrics() if m.code.startswith("registry.")]
    assert len(codes) == 8
    for reader in (personas["head"], personas["gridworker"], personas["outsider"]):
        for period in (JANUARY, MARCH):
            for place in (Place.district(), Place.grid(grid_a.pk)):
                with metrics.reading():
                    together = {code: figure(code, reader, period, place) for code in codes}
                for code in codes:
                    rows = get(code).rows(reader, period, place).count()
                    assert figure(code, reader, period, place) == together[code] == rows, code
