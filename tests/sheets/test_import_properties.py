"""Property tests of the importer on generated rosters, and two imports at once.

Whatever the rows hold, a check never fails with anything but a message, every
row that is not imported says why, and a commit writes exactly the rows the
check called new (and nothing at all if it fails).
"""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiayuan.lib.idcard import make_id_number
from jiayuan.places.models import Building
from jiayuan.registry.models import Household, Person
from jiayuan.sheets import importing
from tests.sheets.test_importer import csv_bytes

IDS = [make_id_number("650102", date(1960 + i, 1 + i % 12, 1 + i % 28), i) for i in range(12)]
CELLS = {
    0: st.sampled_from(["王建国", "李  梅", "买买提 · 艾力", "", "张3", "Ｊｏｈｎ", "欧阳娜娜"]),
    1: st.sampled_from(["男", "女", "", "M", "x"]),
    2: st.sampled_from(["1980-01-01", "1980/1/1", "1980年1月1日", "", "2099-01-01", "1980-02-30",
                        "29221"]),
    3: st.sampled_from([*IDS, "", IDS[0][:17] + "0", IDS[1].lower(), "3.20102E+17", IDS[2][:15]]),
    4: st.sampled_from(["13800001111", "", "12345", "138 0000 2222", "０９９１-１２３４５６７"]),
    5: st.sampled_from(["3", "3栋", "9", ""]),
    6: st.sampled_from(["1", "2", ""]),
    7: st.sampled_from(["101", "102", "201", "", "3-1-101"]),
    8: st.sampled_from(["户主", "妻", "子", "", "租户", "狗"]),
    9: st.sampled_from(["常住", "流动", "户籍", "", "外星"]),
}
ROWS = st.lists(st.tuples(*(CELLS[i] for i in range(10))).map(list), min_size=1, max_size=12)


@pytest.fixture
def building3(grid_a: Any) -> Building:
    return Building.objects.get_or_create(grid=grid_a, number="3")[0]


@pytest.mark.django_db
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=ROWS)
def test_any_roster_gets_reasons_and_a_commit_writes_exactly_the_new_rows(
        rows: list[list[str]], personas: dict, grid_a: Any, building3: Building) -> None:
    head = personas["head"]
    before = Person.objects.count()
    batch = importing.start(actor=head, grid=grid_a, data=csv_bytes(rows), filename="r.csv")
    report = importing.check(actor=head, batch=batch)
    assert sum(report.counts[o] for o in importing.OUTCOMES) == len(report.rows)
    for row in report.rows:
        if row.outcome == importing.REJECTED:
            assert row.problems and all(p.reason and p.column for p in row.problems)
        if row.outcome == importing.DUPLICATE:
            assert row.note
    committed = importing.commit(actor=head, batch=batch)
    assert committed.counts == report.counts
    assert Person.objects.count() == before + report.counts["new"]
    for household in Household.objects.filter(import_batch_id=batch.pk):
        assert household.head is not None and household.head.household_id == household.pk


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'",
                    reason="SQLite serialises writers itself; the race needs PostgreSQL")
def test_two_imports_at_once_create_no_person_twice(personas: dict, grid_a: Any,
                                                    building3: Building) -> None:
    """Overlapping rosters committed at the same time: each ID is registered once
    (the audit lock serialises commits; the unique hash would stop a duplicate)."""
    head = personas["head"]
    # An odd sequence number in the ID is a man's.
    shared = [["王建国", "男", "", IDS[1], "", "3", "1", "101", "户主", "常住"],
              ["李梅", "女", "", IDS[0], "", "3", "1", "101", "妻", ""]]
    first = shared + [["赵磊", "男", "", IDS[5], "", "3", "2", "201", "户主", "流动"]]
    second = shared + [["孙丽", "女", "", IDS[4], "", "3", "2", "102", "户主", "流动"]]
    batches = [importing.start(actor=head, grid=grid_a, data=csv_bytes(rows), filename=f"{i}.csv")
               for i, rows in enumerate((first, second))]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    refused: list[BaseException] = []

    def run(batch: Any) -> None:
        try:
            barrier.wait()
            importing.commit(actor=head, batch=batch)
        except importing.ImportFailed as exc:
            refused.append(exc)  # refused as a whole: acceptable, nothing half-written
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(b,)) for b in batches]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert len(refused) < 2, [(e, e.__cause__) for e in refused]
    for number_hash in Person.objects.values_list("id_number_hash", flat=True):
        assert Person.objects.filter(id_number_hash=number_hash).count() == 1
    assert Person.objects.filter(name="王建国").count() == 1
    assert Person.objects.count() == 4 - len(refused)
    assert Household.objects.filter(dwelling__code="3-1-101").count() == 1
