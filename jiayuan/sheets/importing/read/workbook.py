"""Workbooks (.xlsx, .xls, .ods) read with python-calamine, checked first."""

from __future__ import annotations

import datetime as dt
import functools
import io
from collections.abc import Callable
from typing import Any

import python_calamine
from django.utils.translation import gettext_lazy as _

from jiayuan.lib._i18n import interpolate
from jiayuan.lib.text import first_line
from jiayuan.sheets.columns import is_blank
from jiayuan.sheets.importing.read.base import (
    HEAD_ROWS,
    Cell,
    Keep,
    Sheet,
    SheetError,
    _damaged,
    _no_sheet,
    _password,
    keep_cells,
)
from jiayuan.sheets.importing.read.stored import Store

# ------------------------------------------------------------- calamine layer

def _read_workbook(data: bytes, kind: str, max_rows: int, names: list[str] | None = None,
                   head: bool = False, keep: list[Keep] | None = None,
                   sink: Store | None = None) -> list[Sheet]:
    """The first visible worksheet with data (``names`` None, ``head`` False), the
    named ones (``names``; ``keep``: the cells kept of each, see base.Keep), or
    all with data, cut to their first rows (``head``)."""
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        meta = book.sheets_metadata
        visible = [m.visible == python_calamine.SheetVisibleEnum.Visible for m in meta]
        if names is not None:
            by_name = {str(m.name): i for i, m in enumerate(meta)
                       if m.typ == python_calamine.SheetTypeEnum.WorkSheet}
            for name in names:
                if name not in by_name:
                    raise _no_sheet(name)
            out, total = [], 0
            for i, name in enumerate(names):
                sheet = book.get_sheet_by_index(by_name[name])
                rows = (_sheet_rows(sheet, max_rows, keep[i] if keep else None)
                        if sheet.end is not None else [])
                del sheet  # calamine's copy of the cells goes before the next sheet's
                total += sum(1 for r in rows if not is_blank(r))
                if total > max_rows:
                    raise _too_many_rows(total, max_rows)
                out.append(Sheet(name=name, rows=rows, kind=kind, visible=visible[by_name[name]]))
            return out
        order = (range(len(meta)) if head else
                 sorted(range(len(meta)), key=lambda i: (not visible[i], i)))
        found: list[Sheet] = []
        for index in order:
            if meta[index].typ != python_calamine.SheetTypeEnum.WorkSheet:
                continue
            sheet = book.get_sheet_by_index(index)
            if sheet.end is None:
                continue
            if head:
                rows, filled = _sheet_head(sheet, sink and functools.partial(
                    sink.sheet, name=str(sheet.name), kind=kind, visible=visible[index],
                    encoding=""), sink)
                if filled:
                    found.append(Sheet(name=str(sheet.name), rows=rows, kind=kind,
                                       visible=visible[index], filled=filled))
                continue
            rows = _sheet_rows(sheet, max_rows)
            if rows:
                return [Sheet(name=str(sheet.name), rows=rows, kind=kind, visible=visible[index])]
        if found:
            return found
    except SheetError:
        raise
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - pyo3's PanicException is a BaseException
        if isinstance(exc, python_calamine.PasswordError):
            raise _password() from exc
        detail = first_line(str(exc), 100)
        raise _damaged(f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__) from exc
    raise _no_data()


