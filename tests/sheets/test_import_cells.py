"""The plan lets go of each row's cells once read (`_RowReader.reread`) and reads
back those of the rows it leaves out, whichever step left them out: the rows to
fix still show every problem row's own cells."""

from __future__ import annotations

from typing import Any

import pytest

from jiayuan.sheets import importing
from jiayuan.sheets.importing.upload import sheets_of
from tests.sheets.test_importer import FAMILIES, WANG, building3, start  # noqa: F401 (a fixture)

ROWS = [
    *FAMILIES,
    ["", "男", "1979-04-02", "", "", "3", "1", "502", "户主", "常住"],  # no name: step 1
    ["王建军", "男", "1979-04-02", WANG, "", "3", "1", "503", "户主", "常住"],  # same ID: step 3
    ["钱  多", "男", "1980-01-01", "", "", "99", "1", "101", "户主", "常住"],  # building: step 2
]


def _problem_cells(report: importing.Report) -> dict[int, list[Any]]:
    return {r.number: r.cells for r in report.problems()}


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["check", "commit"])
def test_every_row_left_out_keeps_its_own_cells(personas: dict, grid_a: Any, building3: Any,  # noqa: F811
                                                how: str) -> None:
    head = personas["head"]
    batch = start(head, grid_a, ROWS)
    if how == "check":
        report = importing.check(actor=head, batch=batch)
        sheet = sheets_of(batch)[0][0]
    else:
        report = importing.commit(actor=head, batch=batch)
        sheet = sheets_of(batch, mapped_only=True)[0][0]
    cells = _problem_cells(report)
    assert sorted(cells) == [7, 8, 9], [(r.number, r.reasons()) for r in report.problems()]
    for number, got in cells.items():
        assert got == sheet.rows[number - 1] and got
    assert cells[8][0] == "王建军"
    if how == "commit":
        # The imported rows let go of their cells, and once written of their values.
        assert all(r.cells == [] and not r.values for r in report.rows if r.outcome == "new")
