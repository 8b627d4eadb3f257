"""The upload's parse is kept (read.stored) and the file is read once: the check,
the import and the rows to fix read the stored rows, which are the rows the
reader gives, in every format."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.conf import settings

from jiayuan.sheets import importing
from jiayuan.sheets.columns import find_header
from jiayuan.sheets.importing import read as read_mod
from jiayuan.sheets.importing import upload as upload_mod
from jiayuan.sheets.importing.read import Keep, SheetError, read_sheets, survey
from jiayuan.sheets.importing.read import workbook as workbook_mod
from jiayuan.sheets.importing.read.stored import Store, is_stored, read_stored
from jiayuan.sheets.models import BatchStatus, CheckState
from tests.sheets import messy
from tests.sheets.test_importer import FAMILIES, building3, csv_bytes  # noqa: F401 - fixture

ROWS = [["人口花名册"], ["姓名", "性别", "出生日期", "备注", "时间"],
        ["张三", "男", date(1980, 1, 2), "x" * 30, True],
        ["合计", None, None, None, 2.0],
        [None, None, None, "only a note", None],
        ["李四", "女", datetime(1990, 5, 6, 7, 8), None, None],
        *[[f"王{i}", "男", date(1970, 1, 1) + timedelta(days=i), str(i), float(i)]
          for i in range(2500)]]  # more than one stored line


def files() -> list[tuple[str, bytes, str]]:
    return [("xlsx", messy.messy_roster_xlsx(), "花名册"),
            ("xlsx-dates", messy.xlsx_bytes(ROWS), "花名册"),
            ("csv-gbk", messy.csv_bytes(messy.messy_roster(), encoding="gbk"), "roster"),
            ("xls", messy.xls_bytes([[c if not isinstance(c, date | time) else str(c) for c in r]
                                     for r in ROWS[:40]]), "花名册"),
            ("ods", messy.ods_bytes([r[:2] for r in ROWS[:40]]), "花名册")]


@pytest.mark.parametrize(("kind", "data", "name"), files(), ids=[f[0] for f in files()])
def test_the_stored_rows_are_the_rows_the_reader_gives(kind: str, data: bytes, name: str) -> None:
    store = Store(lambda rows: True)
    survey(data, "roster.csv", sink=store)
    stored = store.value()
    assert is_stored(stored) and not is_stored(data)
    header = find_header(read_sheets(data, "roster.csv", [name])[0].rows) or 0
    for keep in (None, [Keep(frozenset({0, 2}), header + 1)]):
        (want,) = read_sheets(data, "roster.csv", [name], keep=keep)
        (got,) = read_stored(stored, [name], max_rows=settings.IMPORT_MAX_ROWS, keep=keep)
        assert got.rows == want.rows
        assert [type(c) for r in got.rows for c in r] == [type(c) for r in want.rows for c in r]
        assert (got.name, got.kind, got.encoding, got.visible) == (
            want.name, want.kind, want.encoding, want.visible)


def test_the_stored_rows_keep_the_row_limit_and_the_sheet_names() -> None:
    data = messy.xlsx_bytes(ROWS)
    store = Store(lambda rows: True)
    survey(data, "roster.xlsx", sink=store)
    with pytest.raises(SheetError) as exc:
        read_stored(store.value(), ["花名册"], max_rows=100)
    assert exc.value.code == "too_many_rows"
    with pytest.raises(SheetError) as exc:
        read_stored(store.value(), ["Sheet9"], max_rows=100)
    assert exc.value.code == "no_sheet"


def test_only_sheets_with_a_header_row_are_stored() -> None:
    store = Store(lambda rows: find_header(rows) is not None)
    survey(messy.csv_bytes([["a", "b"], ["1", "2"]]), "notes.csv", sink=store)
    with pytest.raises(SheetError):
        read_stored(store.value(), ["notes"], max_rows=100)


def no_reading(*a: Any, **kw: Any) -> Any:
    raise AssertionError("the file was read again")


@pytest.mark.django_db
def test_a_file_is_parsed_once_then_checked_imported_and_its_rows_to_fix_taken(
        personas: dict, grid_a: Any, building3: Any, monkeypatch: Any) -> None:  # noqa: F811
    worker = personas["gridworker"]
    parsed = []
    real = workbook_mod._read_workbook, read_mod._read_text

    def counted(fn: Any) -> Any:
        def wrapper(*a: Any, **kw: Any) -> Any:
            parsed.append(fn.__name__)
            return fn(*a, **kw)
        return wrapper

    monkeypatch.setattr(read_mod, "_read_workbook", counted(real[0]))
    monkeypatch.setattr(read_mod, "_read_text", counted(real[1]))
    bad = [*FAMILIES, ["无名", "男", "1990-01-01", "123", "", "3", "1", "101", "子", "户籍"]]
    batch = importing.start(actor=worker, grid=grid_a, data=csv_bytes(bad),
                            filename="roster.csv")
    assert parsed == ["_read_text"]
    with batch.file.open("rb") as f:
        assert is_stored(f.read())
    monkeypatch.setattr(upload_mod, "read_sheets", no_reading)
    monkeypatch.setattr(upload_mod, "read_sheet", no_reading)
    batch = importing.check_request(actor=worker, batch=batch)
    assert batch.check_state == CheckState.DONE
    assert batch.check_counts["new"] == len(FAMILIES)
    report = importing.commit(actor=worker, batch=batch)
    assert report.counts["new"] == len(FAMILIES) and report.counts["rejected"] == 1
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED
    sheets = importing.sheets_of(batch)  # what the rows to fix are taken from
    assert sheets[0][0].rows[-1][0] == "无名"
    assert parsed == ["_read_text"]


def test_times_dates_and_durations_come_back_as_the_reader_gives_them() -> None:
    store = Store(lambda rows: True)
    add = store.sheet(name="s", kind="xlsx", visible=False, encoding="",
                      head=[["姓名", "t"], ["张三", time(8, 30)]])
    assert add is not None
    add(["李四", datetime(2020, 1, 2, 3, 4), date(2020, 1, 2), timedelta(hours=12), None, True, 1])
    (sheet,) = read_stored(store.value(), ["s"], max_rows=10)
    assert sheet.rows == [["姓名", "t"], ["张三", time(8, 30)],
                          ["李四", datetime(2020, 1, 2, 3, 4), date(2020, 1, 2), 0.5, None, True,
                           1]]
    assert type(sheet.rows[2][2]) is date and type(sheet.rows[2][6]) is int
    assert not sheet.visible


def test_the_rows_left_out_of_a_reread_share_one_empty_row() -> None:
    # 100,000 rows read again for the few the plan left out: one empty list each
    # was 7 MB at the re-import's peak of memory.
    store = Store(lambda rows: True)
    survey(messy.xlsx_bytes(ROWS), "roster.xlsx", sink=store)
    (sheet,) = read_stored(store.value(), ["花名册"], max_rows=settings.IMPORT_MAX_ROWS,
                           only=[frozenset({3, 6, len(ROWS)})])
    assert sheet.rows[2] == ["张三", "男", date(1980, 1, 2), "x" * 30, True]
    assert sheet.rows[5][0] == "李四"
    assert sheet.rows[-1][0] == f"王{len(ROWS) - 7}"
    left_out = [row for i, row in enumerate(sheet.rows) if i not in (2, 5, len(ROWS) - 1)]
    assert len(left_out) == len(ROWS) - 3 and all(row is left_out[0] for row in left_out)
    assert left_out[0] == []
