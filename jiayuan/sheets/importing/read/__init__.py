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

import codecs
import csv
import datetime as dt
import io
import logging
import re
import struct
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePath
from typing import Any
from xml.parsers import expat
from xml.sax import SAXParseException
from xml.sax.handler import ContentHandler

import defusedxml.expatreader
import python_calamine
from defusedxml import DefusedXmlException
from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from xlsxwriter.utility import xl_col_to_name

from jiayuan.lib._i18n import LibError, interpolate
from jiayuan.lib.text import first_line
from jiayuan.sheets.columns import is_blank

__all__ = ["HEAD_ROWS", "MAX_CELLS", "Cell", "Sheet", "SheetError", "read_sheet", "read_sheets",
           "survey"]

logger = logging.getLogger(__name__)

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
    xml_entities, too_large, too_many_rows, no_data."""


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
                max_rows: int | None = None) -> list[Sheet]:
    """The sheets called ``names``, in that order, in full. Together they hold at
    most ``max_rows`` filled rows. A name the file does not have is a SheetError
    (code ``no_sheet``)."""
    return _guarded(data, filename, None, max_rows, None, list(names), False)


def survey(data: bytes, filename: str) -> list[Sheet]:
    """Every worksheet with a filled-in cell, in the workbook's order, each with
    only its first HEAD_ROWS rows (``filled`` counts all its filled rows, and
    ``visible`` says whether Excel shows its tab). A csv is one sheet."""
    return _guarded(data, filename, None, None, None, None, True)


def _guarded(data: bytes, filename: str, max_bytes: int | None, max_rows: int | None,
             max_unpacked: int | None, names: list[str] | None, head: bool) -> list[Sheet]:
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
        return _read(data, filename, max_rows, max_unpacked, names, head)
    except SheetError:
        raise
    except (RecursionError, MemoryError, ValueError, LookupError, TypeError, ArithmeticError,
            NotImplementedError, OSError, EOFError, struct.error, zlib.error) as exc:
        # Hostile input must end in a clear message, whatever the library raised.
        logger.warning("unexpected error reading %r", filename, exc_info=True)
        raise _damaged(type(exc).__name__) from exc


def _read(data: bytes, filename: str, max_rows: int, max_unpacked: int,
          names: list[str] | None = None, head: bool = False) -> list[Sheet]:
    if data.startswith(_ZIP):
        kind = _check_zip(data, max_unpacked)
        return _read_workbook(data, kind, max_rows, names, head)
    if data.startswith(_OLE):
        _check_ole(data)
        return _read_workbook(data, "xls", max_rows, names, head)
    if data.startswith(_NOT_SHEETS):
        raise _not_sheet()
    sheet = _read_text(data, filename, max_rows)
    if names is not None and names != [sheet.name]:
        raise _no_sheet([n for n in names if n != sheet.name][0])
    if head:
        sheet.filled = sum(1 for row in sheet.rows if not is_blank(row))
        del sheet.rows[HEAD_ROWS:]
    return [sheet]


def _no_sheet(name: str) -> SheetError:
    return SheetError(interpolate(_(
        "The file has no sheet called “%(sheet)s”. Upload the file again and choose the sheet "
        "that holds the roster."), {"sheet": name}), "no_sheet")


# ------------------------------------------------------------------ zip layer

def _check_zip(data: bytes, max_unpacked: int) -> str:
    """Vet an .xlsx/.ods container; return "xlsx" or "ods"."""
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, ValueError,
            EOFError, struct.error, LookupError) as exc:
        raise _damaged(_("the zip structure is broken")) from exc
    if len(infos) > MAX_MEMBERS:
        raise SheetError(interpolate(_(
            "The file has %(count)s parts, far more than a workbook has, so it may be damaged "
            "or malicious. Open it in Excel or WPS, save it again as .xlsx and upload the new "
            "copy."), {"count": len(infos)}), "zip_bomb")
    declared = sum(i.file_size for i in infos)
    if declared > max_unpacked or any(
            i.file_size > BOMB_MIN_SIZE and i.file_size > BOMB_RATIO * max(i.compress_size, 1)
            for i in infos):
        raise _bomb(declared)
    names = {i.filename for i in infos}
    if "xl/workbook.xml" in names:
        kind = "xlsx"
    elif "mimetype" in names and "content.xml" in names:
        mime = b"".join(_member_chunks(data, next(i for i in infos if i.filename == "mimetype")))
        if mime.strip() != _ODS_MIME:
            raise _not_sheet()
        kind = "ods"
    else:
        raise _not_sheet()  # .docx, .xlsb, a plain zip …
    total = 0
    for info in infos:
        total += _check_member(data, info, kind, max_unpacked - total)
    return kind


def _member_chunks(data: bytes, info: zipfile.ZipInfo, limit: int | None = None) -> Iterator[bytes]:
    """Decompress one member ourselves, trusting none of its declared numbers.

    Yields pieces of at most _CHUNK bytes; raises SheetError if the member is
    encrypted, uses an unusual compression, is cut short, is longer than declared
    or than ``limit``, or fails its checksum.
    """
    off = info.header_offset
    if data[off:off + 4] != _ZIP or off + 30 > len(data):
        raise _damaged(_("a part of the file is missing"))
    name_len, extra_len = struct.unpack_from("<HH", data, off + 26)
    start = off + 30 + name_len + extra_len
    end = start + info.compress_size
    if end > len(data):
        raise _damaged(_("a part of the file is cut short"))
    if info.flag_bits & 0x1:
        raise _password()
    raw = memoryview(data)[start:end]
    produced = 0
    crc = 0
    limit = info.file_size if limit is None else min(limit, info.file_size)
    if info.compress_type == zipfile.ZIP_STORED:
        pieces: Iterator[bytes] = (bytes(raw[i:i + _CHUNK]) for i in range(0, len(raw), _CHUNK))
        decomp = None
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        decomp = zlib.decompressobj(-15)
        pieces = _inflate(decomp, raw)
    else:
        raise _damaged(_("a part uses an unusual compression"))
    for piece in pieces:
        produced += len(piece)
        if produced > info.file_size:
            raise _damaged(_("a part is longer than its header says"))
        if produced > limit:
            raise _bomb(produced)
        crc = zlib.crc32(piece, crc)
        yield piece
    if decomp is not None and not decomp.eof:
        raise _damaged(_("a part of the file is cut short"))
    if produced != info.file_size or crc != info.CRC:
        raise _damaged(_("a checksum does not match"))


def _inflate(decomp: Any, raw: memoryview) -> Iterator[bytes]:
    try:
        for i in range(0, len(raw), 64 * 1024):
            piece = decomp.decompress(raw[i:i + 64 * 1024], _CHUNK)
            while True:
                if piece:
                    yield piece
                if not decomp.unconsumed_tail:
                    break
                piece = decomp.decompress(decomp.unconsumed_tail, _CHUNK)
            if decomp.eof:
                return
    except zlib.error as exc:
        raise _damaged(_("a part of the file is corrupt")) from exc


def _check_member(data: bytes, info: zipfile.ZipInfo, kind: str, budget: int) -> int:
    """Decompress, vet and measure one member; return its real size."""
    name = info.filename.lower()
    prolog = _Prolog() if name.endswith((".xml", ".rels")) else None
    extent: _XlsxExtent | _ExactExtent | _OdsExtent | None = None
    if kind == "xlsx" and name.startswith("xl/") and name.endswith(".xml"):
        extent = _XlsxExtent()
    elif kind == "ods" and name == "content.xml":
        extent = _OdsExtent()
    size = 0
    try:
        for piece in _member_chunks(data, info, max(budget, 0)):
            if prolog is not None and not prolog.done:
                prolog.feed(piece[:max(0, PROLOG_LIMIT - size)])
                if not prolog.done and size + len(piece) >= PROLOG_LIMIT:
                    raise _damaged(_("a part does not start like XML"))
                if isinstance(extent, _XlsxExtent):
                    extent.prefix = prolog.prefix
            size += len(piece)
            if extent is not None:
                extent.feed(piece)
        if extent is not None:
            extent.close()
    except _NeedExact:
        exact = _ExactExtent()
        for piece in _member_chunks(data, info, max(budget, 0)):
            exact.feed(piece)
        exact.close()
        size = info.file_size
    return size


class _RootSeen(Exception):
    pass


class _Prolog(ContentHandler):
    """Feeds a defusedxml parser until the root element's start tag."""

    def __init__(self) -> None:
        super().__init__()
        self.parser = defusedxml.expatreader.create_parser(
            forbid_dtd=True, forbid_entities=True, forbid_external=True)
        self.parser.setContentHandler(self)
        self.done = False
        self.prefix = b""

    def startElement(self, name: str, attrs: Any) -> None:  # noqa: N802 (SAX API)
        self.prefix = name.rpartition(":")[0].encode() + b":" if ":" in name else b""
        raise _RootSeen

    def feed(self, piece: bytes) -> None:
        if not piece:
            return
        try:
            self.parser.feed(piece)
        except _RootSeen:
            self.done = True
        except SheetError:
            raise
        except DefusedXmlException as exc:
            raise SheetError(_(
                "The file contains XML entity declarations, which are not allowed (they can be "
                "used to attack the server). Open it in Excel or WPS and save it again as .xlsx."),
                "xml_entities") from exc
        except (SAXParseException, expat.ExpatError, ValueError, LookupError) as exc:
            raise _damaged(_("a part is not valid XML")) from exc


