"""Read an uploaded roster (.xlsx, .xls, .ods or .csv) into rows of cells, safely.

The format is found from the content, never from the file name. Before any
parser sees a file, it is checked as hostile input:

* size cap (``IMPORT_MAX_BYTES``);
* zip containers (.xlsx, .ods): at most MAX_MEMBERS parts; every part is
  decompressed here, in a stream, so the *real* unpacked size is known (declared
  sizes can lie) and checked against ``IMPORT_MAX_UNPACKED_BYTES``, its checksum
  and length are verified, and a part that unpacks more than 100× (and over 1 MB)
  is refused as a zip bomb;
* every .xml/.rels part's prolog, up to the root element's start tag, goes
  through defusedxml with DTDs, entities and external references forbidden
  (billion laughs, XXE). Only the prolog is parsed, so the big sheet XML is not
  parsed twice;
* the used area of every sheet is bounded (MAX_CELLS). python-calamine builds a
  dense grid from the top-left to the bottom-right filled cell, so a 10 KB file
  with one cell in A1 and one in XFD1048576 would make it ask for terabytes and
  abort the whole process (not an exception: SIGABRT). For .xlsx the cell
  references are scanned with byte patterns while decompressing (an exact expat
  pass is the fallback for XML not written the usual way); for .ods the
  repeat counts are added up; for .xls the BIFF records are walked;
* .xls (OLE2) containers: the sector chains are walked here, refusing cycles and
  out-of-range sectors (calamine follows a cyclic chain until memory runs out),
  and records that make calamine reserve absurd amounts of memory are refused.
  An OLE2 file with "EncryptionInfo"/"EncryptedPackage" streams is an .xlsx
  with an opening password; a BIFF FILEPASS record is an .xls with one.

Cost, on a 100,000-row × 10-column .xlsx (4.3 MB, 35 MB of sheet XML): the XML
prolog check takes about 4 ms; all container checks together (real-size
decompression, checksums, prologs, extent scan) about 0.75 s of CPU; the
whole ``read_sheet`` about 2.3 s. The exact (expat) extent pass, used only for
unusually written sheet XML, takes about 5 s on the same sheet.

What python-calamine 0.9.1 returns, and what ``Sheet.rows`` holds:

* empty cells, and cells whose value is an Excel error (#N/A, #DIV/0!), come back
  as ``""``; here they are ``None``. A cell holding only spaces stays a ``str``;
* merged cells: the value is in the top-left cell only, the others are empty;
* numbers are ``float`` (``42.0``, and an 18-digit ID typed as a number arrives
  as ``1.1010119900307123e+17``, its last digits lost); ``int`` may come from
  .xls/.ods. They are left as they are: the normaliser decides;
* booleans are ``bool``; date-formatted numbers are ``datetime.date`` or
  ``datetime.datetime``, time formats ``datetime.time``; a number without a date
  format stays a float serial (``32939.0``), as Excel would show it; durations
  (``[h]:mm``) are given as float days. Formulas give their cached value (0.0
  when the writer stored none);
* ``rows[i]`` is Excel row ``i + 1`` and ``rows[i][j]`` column ``j + 1``:
  leading empty rows and columns are kept; trailing blank rows are dropped.
  Workbook rows are as wide as the sheet's used area; csv rows as long as
  their line (consumers index safely).

CSV: a BOM decides the encoding (utf-8-sig, utf-16); otherwise strict UTF-8,
then GB18030 (a superset of GBK and GB2312). The delimiter (comma, tab or
semicolon) is the one that splits most of the first lines into the same number
of fields. Cells are ``str`` (``None`` when empty); a cell written as
``="0123"`` (how some systems keep leading zeros) is unwrapped to ``0123``.
"""


from __future__ import annotations

import logging
import struct
import zlib

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from jiayuan.lib._i18n import interpolate
from jiayuan.sheets.columns import is_blank
from jiayuan.sheets.importing.read.base import (
    _NOT_SHEETS,
    _OLE,
    _ZIP,
    HEAD_ROWS,
    MAX_CELLS,
    Cell,
    Keep,
    Sheet,
    SheetError,
    _damaged,
    _mb,
    _no_sheet,
    _not_sheet,
)
from jiayuan.sheets.importing.read.containers import _check_zip
from jiayuan.sheets.importing.read.ole import _check_ole
from jiayuan.sheets.importing.read.stored import Store
from jiayuan.sheets.importing.read.text import _read_text
from jiayuan.sheets.importing.read.workbook import _read_workbook

