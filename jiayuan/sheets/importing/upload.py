"""Upload: read the file, find the sheets with a header row, map the columns; choose sheets."""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import date, datetime, time
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext
from xlsxwriter.utility import xl_col_to_name

from jiayuan.core import audit
from jiayuan.core.access import require
from jiayuan.core.collector import fewer_collections
from jiayuan.core.models import User
from jiayuan.core.roles import Perm
from jiayuan.core.scope import in_scope
from jiayuan.lib._i18n import interpolate
from jiayuan.places.models import Grid
from jiayuan.sheets.columns import (
    find_header,
    guess_mapping,
    header_cells,
    header_key,
    is_blank,
    template_mapping,
)
from jiayuan.sheets.importing import normalise as norm
from jiayuan.sheets.importing import status
from jiayuan.sheets.importing.read import Keep, Sheet, SheetError, read_sheet, read_sheets, survey
from jiayuan.sheets.importing.read.stored import Store, is_stored, read_stored
from jiayuan.sheets.models import ImportBatch


def column_label(header: list[Any], index: int) -> str:
    text = header[index] if index < len(header) else None
    if text not in (None, ""):
        return norm.text(text)
    # Lazy: a check stores it as a message, shown in the reader's language.
    return interpolate(gettext_lazy("column %(letter)s"), {"letter": xl_col_to_name(index)})


@audit.audited
@fewer_collections()
def start(*, actor: User, grid: Grid, data: bytes, filename: str,
          columns: dict[str, str] | None = None, consent_evidence: str = "") -> ImportBatch:
    """Read an uploaded roster, find the sheets with a header row, choose the first
    (a visible one first) and map its columns.

    Raises SheetError (a file we cannot or will not read, or one whose sheets
    have no header row: the message names them) or Http404 (a grid out of
    scope). Writes only the batch, as a draft. ``columns``: a template's mapping;
    ``consent_evidence``: how the people consented to their ethnic group being
    recorded (the command line gives it at once; the page, with the mapping).
    """
    require(actor, Perm.IMPORT_ROSTER)
    if not in_scope(actor, grid.pk) or grid.community_id != actor.community_id:
        raise Http404
    # The parse of every sheet with a header row is what the batch keeps, not the
    # file: the check and the import read it instead of reading the file again.
    store = Store(lambda rows: find_header(rows) is not None)
    found = survey(data, filename, sink=store)
    book = [_book_entry(sheet) for sheet in found]
    chosen = next((e for e in book if e["header_row"] and e["visible"]), None) \
        or next((e for e in book if e["header_row"]), None)
    if chosen is None:
        raise SheetError(interpolate(ngettext(
            "No header row found in the first rows of sheet %(sheets)s. The roster needs a row "
            "of column names such as 姓名, 身份证号 and 房号 above the data.",
            "No header row found in the first rows of any sheet (%(sheets)s). The roster needs "
            "a row of column names such as 姓名, 身份证号 and 房号 above the data.", len(book)),
            {"sheets": sheet_list([e["name"] for e in book])}), "no_header")
    sheet = next(s for s in found if s.name == chosen["name"])
    header = header_cells(sheet.rows, chosen["header_row"] - 1)
    mapping = (columns and template_mapping(header, columns)) or guess_mapping(header)
    batch = ImportBatch(community_id=grid.community_id, grid=grid, created_by=actor,
                        filename=filename[:200], file_sha256=hashlib.sha256(data).hexdigest(),
                        sheet_name=chosen["name"][:100], header_row=chosen["header_row"],
                        book=book, sheets=[chosen["name"]],
                        mapping={str(i): key for i, key in mapping.items()},
                        consent_evidence=consent_evidence[:200])
    batch.file.save(f"roster-{batch.file_sha256[:16]}.bin", ContentFile(store.value()),
                    save=False)
    batch.save()
    return batch


def sheet_list(names: list[str]) -> str:
    """Sheet names for a message: “A”, “B”."""
    return pgettext("between list items", ", ").join(f"“{n}”" for n in names)


def _signature(header: list[Any]) -> list[str]:
    keys = [header_key(c) for c in header]
    while keys and not keys[-1]:
        keys.pop()
    return keys


def _book_entry(sheet: Sheet) -> dict[str, Any]:
    """What the check page says about a sheet: its header row (None: not a roster)
    and how many filled rows are below it."""
    index = find_header(sheet.rows)
    entry: dict[str, Any] = {"name": sheet.name, "visible": sheet.visible,
                             "rows": sheet.filled, "header_row": None, "signature": []}
    if index is not None:
        above = sum(1 for row in sheet.rows[:index + 1] if not is_blank(row))
        header = header_cells(sheet.rows, index)
        # What the column mapping shows (each column's name and a sample value),
        # kept so that showing or saving it never reads the file again.
        entry.update(header_row=index + 1, rows=max(0, sheet.filled - above),
                     signature=_signature(header),
                     header=[None if c in (None, "") else str(c) for c in header],
                     labels=[str(column_label(header, i)) for i in range(len(header))],
                     samples=sample_values(sheet.rows[index + 1:], len(header)))
    return entry


SAMPLE_ROWS = 20  # data rows searched for a sample value of each column


def sample_values(rows: list[list[Any]], width: int) -> list[str]:
    """For each column, its first value in the first data rows, with long
    numbers masked: the sample is there to recognise the column, and the page
    may be read by colleagues who may not see whole ID or phone numbers."""
    data = [r for r in rows if not is_blank(r)][:SAMPLE_ROWS]
    out = []
    for i in range(width):
        value = next((r[i] for r in data if i < len(r) and r[i] not in (None, "")), None)
        out.append(_sample_text(value))
    return out


