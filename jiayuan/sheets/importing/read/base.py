"""What the reader gives (Sheet, Cell), what it refuses (SheetError) and its limits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from xlsxwriter.utility import xl_col_to_name

from jiayuan.lib._i18n import LibError, interpolate
from jiayuan.sheets.columns import is_blank, is_total

Cell = str | int | float | bool | dt.date | dt.datetime | dt.time | None

#: Most cells (used rows × used columns) a sheet may span: python-calamine needs
#: about 32 bytes per cell of that rectangle, so this is about 400 MB.
MAX_CELLS = 12_000_000
MAX_MEMBERS = 1000
BOMB_RATIO = 100
BOMB_MIN_SIZE = 1024 * 1024
PROLOG_LIMIT = 64 * 1024
_CHUNK = 1024 * 1024
_XLSX_MAX_ROWS, _XLSX_MAX_COLS = 1_048_576, 16_384

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"
_NOT_SHEETS = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"Rar!", b"7z\xbc\xaf",
               b"\x1f\x8b", b"PK\x05\x06", b"PK\x07\x08", b"II*\x00", b"MM\x00*", b"RIFF")


class SheetError(LibError):
    """The file cannot be read; ``message`` says why and what to do. ``code`` is
    one of: too_big, empty, not_sheet, web_page, password, damaged, zip_bomb,
    xml_entities, too_large, too_many_cells, too_many_rows, no_data, file_deleted."""


@dataclass
class Sheet:
    name: str
    rows: list[list[Cell]]
    kind: str  # "xlsx" | "xls" | "ods" | "csv"
    encoding: str = ""  # csv only: "utf-8", "utf-8-sig", "gb18030", "utf-16"
    visible: bool = True
    # `survey` only: rows holds the first HEAD_ROWS rows, filled counts them all.
    filled: int = 0


#: Rows of each sheet `survey` keeps (where a header row is looked for).
HEAD_ROWS = 31


@dataclass(frozen=True)
class Keep:
    """Which cells a reader keeps once the columns are mapped: the rows down to
    ``head`` (1-based: the header row) whole, and below them only the cells of
    ``columns`` (the others are None, and a row is only as wide as the last of
    them), so that the memory a sheet takes does not grow with the columns the
    import does not read. A totals row, and a row whose only filled cells are in
    other columns, are kept whole: the check tells them apart as before."""

    columns: frozenset[int]
    head: int = 1

    @property
    def width(self) -> int:
        return max(self.columns, default=-1) + 1


def keep_cells(keep: Keep, full: Callable[[], list[Cell]], get: Callable[[int], Cell],
               length: int, raw: Sequence[Any]) -> list[Cell]:
    """One row below the header as ``keep`` keeps it. ``raw``: the row as the
    library gave it (its blank and totals tests); ``get(j)``: column j's cell
    (j < ``length``); ``full()``: the whole row, when it is kept whole."""
    if is_blank(raw):
        return []
    row: list[Cell] = [None] * min(keep.width, length)
    for j in keep.columns:
        if j < length:
            row[j] = get(j)
    if is_total(raw) or is_blank(row):
        return full()
    return row


# ------------------------------------------------------------------- messages

def _mb(n: int) -> str:
    """Bytes as MB for messages: "25", "30.2", "0.01"."""
    mb = n / (1024 * 1024)
    if mb >= 1:
        return f"{mb:.1f}".removesuffix(".0")
    return f"{max(mb, 0.01):.2f}"


def _damaged(reason: str | Promise) -> SheetError:
    return SheetError(interpolate(_(
        "The file is damaged or cannot be read (%(reason)s). Open it in Excel or WPS, save it "
        "again as .xlsx and upload the new copy."), {"reason": reason}), "damaged")


def _not_sheet() -> SheetError:
    return SheetError(_("This is not a spreadsheet we can read. Open it in Excel or WPS and save "
                        "it as .xlsx or .csv."), "not_sheet")


def _bomb(size: int) -> SheetError:
    return SheetError(interpolate(_(
        "The file unpacks to far more than its size (%(size)s MB), so it may be damaged or "
        "malicious. Open it in Excel or WPS, save it again as .xlsx and upload the new copy."),
        {"size": _mb(size)}), "zip_bomb")


def _password() -> SheetError:
    return SheetError(_(
        "This file is protected by a password. Open it in Excel or WPS, remove the password "
        "(File → Info / 文件 → 加密) and save it again."), "password")


def _too_large(rows: int, cols: int) -> SheetError:
    return SheetError(interpolate(_(
        "A sheet in this file uses cells as far as row %(rows)s and column %(columns)s, more "
        "than can be read at once. Delete the unused rows and columns (or copy the roster into "
        "a new workbook) and save again."), {"rows": rows, "columns": xl_col_to_name(max(cols, 1) - 1)}),
        "too_large")


def _check_area(rows: int, cols: int) -> None:
    if rows > _XLSX_MAX_ROWS or cols > _XLSX_MAX_COLS or rows * cols > MAX_CELLS:
        raise _too_large(rows, cols)


def _check_cells(rows: int, cols: int) -> None:
    """The cost bound (``IMPORT_MAX_CELLS``): a sheet spanning more cells than that
    is refused before any library reads it, naming its rows, columns and cells.
    Checked once a sheet's extent is known, so the message gives its real size."""
    limit = settings.IMPORT_MAX_CELLS
    if rows * cols > limit:
        raise SheetError(interpolate(_(
            "A sheet in this file uses %(rows)s rows × %(columns)s columns (%(cells)s cells); "
            "at most %(limit)s cells can be imported at once. Delete the columns the import "
            "does not need, or split the roster into smaller files."), {
                "rows": f"{rows:,}", "columns": f"{cols:,}", "cells": f"{rows * cols:,}",
                "limit": f"{limit:,}"}), "too_many_cells")


def _no_sheet(name: str) -> SheetError:
    return SheetError(interpolate(_(
        "The file has no sheet called “%(sheet)s”. Upload the file again and choose the sheet "
        "that holds the roster."), {"sheet": name}), "no_sheet")
