"""What a large import lets go of, and what it does not build at its peak of memory
(docs/scale.md, "0.18.0")."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiayuan.registry.models import Household
from jiayuan.registry.services import common
from jiayuan.sheets.importing import plan as plan_mod
from jiayuan.sheets.importing.outcomes import NEW, REJECTED, RowResult
from tests.sheets.test_importer import FAMILIES, building3, run  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def test_many_households_are_locked_a_few_at_a_time_in_the_order_of_their_keys(
        personas: dict, grid_a: Any, building3: Any,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    run(personas["head"], grid_a, FAMILIES)
    keys = sorted(Household.objects.values_list("pk", flat=True))
    assert len(keys) >= 2
    monkeypatch.setattr(common, "LOCK_CHUNK", 1)
    with CaptureQueriesContext(connection) as queries:
        common.lock_households(*reversed(keys), None)
    locking = [q["sql"] for q in queries.captured_queries if "registry_household" in q["sql"]]
    # One statement a chunk, the chunks in the keys' order (a re-import of 35,000
    # households built one statement of 35,000 keys at its peak of memory).
    assert len(locking) == len(keys)
    assert [int(sql.rsplit("IN (", 1)[1].split(")")[0]) for sql in locking] == keys


def test_the_rows_written_let_go_of_their_cells_to_one_shared_empty_list() -> None:
    rows = [RowResult(number=i, cells=["张三", str(i)]) for i in range(3)]
    rows[1].outcome = REJECTED
    planner = plan_mod._Planner.__new__(plan_mod._Planner)
    planner.rows, planner.sheets = rows, []
    planner.release_cells()
    assert rows[0].outcome == NEW and rows[0].cells == [] and rows[0].cells is rows[2].cells
    assert rows[1].cells == ["张三", "1"]  # the rows to fix keep theirs