__all__ = ["HEAD_ROWS", "MAX_CELLS", "Cell", "Keep", "Sheet", "SheetError", "read_sheet", "read_sheets",
           "survey"]

logger = logging.getLogger(__name__)


# ---------------------------------------------------------------- entry point

def read_sheet(data: bytes, filename: str, *, max_bytes: int | None = None,
               max_rows: int | None = None, max_unpacked: int | None = None) -> Sheet:
    """The first sheet of ``data`` that has a filled-in cell, as rows of cells.

    Raises SheetError (and nothing else) for anything it cannot or will not read.
    ``filename`` only names a csv's sheet; the format comes from the content.
    Limits default to the IMPORT_MAX_* settings.
    """
    return _guarded(data, filename, max_bytes, max_rows, max_unpacked, None, False)[0]


def read_sheets(data: bytes, filename: str, names: list[str], *,
                max_rows: int | None = None, keep: list[Keep] | None = None) -> list[Sheet]:
    """The sheets called ``names``, in that order, in full or (``keep``, one per
    name) only the mapped columns' cells below the header (base.Keep). Together
    they hold at most ``max_rows`` filled rows. A name the file does not have is
    a SheetError (code ``no_sheet``)."""
    return _guarded(data, filename, None, max_rows, None, list(names), False, keep)


def survey(data: bytes, filename: str, *, sink: Store | None = None) -> list[Sheet]:
    """Every worksheet with a filled-in cell, in the workbook's order, each with
    only its first HEAD_ROWS rows (``filled`` counts all its filled rows, and
    ``visible`` says whether Excel shows its tab). A csv is one sheet. ``sink``
    (read.stored.Store) is given every row of the sheets it wants, as they are
    read: the parse that the check and the import read instead of the file."""
    return _guarded(data, filename, None, None, None, None, True, sink=sink)


def _guarded(data: bytes, filename: str, max_bytes: int | None, max_rows: int | None,
             max_unpacked: int | None, names: list[str] | None, head: bool,
             keep: list[Keep] | None = None, sink: Store | None = None) -> list[Sheet]:
    max_bytes = settings.IMPORT_MAX_BYTES if max_bytes is None else max_bytes
    max_rows = settings.IMPORT_MAX_ROWS if max_rows is None else max_rows
    max_unpacked = settings.IMPORT_MAX_UNPACKED_BYTES if max_unpacked is None else max_unpacked
    if len(data) > max_bytes:
        raise SheetError(interpolate(_(
            "The file is %(size)s MB; the limit is %(limit)s MB. Remove pictures and extra "
            "sheets, or split the roster into smaller files."),
            {"size": _mb(len(data)), "limit": _mb(max_bytes)}), "too_big")
    if not data:
        raise SheetError(_("The file is empty. Choose the roster file again."), "empty")
    try:
        return _read(data, filename, max_rows, max_unpacked, names, head, keep, sink)
    except SheetError:
        raise
    except (RecursionError, MemoryError, ValueError, LookupError, TypeError, ArithmeticError,
            NotImplementedError, OSError, EOFError, struct.error, zlib.error) as exc:
        # Hostile input must end in a clear message, whatever the library raised.
        logger.warning("unexpected error reading %r", filename, exc_info=True)
        raise _damaged(type(exc).__name__) from exc


def _read(data: bytes, filename: str, max_rows: int, max_unpacked: int,
          names: list[str] | None = None, head: bool = False,
          keep: list[Keep] | None = None, sink: Store | None = None) -> list[Sheet]:
    if data.startswith(_ZIP):
        kind = _check_zip(data, max_unpacked)
        return _read_workbook(data, kind, max_rows, names, head, keep, sink)
    if data.startswith(_OLE):
        _check_ole(data)
        return _read_workbook(data, "xls", max_rows, names, head, keep, sink)
    if data.startswith(_NOT_SHEETS):
        raise _not_sheet()
    sheet = _read_text(data, filename, max_rows, keep[0] if keep else None)
    if names is not None and names != [sheet.name]:
        raise _no_sheet([n for n in names if n != sheet.name][0])
    if head:
        sheet.filled = sum(1 for row in sheet.rows if not is_blank(row))
        add = sink and sink.sheet(name=sheet.name, kind=sheet.kind, visible=sheet.visible,
                                  encoding=sheet.encoding, head=sheet.rows[:HEAD_ROWS])
        for row in sheet.rows[HEAD_ROWS:] if add else ():
            add(row)
        del sheet.rows[HEAD_ROWS:]
    return [sheet]


