"""Writing spreadsheets safely: cell escaping for every writer, a row-by-row
xlsx sheet in constant memory, and CSV as a stream of UTF-8 (with BOM) bytes.

A cell whose text begins with = + - @ (or a tab, carriage return, line feed or
NUL) is taken for a formula by Excel, WPS and LibreOffice when the file is
opened — or, for an xlsx text cell, as soon as someone edits it. Following
OWASP's advice on CSV injection, such text gets a leading apostrophe, so the
resident's "=HYPERLINK(...)" stays text. Numbers are written as numbers
(a negative number is not text and needs no escaping).
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, time
from typing import IO, Any

import xlsxwriter
from django.utils import timezone, translation

Cell = str | int | float | bool | date | datetime | time | None

#: Text beginning with one of these is escaped.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "\x00")
#: Characters an xlsx file (XML 1.0) cannot hold; tab, CR and LF stay.
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: Excel's limits.
MAX_CELL_CHARS = 32_767
MAX_ROWS = 1_048_576
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
TIME_FORMAT = "hh:mm"


def escape(value: Any) -> Any:
    """`value` made safe for a spreadsheet cell.

    Text beginning with = + - @, a tab, CR, LF or NUL gets a leading
    apostrophe; control characters an xlsx cannot store are removed (from
    anywhere in the text). Anything that is not a str is returned unchanged.
    """
    if not isinstance(value, str):
        return value
    clean = _UNWRITABLE.sub("", value)
    if value.startswith(FORMULA_PREFIXES) or clean.startswith(FORMULA_PREFIXES):
        return "'" + clean
    return clean


def local_naive(value: datetime) -> datetime:
    """Spreadsheets have no time zones: an aware time in the station's zone."""
    if timezone.is_aware(value):
        value = timezone.make_naive(value)
    return value


def open_workbook(target: str | IO[bytes], **properties: str) -> xlsxwriter.Workbook:
    """A workbook that keeps one row in memory at a time and never turns text
    into formulas, links or numbers on its own. `target` is a path or a binary
    file opened for writing; `properties` are document properties (title,
    author, comments...)."""
    book = xlsxwriter.Workbook(target, {
        "constant_memory": True,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
    })
    if properties:
        book.set_properties(properties)
    return book


def sheet_title(text: str) -> str:
    """A valid worksheet name: at most 31 characters, none of []:*?/\\."""
    title = re.sub(r"[\[\]:*?/\\]", " ", str(text)).strip().strip("'")[:31]
    return title or "Sheet1"


class SheetWriter:
    """One worksheet written row by row (the workbook must be in constant-memory
    mode, see `open_workbook`: rows go to disk as they are written and cannot
    be revisited).

    Every str goes through `escape`; dates and times become real dates with a
    number format; `text_columns` (0-based) are formatted as text so that an ID
    number typed into them later stays text.
    """

    def __init__(self, book: xlsxwriter.Workbook, name: str, *,
                 widths: Sequence[float] = (), text_columns: Iterable[int] = ()) -> None:
        self.sheet = book.add_worksheet(sheet_title(name))
        self.rows = 0
        self._date = book.add_format({"num_format": DATE_FORMAT})
        self._datetime = book.add_format({"num_format": DATETIME_FORMAT})
        self._time = book.add_format({"num_format": TIME_FORMAT})
        self._bold = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        text = book.add_format({"num_format": "@"})
        text_columns = set(text_columns)
        # Column settings must come before the first row in constant-memory mode.
        for col in range(max(len(widths), max(text_columns, default=-1) + 1)):
            width = widths[col] if col < len(widths) else None
            self.sheet.set_column(col, col, width, text if col in text_columns else None)

    def header(self, labels: Sequence[Any]) -> None:
        """A bold first row that stays in view while scrolling."""
        self.sheet.freeze_panes(1, 0)
        self.write_row([str(label) for label in labels], self._bold)

    def write_row(self, cells: Sequence[Cell], fmt: Any = None) -> None:
        if self.rows >= MAX_ROWS:
            raise ValueError(f"An Excel sheet holds at most {MAX_ROWS} rows.")
        row = self.rows
        for col, value in enumerate(cells):
            self._write(row, col, value, fmt)
        self.rows += 1

    def autofilter(self, columns: int) -> None:
        """Filter buttons on the header row (written at the end: allowed in
        constant-memory mode because the filter is stored after the rows)."""
        if columns and self.rows:
            self.sheet.autofilter(0, 0, self.rows - 1, columns - 1)

    def _write(self, row: int, col: int, value: Cell, fmt: Any) -> None:
        sheet = self.sheet
        if value is None or value == "":
            return
        if isinstance(value, bool):
            sheet.write_boolean(row, col, value, fmt)
        elif isinstance(value, (int, float)):
            if isinstance(value, float) and not math.isfinite(value):
                sheet.write_string(row, col, str(value), fmt)
            else:
                sheet.write_number(row, col, value, fmt)
        elif isinstance(value, datetime):
            value = local_naive(value)
            if value.year < 1900:  # before Excel's calendar starts
                sheet.write_string(row, col, value.isoformat(sep=" ", timespec="minutes"), fmt)
            else:
                sheet.write_datetime(row, col, value, fmt or self._datetime)
        elif isinstance(value, date):
            if value.year < 1900:
                sheet.write_string(row, col, value.isoformat(), fmt)
            else:
                sheet.write_datetime(row, col, value, fmt or self._date)
        elif isinstance(value, time):
            sheet.write_datetime(row, col, value.replace(tzinfo=None), fmt or self._time)
        else:
            # A line break in a cell is LF; a CR would be stored as "_x000D_".
            text = escape(str(value)).replace("\r\n", "\n").replace("\r", "\n")
            sheet.write_string(row, col, text[:MAX_CELL_CHARS], fmt)


def write_sheet(target: str | IO[bytes], name: str, header: Sequence[Any],
                rows: Iterable[Sequence[Cell]], *, widths: Sequence[float] = (),
                text_columns: Iterable[int] = (), **properties: str) -> int:
    """A whole workbook of one sheet, in constant memory: a bold header with
    filter buttons, then `rows`. Returns the number of rows after the header."""
    book = open_workbook(target, **properties)
    sheet = SheetWriter(book, name, widths=widths, text_columns=text_columns)
    sheet.header(header)
    for row in rows:
        sheet.write_row(row)
    sheet.autofilter(len(header))
    book.close()
    return sheet.rows - 1


# --- CSV ------------------------------------------------------------------------

class _Echo:
    """csv.writer writes here and gets the line back."""

    def write(self, value: str) -> str:
        return value


def csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return local_naive(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, str):
        return escape(value)
    return str(value)


def csv_chunks(header: list[str], rows: Iterator[list[Cell]], language: str,
               flush: int = 64 * 1024) -> Iterator[bytes]:
    """UTF-8 with BOM, in pieces of about `flush` characters."""
    with translation.override(language):
        writer = csv.writer(_Echo())
        parts = ["\ufeff" + writer.writerow([escape(h) for h in header])]
        size = len(parts[0])
        for row in rows:
            line = writer.writerow([csv_cell(v) for v in row])
            parts.append(line)
            size += len(line)
            if size >= flush:
                yield "".join(parts).encode("utf-8")
                parts, size = [], 0
        if parts:
            yield "".join(parts).encode("utf-8")


__all__ = ["Cell", "escape", "open_workbook", "SheetWriter", "local_naive", "csv_cell",
           "csv_chunks", "write_sheet", "MAX_ROWS", "FORMULA_PREFIXES"]
