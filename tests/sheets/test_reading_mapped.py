"""Once the columns are mapped, the reader keeps only the mapped columns' cells
below the header (the check and the import), in .xlsx and .csv alike."""

from __future__ import annotations

import io
import tracemalloc

import pytest
import xlsxwriter

from jiayuan.sheets.importing.read import Keep, read_sheets

HEADER = ["姓名", "备注1", "性别", "备注2", "备注3"]
ROWS = [
    ["张三", "x" * 30, "男", "y" * 30, "z"],
    ["合计", None, None, None, "2"],   # a totals row: kept whole
    [None, "only a note", None, None, None],  # filled only in other columns: kept whole
    [None, None, None, None, None],   # blank
    ["李四", "w" * 30, "女", None, None],
]


def xlsx(header: list, rows: list[list]) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("花名册")
    sheet.write_row(0, 0, ["人口花名册"])
    sheet.write_row(1, 0, header)
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            if cell is not None:
                sheet.write(i + 2, j, cell)
    book.close()
    return out.getvalue()


def csv_data(header: list, rows: list[list]) -> bytes:
    lines = ["人口花名册", ",".join(header)]
    lines += [",".join("" if c is None else str(c) for c in r) for r in rows]
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize(("make", "name"), [(xlsx, "花名册"), (csv_data, "roster")])
def test_only_the_mapped_columns_are_kept_below_the_header(make, name) -> None:  # noqa: ANN001
    data = make(HEADER, ROWS)
    (full,) = read_sheets(data, "roster.csv", [name])
    (kept,) = read_sheets(data, "roster.csv", [name], keep=[Keep(frozenset({0, 2}), 2)])
    assert kept.rows[1] == full.rows[1] == HEADER  # the header stays whole
    assert kept.rows[2] == ["张三", None, "男"]  # as wide as the last mapped column
    assert full.rows[2][:3] == ["张三", "x" * 30, "男"]
    assert kept.rows[3] == full.rows[3]  # totals row
    assert kept.rows[4] == full.rows[4]  # filled only in an unmapped column
    assert not any(kept.rows[5] or ())  # blank
    assert kept.rows[6] == ["李四", None, "女"]
    assert len(kept.rows) == len(full.rows)  # row numbers unchanged


def test_memory_does_not_grow_with_unmapped_columns() -> None:
    def peak(columns: int) -> int:
        header = ["姓名", "性别", *[f"备注{i}" for i in range(columns)]]
        rows = [[f"人{i}", "男", *[f"note {i} {j} xxxxxxxxxxxx" for j in range(columns)]]
                for i in range(2000)]
        data = csv_data(header, rows)
        tracemalloc.start()
        (sheet,) = read_sheets(data, "roster.csv", ["roster"],
                               keep=[Keep(frozenset({0, 1}), 2)])
        current, _peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert len(sheet.rows) == 2002
        return current

    narrow, wide = peak(2), peak(40)
    # What is kept (the rows) is about the same with 40 unmapped columns as with 2.
    assert wide < narrow * 1.5, (narrow, wide)
