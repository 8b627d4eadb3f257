"""The error report: the rows a check could not import, as the worker typed them,
with the sheet and the reasons beside them, to fix in Excel/WPS and import again.

The ID-card and phone columns are formatted as text (cell format "@"), and a
number in them is written as its digits: an ID re-typed in Excel then stays
text instead of becoming 1.10101E+17. The caller says which of them are
masked (`masked`: an account that may not reveal them whole gets their masks,
as on screen, and so does a number of that kind in any other column); the rule
is the selector's (`selectors.rows_to_fix`).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.utils.translation import gettext as _

from jiayuan.lib.idcard import mask_id_number
from jiayuan.lib.phone import mask_phone
from jiayuan.sheets.importing import Report
from jiayuan.sheets.importing import normalise as norm
from jiayuan.sheets.messages import entry_reasons
from jiayuan.sheets.xlsx import write_sheet

#: Fields whose cells are numbers made of digits that must stay text.
TEXT_FIELDS = frozenset({"id_number", "phone"})
LEADING = 3  # row, sheet, what to fix


def _as_text(cell: Any) -> Any:
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        try:
            return norm.text(cell)
        except norm.CellError:
            return cell
    return cell


MASKS = {"id_number": mask_id_number, "phone": mask_phone}


def _masked(cell: Any, field: str) -> Any:
    """The cell's mask (typed text or a number read as its digits); an empty
    cell stays empty."""
    value = _as_text(cell)
    if value is None or value == "":
        return value
    return MASKS[field](str(value).strip())


#: A run of 9 or more digits (spaces or dashes between them, an X at the end):
#: an ID-card or phone number, as the check page's samples mask them
#: (importing.upload.sample_values), wherever it was typed.
LONG_DIGITS = re.compile(r"\d(?:[ \-]*\d){8,}(?:[ \-]*[xX])?")
ID_DIGITS = 15  # a run this long, or ending in X, is an ID-card number; shorter, a phone


def _loose_kind(run: str) -> str:
    digits = sum(ch.isdigit() for ch in run)
    return "id_number" if digits >= ID_DIGITS or run[-1] in "xX" else "phone"


def _masked_loose(cell: Any, masked: frozenset[str]) -> Any:
    """A cell of a column not mapped to an ID or phone number (a second phone, a
    guardian's ID) with the numbers in it that look like one of the ``masked``
    kinds masked; any other cell as it was."""
    value = _as_text(cell)
    if not isinstance(value, str):
        return cell

    def mask(match: re.Match[str]) -> str:
        run = match.group(0)
        kind = _loose_kind(run)
        return MASKS[kind](run) if kind in masked else run

    out = LONG_DIGITS.sub(mask, value)
    return cell if out == value else out


def _rows(items: Iterable[tuple[int, str, list[str], list[Any]]],
          text: frozenset[int], masks: dict[int, str],
          masked: frozenset[str] = frozenset()) -> Iterator[list[Any]]:
    for number, sheet, reasons, cells in items:
        if text or masked:
            cells = [_masked(c, masks[j]) if j in masks else _as_text(c) if j in text
                     else _masked_loose(c, masked) if masked else c
                     for j, c in enumerate(cells)]
        yield [number, sheet, "\n".join(reasons), *cells]


def write_rows_to_fix(header: Sequence[str], columns: dict[int, str],
                      items: Iterable[tuple[int, str, list[str], list[Any]]],
                      masked: frozenset[str] = frozenset()) -> bytes:
    """An .xlsx of (row number, sheet, reasons, cells as typed), the cells under
    the file's own ``header``; ``columns`` (index -> field) says which are ID
    and phone columns, and the cells of the fields in ``masked`` ("id_number",
    "phone") are written masked, as are the numbers of those kinds in any other
    column (a "联系电话2" or "监护人身份证" not mapped: `LONG_DIGITS`)."""
    text = frozenset(j for j, key in columns.items() if key in TEXT_FIELDS)
    masks = {j: key for j, key in columns.items() if key in TEXT_FIELDS and key in masked}
    out = io.BytesIO()
    labels = [_("Row in your file"), _("Sheet"), _("What to fix"), *header]
    width = max([len(header), *(j + 1 for j in text)])
    widths = [10, 14, 48, *([14] * width)]
    for j in text:
        widths[LEADING + j] = 21
    write_sheet(out, _("Rows to fix"), labels, _rows(items, text, masks, masked), widths=widths,
                text_columns=[LEADING + j for j in sorted(text)])
    return out.getvalue()


def error_report(report: Report, masked: frozenset[str] = frozenset()) -> bytes:
    """An .xlsx: row number, sheet, problems, then the original cells of every row
    that was rejected or is a possible duplicate (written by the exports'
    SheetWriter: escaped text, real dates, ID and phone columns as text)."""
    return write_rows_to_fix(report.header, report.columns, (
        (row.number, row.sheet, row.reasons(), row.cells) for row in report.problems()),
        masked)


def not_imported_report(header: Sequence[str], columns: dict[int, str],
                        entries: list[dict[str, Any]], sheets: list[tuple[Any, int]],
                        masked: frozenset[str] = frozenset()) -> bytes:
    """The rows-to-fix file of an imported batch: the rows it left out
    (``entries``, ImportBatch.not_imported, or the stored check's rows) with
    their reasons in the reader's language, their cells read again from the stored file's ``sheets``."""
    by_name = {sheet.name: sheet for sheet, _row in sheets}
    first = sheets[0][0] if sheets else None

    def items() -> Iterator[tuple[int, str, list[str], list[Any]]]:
        for entry in entries:
            sheet = by_name.get(entry.get("sheet", ""), first)
            number = entry.get("row", 0)
            cells = sheet.rows[number - 1] if sheet and 0 < number <= len(sheet.rows) else []
            yield number, entry.get("sheet", ""), entry_reasons(entry), cells

    return write_rows_to_fix(header, columns, items(), masked)