class _NeedExact(Exception):
    pass


class _XlsxExtent:
    """Bounds the area of the cells of one sheet XML, fed in pieces.

    Nothing is checked until a ``sheetData`` element starts (so shared strings and
    styles cost nothing). From there, the fast path applies to XML written the
    usual way (every ``<c`` tag starts with ``r="…"``; no ``r='``, no space, tab
    or newline around an ``=`` or before an ``r=`` that could hide a second ``r``:
    calamine lets the last one win):

    * rows: the ``r`` of every ``<row r="N" …><c`` (a row that has cells);
    * any cell whose row is above that maximum sends the part to the exact pass;
    * columns: only references of two or more letters are collected (none at all
      in a roster up to column Z).

    Anything unusual raises _NeedExact and the part is scanned again by expat.
    """

    _SEGMENT = 8 * _CHUNK  # scan in big pieces: fewer pattern compilations

    def __init__(self) -> None:
        self.prefix = b""
        self.active = False
        self.max_row = 0
        self.max_col = 0
        self.pending: list[bytes] = []
        self.pending_len = 0
        self._res: tuple[Any, Any] | None = None

    def feed(self, piece: bytes) -> None:
        self.pending.append(piece)
        self.pending_len += len(piece)
        if self.pending_len >= self._SEGMENT:
            self._flush(final=False)

    def close(self) -> None:
        self._flush(final=True)

    def _flush(self, final: bool) -> None:
        buf = b"".join(self.pending)
        cut = len(buf)
        if not final:
            # Whole rows per segment, so a row tag and its first cell stay together.
            cut = buf.rfind(b"<" + self.prefix + b"row", 1)
            if cut <= 0:
                cut = buf.rfind(b">") + 1
        carry = buf[cut:]
        if len(carry) > self._SEGMENT:
            raise _damaged(_("a part is not valid XML"))
        self.pending, self.pending_len = [carry], len(carry)
        self._scan(buf[:cut])

    def _scan(self, seg: bytes) -> None:
        lt = b"<" + self.prefix
        if not self.active:
            at = seg.find(b"sheetData")
            if at < 0:
                self.pending.insert(0, seg[-16:])
                self.pending_len += 16
                return
            self.active = True
            seg = seg[at:]
        if self._res is None:
            self._res = (re.compile(lt + rb'row r="0*([0-9]+)"[^>]*>' + lt + b"c "),
                         re.compile(lt + rb'c r="([A-Za-z]{2,})[0-9]'))
        rows_re, cols_re = self._res
        c_refs = seg.count(lt + b'c r="')
        if (seg.count(lt + b"c ") != c_refs
                or seg.count(b' r="') != c_refs + seg.count(lt + b'row r="')
                or any(n in seg for n in (b" =", b"= ", lt + b"c>", lt + b"c/"))
                or (b"'" in seg and b"r='" in seg)
                or any(ws in seg and any(n in seg for n in (ws + b"r=", ws + b"=", b"=" + ws,
                                                            lt + b"c" + ws))
                       for ws in (b"\t", b"\n", b"\r"))):
            raise _NeedExact
        if not c_refs:
            return
        rows = set(rows_re.findall(seg))
        if rows:
            self.max_row = max(self.max_row, _int(max(rows, key=lambda d: (len(d), d))))
        if _cells_below(lt, self.max_row).search(seg):
            raise _NeedExact  # a cell outside the rows seen: let expat place it
        cols = set(cols_re.findall(seg))
        self.max_col = max(self.max_col, 26 if not cols else max(
            26, *(_letters_to_col(c) for c in cols)))
        _check_area(self.max_row, self.max_col)


