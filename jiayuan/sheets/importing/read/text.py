"""CSV and other text rosters: encoding, delimiter, cells."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter
from pathlib import PurePath

from django.utils.translation import gettext_lazy as _

from jiayuan.lib.text import first_line
from jiayuan.sheets.columns import is_blank
from jiayuan.sheets.importing.read.base import (
    Cell,
    Keep,
    Sheet,
    SheetError,
    _check_cells,
    _damaged,
    _not_sheet,
    keep_cells,
)
from jiayuan.sheets.importing.read.workbook import SHARED_LENGTH, _no_data, _too_many_rows

# ------------------------------------------------------------------ text layer

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig", "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16", "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16", "utf-16"))
_WEB = re.compile(r"<(?:!doctype|html|table|\?xml|head|body|meta)\b", re.IGNORECASE)
_QUOTED_FORMULA = re.compile(r'="(.*)"', re.DOTALL)


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xff\xfe\x00\x00"):
        raise _not_sheet()  # UTF-32: no spreadsheet program writes it
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), label
            except UnicodeDecodeError as exc:
                raise _not_sheet() from exc
    for codec in ("utf-8", "gb18030"):
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError:
            continue
    raise _not_sheet()


def _read_text(data: bytes, filename: str, max_rows: int, keep: Keep | None = None) -> Sheet:
    """The csv's one sheet; with ``keep``, below the header only the cells it keeps
    (base.Keep), each record streamed from the csv module and kept as that."""
    text, encoding = _decode(data)
    head = text[:64 * 1024]
    controls = sum(1 for ch in head if ch < " " and ch not in "\t\r\n\f")
    if "\0" in text or controls > len(head) // 100:
        raise _not_sheet()
    if _WEB.match(head.lstrip("\ufeff \t\r\n")):
        raise SheetError(_(
            "This file is a web page or XML file with a spreadsheet name, not a real workbook. "
            "Open it in Excel or WPS and save it as .xlsx."), "web_page")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(head))
    del text
    rows: list[list[Cell]] = []
    filled = width = 0
    shared: dict[str, str] = {}
    try:
        for record in reader:
            if keep is None or len(rows) < keep.head:
                row: list[Cell] = [_text_cell(c, shared) for c in record]
            else:
                row = keep_cells(keep, lambda: [_text_cell(c, shared) for c in record],  # noqa: B023
                                 lambda j: _text_cell(record[j], shared),  # noqa: B023
                                 len(record), record)
            if row:
                width = max(width, len(record))
            if not is_blank(row):
                filled += 1
            if filled <= max_rows:
                rows.append(row)
    except csv.Error as exc:
        raise _damaged(first_line(str(exc), 120)) from exc
    if filled > max_rows:
        raise _too_many_rows(filled, max_rows)
    while rows and is_blank(rows[-1]):
        rows.pop()
    if not rows:
        raise _no_data()
    _check_cells(len(rows), width)
    return Sheet(name=PurePath(filename or "").stem[:100], rows=rows, kind="csv",
                 encoding=encoding)


def _text_cell(value: str, shared: dict[str, str]) -> Cell:
    if not value:
        return None
    if len(value) <= SHARED_LENGTH:
        value = shared.setdefault(value, value)
    if value[0] != "=":
        return value
    m = _QUOTED_FORMULA.fullmatch(value)
    return m.group(1).replace('""', '"') if m else value


def _delimiter(head: str) -> str:
    """The delimiter that splits most of the first lines into the same number (> 1)
    of fields; a comma when nothing does. csv.Sniffer is not used: it guesses
    wrong on Chinese text (it may pick a letter that repeats in every line)."""
    sample = "\n".join(head.splitlines()[:50])
    best, best_score = ",", (0, 0)
    for delim in (",", "\t", ";"):
        try:
            counts = [len(r) for r in csv.reader(io.StringIO(sample), delimiter=delim)
                      if any(c.strip() for c in r)]
        except csv.Error:
            continue
        multi = Counter(n for n in counts if n > 1)
        if not multi:
            continue
        width, lines = multi.most_common(1)[0]
        if (lines, width) > best_score:
            best, best_score = delim, (lines, width)
    return best
