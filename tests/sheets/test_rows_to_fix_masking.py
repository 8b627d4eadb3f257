"""The rows-to-fix file masks, for an account that may not reveal them, the ID
and phone numbers of the columns mapped to them, and the ones typed in any
other column ("监护人身份证", "联系电话2"): a grid worker sees no whole ID number."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from jiayuan.places.models import Building
from jiayuan.sheets import selectors
from jiayuan.sheets.report import write_rows_to_fix
from tests.sheets.test_importer import FAMILIES, HEADER, LI, WANG, building3, start

__all__ = ["building3"]

EXTRA = ["联系电话2", "监护人身份证", "备注"]


def _cells(data: bytes) -> dict[str, Any]:
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    return dict(zip(rows[0], rows[1], strict=True))


@pytest.mark.django_db
def test_a_grid_worker_gets_the_unmapped_id_numbers_masked(personas: dict, grid_a: Any,
                                                           building3: Building) -> None:
    worker = personas["gridworker"]
    bad = [*FAMILIES[0][:5], "3", "1", "502", "", "", "13900004444", f"{LI[:6]} {LI[6:]}",
           "生日 1979-04-02，门牌 3-1-502"]
    bad[1] = "女"  # the sex does not match the ID number: not imported
    batch = start(worker, grid_a, [bad], header=[*HEADER, *EXTRA])
    assert not {"10", "11"} & set(batch.mapping), batch.mapping  # not mapped
    cells = _cells(selectors.rows_to_fix(worker, batch).data)
    assert cells["身份证号"] == WANG[:4] + "*" * 10 + WANG[-4:]  # mapped, masked before
    assert LI[:6] not in str(cells["监护人身份证"]) and LI[-4:] in str(cells["监护人身份证"])
    assert "*" in str(cells["监护人身份证"])
    # A grid worker may reveal phone numbers: theirs stay whole, and so do dates.
    assert cells["联系电话"] == "13800001111" and cells["联系电话2"] == "13900004444"
    assert cells["备注"] == "生日 1979-04-02，门牌 3-1-502"
    head = _cells(selectors.rows_to_fix(personas["head"], batch).data)
    assert head["监护人身份证"] == f"{LI[:6]} {LI[6:]}" and head["身份证号"] == WANG


def test_an_account_that_may_not_reveal_phones_gets_them_masked() -> None:
    header = ["姓名", "联系电话", "联系电话2", "监护人身份证", "紧急联系人"]
    cells = ["王建国", "13800001111", 13900004444, WANG, "李梅 139-0000-5555 / 0991-2345678"]
    data = write_rows_to_fix(header, {0: "name", 1: "phone"}, [(2, "roster", ["?"], cells)],
                             masked=frozenset({"id_number", "phone"}))
    out = _cells_at(data, header)
    assert out["联系电话"] == "138****1111"
    assert out["联系电话2"] == "139****4444"
    assert out["监护人身份证"] == WANG[:4] + "*" * 10 + WANG[-4:]
    assert "5555" in out["紧急联系人"] and "0000-5555" not in out["紧急联系人"]
    assert "2345678" not in out["紧急联系人"] and out["紧急联系人"].startswith("李梅 ")
    only_ids = _cells_at(write_rows_to_fix(header, {0: "name", 1: "phone"},
                                           [(2, "roster", ["?"], cells)],
                                           masked=frozenset({"id_number"})), header)
    assert only_ids["联系电话2"] == 13900004444 and "0991-2345678" in only_ids["紧急联系人"]


def _cells_at(data: bytes, header: list[str]) -> dict[str, Any]:
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    return dict(zip(header, rows[1][3:], strict=False))