@lru_cache(maxsize=64)
def _cells_below(lt: bytes, n: int) -> Any:
    """A pattern for ``<c r="…M"`` with row M > n."""
    s = str(n)
    alts = [b"[1-9][0-9]{%d,}" % len(s)]
    for i, ch in enumerate(s):
        if ch != "9":
            alts.append(s[:i].encode() + b"[%d-9]" % (int(ch) + 1) + b"[0-9]" * (len(s) - i - 1))
    return re.compile(re.escape(lt) + rb'c r="[A-Za-z]+0*(?:' + b"|".join(alts) + rb')"')


def _letters_to_col(letters: bytes) -> int:
    n = 0
    for ch in letters.upper()[:8]:
        n = n * 26 + ch - 64
    return n if len(letters) <= 8 else 10**12


class _ExactExtent:
    """Where calamine would put every ``<c>``: its ``r``, or the running position."""

    def __init__(self) -> None:
        self.row = 0  # 0-based, as calamine counts
        self.col = 0
        self.max_row = 0  # 1-based extent
        self.max_col = 0
        self.parser = expat.ParserCreate()
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.buffer_text = True

    def feed(self, piece: bytes, final: bool = False) -> None:
        try:
            self.parser.Parse(piece, final)
        except SheetError:
            raise
        except (expat.ExpatError, ValueError, LookupError) as exc:
            raise _damaged(_("a part is not valid XML")) from exc

    def close(self) -> None:
        self.feed(b"", final=True)

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        local = name.rpartition(":")[2]
        if local == "row":
            r = attrs.get("r")
            if r is not None:
                self.row = _int(r) - 1
        elif local == "c":
            r = attrs.get("r")
            if r is not None:
                m = re.fullmatch(r"([A-Za-z]+)([0-9]+)", r.strip())
                if m is None:
                    return  # calamine refuses the file
                self.col = _letters_to_col(m.group(1).encode()) - 1
                row = _int(m.group(2)) - 1
            else:
                row = self.row
            self.max_row = max(self.max_row, row + 1)
            self.max_col = max(self.max_col, self.col + 1)
            self.col += 1
            _check_area(self.max_row, self.max_col)

    def _end(self, name: str) -> None:
        if name.rpartition(":")[2] == "row":
            self.row += 1
            self.col = 0


