"""Zip containers (.xlsx, .ods) checked as hostile input before any parser sees them."""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from functools import lru_cache
from typing import Any
from xml.parsers import expat
from xml.sax import SAXParseException
from xml.sax.handler import ContentHandler

import defusedxml.expatreader
from defusedxml import DefusedXmlException
from django.utils.translation import gettext_lazy as _

from jiayuan.lib._i18n import interpolate
from jiayuan.sheets.importing.read.base import (
    _CHUNK,
    _ODS_MIME,
    _ZIP,
    BOMB_MIN_SIZE,
    BOMB_RATIO,
    MAX_MEMBERS,
    PROLOG_LIMIT,
    SheetError,
    _bomb,
    _check_area,
    _check_cells,
    _damaged,
    _not_sheet,
    _password,
)

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
            _check_cells(extent.max_row, extent.max_col)
    except _NeedExact:
        exact = _ExactExtent()
        for piece in _member_chunks(data, info, max(budget, 0)):
            exact.feed(piece)
        exact.close()
        _check_cells(exact.max_row, exact.max_col)
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
        self.max_col = max(self.max_col, _single_letter_max(seg, lt) if not cols else max(
            26, *(_letters_to_col(c) for c in cols)))
        _check_area(self.max_row, self.max_col)


def _single_letter_max(seg: bytes, lt: bytes) -> int:
    """The last column (A = 1 … Z = 26) of a segment whose references all have one
    letter: the first letter found from Z down (a few fast substring searches,
    instead of a pattern run over every cell)."""
    for n in range(26, 0, -1):
        if lt + b'c r="' + bytes([64 + n]) in seg or lt + b'c r="' + bytes([96 + n]) in seg:
            return n
    return 0


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
