"""A re-import compares each matched row with the registered person's columns
(plan.Match: compared when matched, not kept): what differs is an update,
what does not is left alone, and the registered head stays the head."""

from __future__ import annotations

from typing import Any

import pytest

from jiayuan.registry.models import Person
from jiayuan.sheets import importing
from tests.sheets.test_importer import FAMILIES, building3, run  # noqa: F401 (a fixture)


def _outcomes(report: importing.Report) -> dict[str, str]:
    return {r.name: r.outcome for r in report.rows}


@pytest.mark.django_db
def test_it_updates_only_the_rows_whose_values_changed(personas: dict, grid_a: Any,
                                                       building3: Any) -> None:  # noqa: F811
    head = personas["head"]
    run(head, grid_a, FAMILIES)
    changed = [r[:] for r in FAMILIES]
    changed[1][0] = "李梅梅"  # matched by her ID number: a new name
    changed[2][8] = "孙子"  # matched by name and birth date (no ID): a new relation
    report = run(head, grid_a, changed)
    assert _outcomes(report) == {"王建国": "unchanged", "李梅梅": "updated",
                                 "王小宝": "updated", "赵磊": "unchanged"}
    changes = {r.name: r.values["changed"] for r in report.rows if r.outcome == "updated"}
    assert changes == {"李梅梅": ["name"], "王小宝": ["relation"]}
    li = Person.objects.get(name="李梅梅")
    assert li.pinyin == "Li Meimei"
    assert Person.objects.get(name="王小宝").relation == "grandchild"
    # The same file again: everything as registered now.
    assert set(_outcomes(run(head, grid_a, changed)).values()) == {"unchanged"}


@pytest.mark.django_db
def test_the_registered_heads_row_is_not_compared_on_its_relation(
        personas: dict, grid_a: Any, building3: Any) -> None:  # noqa: F811
    head = personas["head"]
    run(head, grid_a, FAMILIES)
    changed = [r[:] for r in FAMILIES]
    changed[0][8] = "夫"  # the head's row calls him the husband
    changed[0][4] = "13800009999"
    report = run(head, grid_a, changed)
    wang = next(r for r in report.rows if r.name == "王建国")
    assert (wang.outcome, wang.values["changed"]) == ("updated", ["phone"])
    assert Person.objects.get(name="王建国").relation == "head"