def _int(text: str | bytes) -> int:
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 12 else 10**12


class _OdsExtent:
    """Area of an .ods content.xml with its repeat counts applied (exact expat pass)."""

    _TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"

    def __init__(self) -> None:
        self.parser = expat.ParserCreate(namespace_separator=" ")
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.row = 0
        self.col = 0
        self.row_repeat = 1
        self.row_filled = 0  # columns filled in the current row
        self.max_row = 0
        self.max_col = 0
        self.depth_in_cell = 0
        self.cell_repeat = 1
        self.cell_filled = False

    def feed(self, piece: bytes) -> None:
        try:
            self.parser.Parse(piece, False)
        except SheetError:
            raise
        except (expat.ExpatError, ValueError, LookupError) as exc:
            raise _damaged(_("a part is not valid XML")) from exc

    def close(self) -> None:
        try:
            self.parser.Parse(b"", True)
        except SheetError:
            raise
        except (expat.ExpatError, ValueError, LookupError) as exc:
            raise _damaged(_("a part is not valid XML")) from exc

    def _repeat(self, attrs: dict[str, str], what: str) -> int:
        value = attrs.get(f"{self._TABLE} number-{what}-repeated")
        return 1 if value is None else max(1, _int(value))

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        if self.depth_in_cell:
            self.depth_in_cell += 1
            self.cell_filled = True  # any content (<text:p>) counts as filled
            return
        if name == f"{self._TABLE} table":
            self.row = 0
        elif name == f"{self._TABLE} table-row":
            self.col = 0
            self.row_filled = 0
            self.row_repeat = self._repeat(attrs, "rows")
        elif name in (f"{self._TABLE} table-cell", f"{self._TABLE} covered-table-cell"):
            self.depth_in_cell = 1
            self.cell_repeat = self._repeat(attrs, "columns")
            self.cell_filled = any(k.endswith(" value-type") for k in attrs)

    def _end(self, name: str) -> None:
        if self.depth_in_cell > 1:
            self.depth_in_cell -= 1
            return
        if self.depth_in_cell == 1:
            self.depth_in_cell = 0
            self.col += self.cell_repeat
            if self.cell_filled:
                self.row_filled = self.col
            return
        if name == f"{self._TABLE} table-row":
            if self.row_filled:
                self.max_row = max(self.max_row, self.row + self.row_repeat)
                self.max_col = max(self.max_col, self.row_filled)
                _check_area(self.max_row, self.max_col)
            self.row += self.row_repeat