def _sheet_head(sheet: Any, begin: Callable[..., Callable[[list[Cell]], None] | None] | None,
                sink: Store | None) -> tuple[list[list[Cell]], int]:
    """The first HEAD_ROWS rows of ``sheet`` (as `_sheet_rows` gives them) and the
    number of its filled rows. With a ``sink`` (read.stored.Store), a sheet it
    wants after seeing the first rows (``begin(head=…)``) is given to it whole,
    row by row, so the upload's parse is kept and the file never read again."""
    start_row, _start_col = sheet.start or (0, 0)
    end_row, end_col = sheet.end
    rows: list[list[Cell]] = []
    seen = filled = 0
    pad: list[Cell] | None = None
    shared: dict[str, str] = {}
    add: Callable[[list[Cell]], None] | None = None
    for raw in sheet.iter_rows():
        seen += 1
        if pad is None:
            pad = [None] * max(0, end_col + 1 - len(raw))
        if len(rows) < HEAD_ROWS:
            rows.append(pad + [_cell(c, shared) for c in raw])
            if begin is not None and len(rows) == HEAD_ROWS:
                add, begin = begin(head=rows), None
        elif add is not None:
            # The stored form converts dates and durations itself (read.stored).
            add(pad + [None if c == "" else c for c in raw])
        filled += not is_blank(raw)
    if begin is not None and rows:  # fewer than HEAD_ROWS rows
        add = begin(head=rows)
    if add is not None and sink is not None and seen < end_row + 1 and start_row > 0:
        sink.offset(end_row + 1 - seen)
    if rows and seen < end_row + 1 and start_row > 0:
        rows[:0] = [[None] * len(rows[0]) for _ in range(end_row + 1 - seen)]
        del rows[HEAD_ROWS:]
    while rows and is_blank(rows[-1]):
        rows.pop()
    return rows, filled


def _no_data() -> SheetError:
    return SheetError(_("The file has no filled-in cells. Check that you chose the right file "
                        "and that the roster is on a visible sheet."), "no_data")


def _sheet_rows(sheet: Any, max_rows: int, keep: Keep | None = None) -> list[list[Cell]]:
    """All rows of ``sheet`` with true row and column numbers (see module docstring);
    with ``keep``, below the header only the cells it keeps (base.Keep), each row
    made from calamine's as it streams by, never the whole row first."""
    start_row, start_col = sheet.start or (0, 0)
    end_row, end_col = sheet.end
    rows: list[list[Cell]] = []
    filled = 0
    pad: list[Cell] | None = None
    shared: dict[str, str] = {}
    for raw in sheet.iter_rows():
        if pad is None:
            # calamine 0.9.1 yields rows from row 0 but columns from the first used
            # column; pad so that index j is column j + 1 whatever it does.
            pad = [None] * max(0, end_col + 1 - len(raw))
        if keep is None or len(rows) < keep.head + start_row:
            row = pad + [_cell(c, shared) for c in raw]
        else:
            offset = len(pad)
            row = keep_cells(
                keep, lambda: pad + [_cell(c, shared) for c in raw],  # noqa: B023
                lambda j: _cell(raw[j - offset], shared) if j >= offset else None,  # noqa: B023
                offset + len(raw), raw)
        if not is_blank(row):
            filled += 1
            if filled > max_rows:
                continue  # keep counting, stop keeping
        if filled <= max_rows:
            rows.append(row)
    if filled > max_rows:
        raise _too_many_rows(filled, max_rows)
    if rows and len(rows) < end_row + 1 and start_row > 0:
        rows[:0] = [[None] * len(rows[0]) for _ in range(end_row + 1 - len(rows))]
    while rows and is_blank(rows[-1]):
        rows.pop()
    return rows


SHARED_LENGTH = 12  # cells this short (男, 汉族, 3栋, 户主, 2023-05-01…) are kept once


def _cell(value: Any, shared: dict[Any, Any]) -> Cell:
    if isinstance(value, str):
        if not value:
            return None
        # A roster repeats the same short texts row after row: one copy of each
        # keeps a 100k-row sheet in a fraction of the memory.
        return shared.setdefault(value, value) if len(value) <= SHARED_LENGTH else value
    if isinstance(value, dt.timedelta):
        return value.total_seconds() / 86400
    if isinstance(value, dt.date):  # date cells repeat too (birth and moving-in dates)
        return shared.setdefault(value, value)
    return value


def _too_many_rows(count: int, limit: int) -> SheetError:
    return SheetError(interpolate(_(
        "The file has %(count)s rows with data; at most %(limit)s can be imported at once. "
        "Split it into smaller files and import them one by one."),
        {"count": count, "limit": limit}), "too_many_rows")