def _sample_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date | time):
        text = value.isoformat()
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip()
    text = text if len(text) <= 40 else text[:39] + "…"
    if sum(ch.isdigit() for ch in text) >= 9:  # ID and phone numbers, not dates
        text = text[:3] + "•" * max(0, len(text) - 5) + text[-2:]
    return text


def chosen_sheets(batch: ImportBatch) -> list[tuple[str, int]]:
    """(name, header row) of each sheet the batch reads, in order."""
    book = {e["name"]: e for e in batch.book or ()}
    if not batch.sheets or not book:  # a batch uploaded before sheets could be chosen
        return [(batch.sheet_name, batch.header_row)]
    return [(n, book[n]["header_row"]) for n in batch.sheets if n in book]


@audit.audited
def choose_sheets(*, actor: User, batch: ImportBatch, names: list[str]) -> ImportBatch:
    """Read ``names`` (one sheet, or several with the same header) instead of the
    sheets chosen so far. A new header gets its columns mapped afresh; the
    possible duplicates ticked are forgotten (their row numbers changed).
    Raises SheetError naming the sheet that cannot be read."""
    _scoped_batch(actor, batch)
    try:
        status.check_draft(batch)
    except status.StatusRefused as exc:
        raise SheetError(exc.message, exc.code) from exc
    book = {e["name"]: e for e in batch.book or ()}
    names = list(dict.fromkeys(names))
    if not names:
        raise SheetError(_("Choose the sheet that holds the roster."), "no_sheet")
    for name in names:
        if name not in book:
            raise SheetError(interpolate(_(
                "The file has no sheet called “%(sheet)s”. Upload the file again and choose "
                "the sheet that holds the roster."), {"sheet": name}), "no_sheet")
        if not book[name]["header_row"]:
            raise SheetError(interpolate(_(
                "Sheet “%(sheet)s” has no header row (a row of column names such as 姓名 and "
                "身份证号), so it is not a roster: choose another sheet."), {"sheet": name}),
                "no_header")
    if len({tuple(book[n]["signature"]) for n in names}) > 1:
        raise SheetError(interpolate(_(
            "Sheets %(sheets)s do not have the same columns: import them one at a time."),
            {"sheets": sheet_list(names)}), "different_headers")
    first = book[names[0]]
    current = chosen_sheets(batch)
    if not current or first["signature"] != book.get(current[0][0], {}).get("signature"):
        batch.mapping = {str(i): key for i, key in guess_mapping(first["signature"]).items()}
    batch.sheets = names
    batch.sheet_name = names[0][:100]
    batch.header_row = first["header_row"]
    batch.accepted = []
    batch.save(update_fields=["sheets", "sheet_name", "header_row", "mapping", "accepted",
                              *checking_forget(batch)])
    return batch


def checking_forget(batch: ImportBatch) -> list[str]:
    from jiayuan.sheets.importing.checking import forget  # checking builds on this module

    return forget(batch)


def book_entry(batch: ImportBatch) -> dict[str, Any] | None:
    """The stored entry of the first sheet read, when it has the header, labels
    and samples (batches uploaded before they were kept have not: None)."""
    chosen = chosen_sheets(batch)
    entry = next((e for e in batch.book or () if chosen and e["name"] == chosen[0][0]), None)
    return entry if entry is not None and "labels" in entry else None


def sheets_of(batch: ImportBatch, *, first_only: bool = False, mapped_only: bool = False,
              only: list[frozenset[int]] | None = None) -> list[tuple[Sheet, int]]:
    """The sheets the batch reads, each with its header row (1-based). A file
    that retention deleted (RETENTION_ROSTER_FILE_DAYS) or that is missing is
    a SheetError saying so, like any file that can't be read. ``mapped_only``:
    below the header, keep only the mapped columns' cells (what the check and
    the import read; the rows-to-fix file wants every cell). ``only``: per
    sheet, the row numbers whose cells are wanted (`read_stored`; a file kept
    as uploaded is read whole)."""
    gone = SheetError(interpolate(gettext_lazy(
        "The uploaded file is no longer kept (uploaded rosters are deleted after %(days)d "
        "days): upload it again to check or import it."),
        {"days": settings.RETENTION_ROSTER_FILE_DAYS}), "file_deleted")
    if not batch.file:
        raise gone
    try:
        with batch.file.open("rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise gone from None
    if not is_stored(data) and (not batch.sheets or not batch.book):
        return [(read_sheet(data, batch.filename), batch.header_row)]
    chosen = chosen_sheets(batch)
    if first_only:
        chosen = chosen[:1]
    keep = None
    if mapped_only:
        columns = frozenset(int(i) for i in batch.mapping)
        keep = [Keep(columns, row) for _name, row in chosen]
    names = [n for n, _row in chosen]
    if is_stored(data):  # the upload's parse (read.stored); older batches kept the file
        sheets = read_stored(data, names, max_rows=settings.IMPORT_MAX_ROWS, keep=keep,
                             only=only)
    else:
        sheets = read_sheets(data, batch.filename, names, keep=keep)
    return [(sheet, row) for sheet, (_name, row) in zip(sheets, chosen, strict=True)]


def sheet_of(batch: ImportBatch) -> Sheet:
    """The first sheet the batch reads (its header names the columns)."""
    return sheets_of(batch, first_only=True)[0][0]


def _scoped_batch(actor: User, batch: ImportBatch) -> None:
    require(actor, Perm.IMPORT_ROSTER)
    if batch.community_id != actor.community_id or not in_scope(actor, batch.grid_id):
        raise Http404