# ------------------------------------------------------------------ OLE2 layer

_FREE, _END = 0xFFFFFFFF, 0xFFFFFFFE
_ENCRYPTED_NAMES = ("EncryptionInfo".encode("utf-16-le"), "EncryptedPackage".encode("utf-16-le"))


def _check_ole(data: bytes) -> None:
    """Vet an OLE2 file: a password-protected .xlsx, or an .xls calamine can take."""
    if any(n in data for n in _ENCRYPTED_NAMES):
        raise _password()
    streams = _ole_workbook_streams(data)
    if not streams:
        raise _not_sheet()  # a .doc, .ppt, .msg …
    for stream in streams:
        _check_biff(stream)


def _ole_workbook_streams(data: bytes) -> list[bytes]:
    """Every "Workbook" or "Book" stream of a Compound File (calamine reads the
    first; a hostile file could carry two).

    Every number in the file is checked before use: sector ids in range, chains
    without cycles, sizes no larger than the file, so that calamine, which
    trusts them, cannot be sent into an endless chain or a huge reservation.
    """
    bad = _damaged(_("the container's sector table is broken"))
    if len(data) < 512:
        raise bad
    (shift, mini_shift) = struct.unpack_from("<HH", data, 0x1E)
    if shift not in (9, 12) or mini_shift != 6:
        raise bad
    ssz = 1 << shift
    (n_dir, n_fat, dir_start, _sig, cutoff, minifat_start, n_minifat, difat_start,
     n_difat) = struct.unpack_from("<9I", data, 0x28)
    n_sectors = (len(data) - ssz) // ssz
    if n_sectors <= 0 or max(n_dir, n_fat, n_minifat, n_difat) > n_sectors:
        raise bad

    def sector(i: int) -> bytes:
        if i >= n_sectors:
            raise bad
        return data[(i + 1) * ssz:(i + 2) * ssz]

    difat = list(struct.unpack_from("<109I", data, 0x4C))
    seen: set[int] = set()
    nxt = difat_start
    while nxt not in (_FREE, _END):
        if nxt in seen or len(seen) > n_sectors:
            raise bad
        seen.add(nxt)
        ids = struct.unpack(f"<{ssz // 4}I", sector(nxt))
        difat.extend(ids[:-1])
        nxt = ids[-1]
    fat: list[int] = []
    for i in difat:
        if i != _FREE:
            fat.extend(struct.unpack(f"<{ssz // 4}I", sector(i)))

    def chain(start: int, table: list[int], limit: int) -> list[int]:
        ids: list[int] = []
        i = start
        while i not in (_END, _FREE):
            if i >= len(table) or len(ids) >= limit:
                raise bad
            ids.append(i)
            i = table[i]
        return ids

    directory = b"".join(sector(i) for i in chain(dir_start, fat, n_sectors))
    entries = []
    for off in range(0, len(directory) - 127, 128):
        name_len, kind = struct.unpack_from("<HB", directory, off + 64)
        start, size = struct.unpack_from("<IQ", directory, off + 116)
        if shift == 9:
            size &= 0xFFFFFFFF
        if kind in (2, 5) and size > len(data):
            raise bad
        name = directory[off:off + min(name_len, 64)].decode("utf-16-le", "ignore").rstrip("\0")
        entries.append((name, kind, start, size))
    if not entries or entries[0][1] != 5:
        raise bad
    mini_fat: list[int] = []
    for i in chain(minifat_start, fat, n_sectors):
        mini_fat.extend(struct.unpack(f"<{ssz // 4}I", sector(i)))
    _root, _kind, root_start, root_size = entries[0]
    mini_stream = b"".join(sector(i) for i in chain(root_start, fat, n_sectors))[:root_size]
    streams: list[bytes] = []
    for name, kind, start, size in entries[1:]:
        if kind != 2 or name.lower() not in ("workbook", "book"):
            continue
        if size < cutoff:
            ids = chain(start, mini_fat, len(mini_stream) // 64 + 1)
            raw = b"".join(mini_stream[i * 64:(i + 1) * 64] for i in ids)
        else:
            raw = b"".join(sector(i) for i in chain(start, fat, n_sectors))
        if len(raw) < size:
            raise bad
        streams.append(raw[:size])
    return streams


_CELL_RECORDS = frozenset({0x0006, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x00BD,
                           0x00BE, 0x0207})


def _check_biff(stream: bytes) -> None:
    """Walk the BIFF records the way calamine does: the globals from offset 0 to
    their EOF, then each sheet from the offset its BoundSheet record gives."""
    bad = _damaged(_("the workbook's records are broken"))
    sheets: list[int] = []
    for typ, body in _records(stream, 0):
        if typ == 0x002F:  # FilePass: encrypted or password-obfuscated
            raise _password()
        if typ == 0x00FC and len(body) >= 8:
            (count,) = struct.unpack_from("<i", body, 4)
            if not 0 <= count <= len(stream):
                raise bad
        elif typ == 0x0085 and len(body) >= 4:
            sheets.append(struct.unpack_from("<I", body)[0])
    for pos in sheets:
        if pos >= len(stream):
            raise bad
        max_row = max_col = 0
        for typ, body in _records(stream, pos):
            if typ == 0x0200:
                if len(body) == 14:
                    first_row, last_row, first_col, last_col = struct.unpack_from("<IIHH", body)
                elif len(body) == 10:
                    first_row, last_row, first_col, last_col = struct.unpack_from("<HHHH", body)
                else:
                    continue
                if last_row and last_col:  # calamine reserves (last - first) squared
                    if first_row >= last_row or first_col >= last_col:
                        raise bad
                    _check_area(last_row - first_row, last_col - first_col)
            elif typ in _CELL_RECORDS and len(body) >= 4:
                row, col = struct.unpack_from("<HH", body)
                if typ == 0x00BD or typ == 0x00BE:
                    col = max(col, struct.unpack_from("<H", body, len(body) - 2)[0])
                if row + 1 > max_row or col + 1 > max_col:
                    max_row, max_col = max(max_row, row + 1), max(max_col, col + 1)
                    _check_area(max_row, max_col)


def _records(stream: bytes, pos: int) -> Iterator[tuple[int, bytes]]:
    """BIFF records from ``pos`` up to and including the next EOF record."""
    while pos + 4 <= len(stream):
        typ, length = struct.unpack_from("<HH", stream, pos)
        body = stream[pos + 4:pos + 4 + length]
        pos += 4 + length
        yield typ, body
        if typ == 0x000A:
            return


# ------------------------------------------------------------- calamine layer

def _read_workbook(data: bytes, kind: str, max_rows: int, names: list[str] | None = None,
                   head: bool = False) -> list[Sheet]:
    """The first visible worksheet with data (``names`` None, ``head`` False), the
    named ones (``names``), or all with data, cut to their first rows (``head``)."""
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
            for name in names:
                sheet = book.get_sheet_by_index(by_name[name])
                rows = _sheet_rows(sheet, max_rows) if sheet.end is not None else []
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
                rows, filled = _sheet_head(sheet)
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


def _sheet_head(sheet: Any) -> tuple[list[list[Cell]], int]:
    """The first HEAD_ROWS rows of ``sheet`` (as `_sheet_rows` gives them) and the
    number of its filled rows."""
    start_row, _start_col = sheet.start or (0, 0)
    end_row, end_col = sheet.end
    rows: list[list[Cell]] = []
    seen = filled = 0
    pad: list[Cell] | None = None
    shared: dict[str, str] = {}
    for raw in sheet.iter_rows():
        seen += 1
        if pad is None:
            pad = [None] * max(0, end_col + 1 - len(raw))
        if len(rows) < HEAD_ROWS:
            rows.append(pad + [_cell(c, shared) for c in raw])
        filled += not is_blank(raw)
    if rows and seen < end_row + 1 and start_row > 0:
        rows[:0] = [[None] * len(rows[0]) for _ in range(end_row + 1 - seen)]
        del rows[HEAD_ROWS:]
    while rows and is_blank(rows[-1]):
        rows.pop()
    return rows, filled


def _no_data() -> SheetError:
    return SheetError(_("The file has no filled-in cells. Check that you chose the right file "
                        "and that the roster is on a visible sheet."), "no_data")


def _sheet_rows(sheet: Any, max_rows: int) -> list[list[Cell]]:
    """All rows of ``sheet`` with true row and column numbers (see module docstring)."""
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
        row = pad + [_cell(c, shared) for c in raw]
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


def _read_text(data: bytes, filename: str, max_rows: int) -> Sheet:
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
    rows: list[list[Cell]] = []
    filled = 0
    shared: dict[str, str] = {}
    try:
        for record in reader:
            row: list[Cell] = [_text_cell(c, shared) for c in record]
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
