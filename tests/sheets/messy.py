"""Builders of messy and hostile spreadsheet files, in memory, for tests.

Every function returns the file as ``bytes``; nothing binary is committed. The
importer, normaliser and view tests reuse these, so each builder documents the
layout it produces.

Ordinary files
    xlsx_bytes(rows, ...)        an .xlsx written by XlsxWriter (merges, offsets, extra sheets)
    csv_bytes(rows, ...)         a .csv in any encoding / delimiter / newline
    xls_bytes(rows, ...)         a real BIFF8 .xls inside an OLE2 container
    ods_bytes(rows, ...)         a minimal OpenDocument spreadsheet
    messy_roster()               rows of a realistic messy roster (see its docstring and
                                 MESSY_HEADER / MESSY_DATA / MESSY_BLANK / MESSY_TOTAL)
    messy_roster_xlsx()          that roster as .xlsx with merged title and group cells
    big_roster_xlsx(n)           a clean roster of n rows (timing checks)

Hostile or broken files
    password_protected_xlsx()    OLE2 container with EncryptionInfo/EncryptedPackage
    xls_bytes(..., filepass=True) an .xls with a password (FILEPASS record)
    zip_bomb_xlsx()              a member of 200 MB of zeros (~200 KB compressed)
    lying_zip_xlsx()             a member whose declared size is smaller than its data
    many_members_xlsx()          a zip with thousands of members
    billion_laughs_xlsx()        the sheet XML carries a billion-laughs DTD
    xxe_xlsx(), doctype_only_xlsx()  an external entity; a bare DOCTYPE
    far_cell_xlsx()              two cells so far apart that a dense grid would need TBs
    rless_far_cell_xlsx()        the same, reached by cells and rows without references
    xls_huge_dimensions()        an .xls whose DIMENSIONS record claims billions of cells
    ods_repeat_bomb()            an .ods whose repeat counts multiply to a billion cells
    truncated(data)              the first part of a file
    pdf_bytes(), png_bytes(), html_table_xls()   things that are not spreadsheets
    rewrite_member(zip, name, fn), raw_zip(entries), ole2_bytes(streams)  to make your own
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from xml.sax.saxutils import escape

import xlsxwriter

Rows = Sequence[Sequence[Any]]

# --------------------------------------------------------------------------- xlsx


def xlsx_bytes(rows: Rows, *, sheet: str = "花名册", merges: Iterable[tuple[int, int, int, int]] = (),
               empty_sheets_before: int = 0, hidden_sheet_before: Rows | None = None,
               start: tuple[int, int] = (0, 0)) -> bytes:
    """An .xlsx whose first data sheet holds ``rows`` from cell ``start`` (0-based).

    Cells: ``None`` is left empty; ``str`` is always written as text (never turned
    into a formula or number, so ``"=1+1"`` stays text); ``bool``, ``int``, ``float``
    as such; ``date``/``datetime`` with a date format, so they read back as dates.
    ``merges`` are (first_row, first_col, last_row, last_col) in ``rows`` coordinates;
    the merged area shows the top-left value, as Excel stores it.
    ``empty_sheets_before`` adds blank sheets in front; ``hidden_sheet_before`` adds a
    hidden sheet with those rows in front.
    """
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False,
                                   "strings_to_formulas": False, "strings_to_urls": False})
    for i in range(empty_sheets_before):
        wb.add_worksheet(f"空白{i + 1}")
    if hidden_sheet_before is not None:
        hidden = wb.add_worksheet("隐藏")
        _write_rows(wb, hidden, hidden_sheet_before, (0, 0))
        hidden.hide()
    ws = wb.add_worksheet(sheet)
    ws.activate()
    _write_rows(wb, ws, rows, start)
    r0, c0 = start
    for fr, fc, lr, lc in merges:
        value = rows[fr][fc] if fc < len(rows[fr]) else None
        ws.merge_range(r0 + fr, c0 + fc, r0 + lr, c0 + lc, value if value is not None else "")
    wb.close()
    return buf.getvalue()


def _write_rows(wb: Any, ws: Any, rows: Rows, start: tuple[int, int]) -> None:
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    datetime_fmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    r0, c0 = start
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, str):
                ws.write_string(r0 + r, c0 + c, value)
            elif isinstance(value, bool):
                ws.write_boolean(r0 + r, c0 + c, value)
            elif isinstance(value, dt.datetime):
                ws.write_datetime(r0 + r, c0 + c, value, datetime_fmt)
            elif isinstance(value, dt.date):
                ws.write_datetime(r0 + r, c0 + c, value, date_fmt)
            else:
                ws.write_number(r0 + r, c0 + c, value)


def big_roster_xlsx(n: int, *, columns: int = 10) -> bytes:
    """A clean roster of ``n`` data rows under one header row (for timing checks)."""
    header = ["姓名", "身份证号", "联系电话", "楼栋", "单元", "房号", "民族", "性别", "出生日期", "备注"]
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "constant_memory": True})
    ws = wb.add_worksheet("花名册")
    ws.write_row(0, 0, header[:columns])
    for i in range(1, n + 1):
        ws.write_row(i, 0, [f"居民{i}", f"11010119900307{i % 10000:04d}", f"138{i:08d}", i % 30,
                            2, 302, "汉族", "男", "1990-03-07", "x" * 10][:columns])
    wb.close()
    return buf.getvalue()


def rewrite_member(data: bytes, name: str, fn: Callable[[bytes], bytes]) -> bytes:
    """Copy the zip ``data`` with member ``name`` replaced by ``fn(old content)``."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info)
            if info.filename == name:
                content = fn(content)
            dst.writestr(info.filename, content)
    return out.getvalue()


SHEET1 = "xl/worksheets/sheet1.xml"

_LAUGHS = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           b'<!DOCTYPE worksheet [\n<!ENTITY lol "lol">\n'
           + b"".join(b'<!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                      for i in range(1, 10))
           + b"]>\n")


def _replace_prolog(xml: bytes, prolog: bytes) -> bytes:
    """Put ``prolog`` (declaration + DOCTYPE) in place of the XML declaration."""
    body = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
    return prolog + body.lstrip()


def billion_laughs_xlsx() -> bytes:
    """A valid roster whose sheet XML starts with the billion-laughs entity DTD,
    and uses ``&lol9;`` in a cell (so a parser that expands entities would blow up)."""
    data = xlsx_bytes([["姓名", "备注"], ["张三", "x"]])

    def attack(xml: bytes) -> bytes:
        xml = _replace_prolog(xml, _LAUGHS)
        return xml.replace(b"<sheetData>", b"<sheetData><!-- &lol9; -->", 1)

    return rewrite_member(data, SHEET1, attack)


def xxe_xlsx(target: str = "file:///etc/passwd") -> bytes:
    """A roster whose sheet XML declares an external entity pointing at ``target``."""
    data = xlsx_bytes([["姓名", "备注"], ["张三", "x"]])
    prolog = (b'<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
              b'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "' + target.encode() + b'">]>\n')
    return rewrite_member(data, SHEET1, lambda xml: _replace_prolog(xml, prolog))


def doctype_only_xlsx() -> bytes:
    """A roster whose workbook.xml has a harmless-looking DOCTYPE (still refused)."""
    data = xlsx_bytes([["姓名", "备注"], ["张三", "x"]])
    prolog = b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE workbook>\n'
    return rewrite_member(data, "xl/workbook.xml", lambda xml: _replace_prolog(xml, prolog))


def zip_bomb_xlsx(size_mb: int = 200) -> bytes:
    """A real roster plus a member ``xl/media/zeros.bin`` of ``size_mb`` MB of zeros,
    about 200 KB compressed for 200 MB. The deflate stream is one compressed MB
    repeated (a full flush makes each copy independent), so building it takes
    milliseconds."""
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = bytes(1024 * 1024)
    block = co.compress(zeros) + co.flush(zlib.Z_FULL_FLUSH)
    stream = block * size_mb + co.flush(zlib.Z_FINISH)
    crc = 0
    for _ in range(size_mb):
        crc = zlib.crc32(zeros, crc)
    src = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["姓名"], ["张三"]])))
    members = [(i.filename, src.read(i)) for i in src.infolist()]
    return raw_zip([(name, zlib.compress(body, 6)[2:-4], zlib.crc32(body), len(body))
                    for name, body in members]
                   + [("xl/media/zeros.bin", stream, crc, size_mb * 1024 * 1024)])


def raw_zip(entries: Sequence[tuple[str, bytes, int, int]]) -> bytes:
    """A zip written by hand from ``(name, raw deflate stream, crc32, size)``
    entries, so that tests can set any stream, checksum or size they like."""
    out = bytearray()
    central = bytearray()
    for name, stream, crc, size in entries:
        raw = name.encode()
        offset = len(out)
        head = struct.pack("<HHHHHIII", 20, 0, 8, 0, 0x21, crc, len(stream), size)
        out += b"PK\x03\x04" + head + struct.pack("<HH", len(raw), 0) + raw + stream
        central += (b"PK\x01\x02" + struct.pack("<H", 20) + head
                    + struct.pack("<HHHHHII", len(raw), 0, 0, 0, 0, 0, offset) + raw)
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(entries), len(entries),
                      len(central), len(out), 0)
    return bytes(out + central + end)


def lying_zip_xlsx() -> bytes:
    """A roster whose sheet member claims (in both headers) to be 100 bytes long,
    while its deflate stream holds the whole, much longer, sheet XML."""
    data = xlsx_bytes([["姓名"]] + [["张三"] for _ in range(500)])
    z = zipfile.ZipFile(io.BytesIO(data))
    info = z.getinfo(SHEET1)
    real = info.file_size
    assert real > 100
    buf = bytearray(data)
    # Uncompressed size: at +22 in the local header, at +24 in the central directory.
    struct.pack_into("<I", buf, info.header_offset + 22, 100)
    cd = data.find(b"PK\x01\x02")
    while cd != -1:
        (name_len,) = struct.unpack_from("<H", data, cd + 28)
        if data[cd + 46:cd + 46 + name_len] == SHEET1.encode():
            struct.pack_into("<I", buf, cd + 24, 100)
        cd = data.find(b"PK\x01\x02", cd + 4)
    return bytes(buf)


def many_members_xlsx(n: int = 3000) -> bytes:
    """A roster plus ``n`` tiny extra members (parts no workbook needs)."""
    data = xlsx_bytes([["姓名"], ["张三"]])
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_STORED) as z:
        for i in range(n):
            z.writestr(f"xl/extra/part{i}.bin", b"x")
    return out.getvalue()


def far_cell_xlsx(row: int = 1_048_575, col: int = 16_383) -> bytes:
    """Two cells, A1 and (row, col) (0-based): tiny on disk, but a reader that
    builds a dense grid needs ``(row + 1) * (col + 1)`` cells (python-calamine
    aborts the whole process on this without our extent check)."""
    data = xlsx_bytes([["姓名", None], [None, "远"]])
    ref = f"{_column_letters(col + 1)}{row + 1}".encode()

    def move(xml: bytes) -> bytes:
        xml = xml.replace(b'<row r="2" spans="1:2"><c r="B2"',
                          b'<row r="%d"><c r="%s"' % (row + 1, ref))
        return xml.replace(b'<dimension ref="A1:B2"/>', b'<dimension ref="A1:%s"/>' % ref)

    return rewrite_member(data, SHEET1, move)


def _column_letters(n: int) -> str:
    letters = ""
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(65 + r) + letters
    return letters


def rless_far_cell_xlsx(rows: int = 10_000, cols: int = 2_000) -> bytes:
    """A sheet whose far cell is placed by counting: ``cols`` cells without an
    ``r`` attribute in one row, ``rows`` empty ``<row/>`` elements, then one more
    r-less cell at column ``cols``. No reference names the far cell, but a reader
    that counts (calamine does) spans ``rows × cols`` cells."""
    data = xlsx_bytes([["姓名"], ["张三"]])
    wide = b"<row>" + b"<c><v>1</v></c>" * cols + b"</row>"
    filler = b"<row/>" * rows
    far = b"<row>" + b"<c/>" * (cols - 1) + b'<c t="inlineStr"><is><t>x</t></is></c></row>'

    def attack(xml: bytes) -> bytes:
        return xml.replace(b"</sheetData>", wide + filler + far + b"</sheetData>", 1)

    return rewrite_member(data, SHEET1, attack)


def truncated(data: bytes, keep: float = 0.5) -> bytes:
    """The first ``keep`` fraction of ``data`` (a download that stopped half way)."""
    return data[: max(1, int(len(data) * keep))]


# ---------------------------------------------------------------------------- csv


def csv_bytes(rows: Rows, *, encoding: str = "utf-8", delimiter: str = ",",
              newline: str = "\r\n") -> bytes:
    """``rows`` as delimited text. ``encoding``: "utf-8", "utf-8-sig" (with BOM),
    "gbk", "gb18030", "utf-16" (Python writes a BOM), "utf-16-le"/"utf-16-be" (no BOM).
    ``None`` becomes an empty field; dates are written ISO. Fields with the
    delimiter, quotes or newlines are quoted, as Excel does."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue().encode(encoding)


# ---------------------------------------------------------------- OLE2 and BIFF8

_FREE, _END, _FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


def ole2_bytes(streams: dict[str, bytes]) -> bytes:
    """A Compound File Binary (OLE2, version 3, 512-byte sectors) holding
    ``streams`` at its root. Streams shorter than 4096 bytes are zero-padded to
    4096 so that no mini-stream is needed (BIFF readers stop at the EOF record)."""
    names = sorted(streams, key=lambda n: (len(n), n.upper()))
    payloads = [streams[n] + bytes(max(0, 4096 - len(streams[n]))) for n in names]
    sectors: list[bytes] = []
    fat: list[int] = []
    starts = []
    for payload in payloads:
        count = -(-len(payload) // 512)
        starts.append(len(sectors))
        for i in range(count):
            sectors.append(payload[i * 512:(i + 1) * 512].ljust(512, b"\0"))
            fat.append(len(sectors) if i < count - 1 else _END)
    entries = [_dir_entry("Root Entry", 5, child=1 if names else _FREE, start=_END, size=0)]
    for i, name in enumerate(names):
        entries.append(_dir_entry(name, 2, right=i + 2 if i + 1 < len(names) else _FREE,
                                  start=starts[i], size=len(payloads[i])))
    while len(entries) % 4:
        entries.append(bytes(64) + struct.pack("<HBB3I", 0, 0, 0, _FREE, _FREE, _FREE) + bytes(48))
    dir_start = len(sectors)
    dir_count = len(entries) // 4
    for i in range(dir_count):
        sectors.append(b"".join(entries[i * 4:(i + 1) * 4]))
        fat.append(len(sectors) if i < dir_count - 1 else _END)
    fat_count = 1
    while (len(sectors) + fat_count) > fat_count * 128:
        fat_count += 1
    fat_start = len(sectors)
    fat.extend([_FATSECT] * fat_count)
    fat.extend([_FREE] * (fat_count * 128 - len(fat)))
    for i in range(fat_count):
        sectors.append(struct.pack("<128I", *fat[i * 128:(i + 1) * 128]))
    assert fat_count <= 109
    difat = [fat_start + i for i in range(fat_count)] + [_FREE] * (109 - fat_count)
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16)
              + struct.pack("<HHHHH6xIIIIIIIII", 0x3E, 3, 0xFFFE, 9, 6, 0, fat_count, dir_start,
                            0, 4096, _END, 0, _END, 0)
              + struct.pack("<109I", *difat))
    assert len(header) == 512
    return header + b"".join(sectors)


def _dir_entry(name: str, kind: int, *, child: int = _FREE, right: int = _FREE,
               start: int, size: int) -> bytes:
    raw = (name + "\0").encode("utf-16-le")
    return (raw.ljust(64, b"\0") + struct.pack("<HBB3I", len(raw), kind, 1, _FREE, right, child)
            + bytes(16) + struct.pack("<I", 0) + bytes(16) + struct.pack("<IQ", start, size))


def password_protected_xlsx() -> bytes:
    """What Excel/WPS save when a workbook has an opening password: an OLE2
    container with "EncryptionInfo" and "EncryptedPackage" streams (and
    "\\x06DataSpaces" bookkeeping). The stream contents are stand-ins: only the
    container and stream names are real."""
    return ole2_bytes({
        "EncryptionInfo": struct.pack("<HHI", 4, 4, 0x40) + b"<encryption/>",
        "EncryptedPackage": struct.pack("<Q", 5000) + bytes(range(256)) * 20,
        "\x06DataSpaces": b"\x08\x00\x00\x00",
    })


def _rec(typ: int, body: bytes) -> bytes:
    return struct.pack("<HH", typ, len(body)) + body


def _xl_string(text: str) -> bytes:
    """XLUnicodeString: cch (u16), flags (1 = UTF-16), characters."""
    return struct.pack("<HB", len(text), 1) + text.encode("utf-16-le")


def xls_bytes(rows: Rows, *, sheet: str = "花名册", dimensions: tuple[int, int] | None = None,
              filepass: bool = False) -> bytes:
    """A BIFF8 workbook (.xls as Excel 97-2003 writes it) holding ``rows``.

    Strings become LABEL records, numbers NUMBER records (ints too: .xls stores
    floats), booleans BOOLERR, dates NUMBER with the built-in date format.
    ``dimensions`` overrides the DIMENSIONS record (rows, columns); ``filepass``
    adds the FILEPASS record that marks an encrypted (password) workbook.
    """
    epoch = dt.date(1899, 12, 30)
    cells = []
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v is None:
                continue
            if isinstance(v, str):
                cells.append(_rec(0x0204, struct.pack("<HHH", r, c, 15) + _xl_string(v)))
            elif isinstance(v, bool):
                cells.append(_rec(0x0205, struct.pack("<HHHBB", r, c, 15, int(v), 0)))
            elif isinstance(v, dt.date):
                day = v.date() if isinstance(v, dt.datetime) else v
                cells.append(_rec(0x0203, struct.pack("<HHHd", r, c, 16, (day - epoch).days)))
            else:
                cells.append(_rec(0x0203, struct.pack("<HHHd", r, c, 15, float(v))))
    height = dimensions[0] if dimensions else len(rows)
    width = dimensions[1] if dimensions else max((len(r) for r in rows), default=0)
    sheet_stream = (_rec(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0x0DBB, 0x07CC, 0, 0))
                    + _rec(0x0200, struct.pack("<IIHHH", 0, height, 0, width, 0))
                    + b"".join(cells) + _rec(0x000A, b""))
    # 15 style XFs and 1 cell XF (format 0, "General") at index 15, one date XF at 16.
    xfs = b"".join(_rec(0x00E0, struct.pack("<HHHBBBBIIH", 0, 0, 0xFFF5, 0x20, 0, 0, 0, 0, 0, 0x20C0))
                   for _ in range(15))
    xfs += _rec(0x00E0, struct.pack("<HHHBBBBIIH", 0, 0, 0x0001, 0x20, 0, 0, 0, 0, 0, 0x20C0))
    xfs += _rec(0x00E0, struct.pack("<HHHBBBBIIH", 0, 14, 0x0001, 0x20, 0, 0, 0, 0, 0, 0x20C0))
    name = sheet.encode("utf-16-le")

    def globals_(pos: int) -> bytes:
        return (_rec(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0))
                + (_rec(0x002F, struct.pack("<HHH", 1, 1, 1) + bytes(48)) if filepass else b"")
                + _rec(0x0042, struct.pack("<H", 1200))
                + xfs
                + _rec(0x0085, struct.pack("<IBBBB", pos, 0, 0, len(sheet), 1) + name)
                + _rec(0x000A, b""))

    head = globals_(0)
    workbook = globals_(len(head)) + sheet_stream
    return ole2_bytes({"Workbook": workbook})


def xls_huge_dimensions() -> bytes:
    """A tiny .xls whose DIMENSIONS record claims 4 billion rows by 65535 columns
    (python-calamine reserves memory for that many cells and aborts)."""
    data = xls_bytes([["姓名"], ["张三"]])
    marker = struct.pack("<HH", 0x0200, 14) + struct.pack("<IIHHH", 0, 2, 0, 1, 0)
    assert marker in data
    return data.replace(marker, struct.pack("<HH", 0x0200, 14)
                        + struct.pack("<IIHHH", 0, 0xFFFFFFF0, 0, 0xFFFF, 0))


# ---------------------------------------------------------------------------- ods

_ODS_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
           'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
           'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"')
_ODS_MIME = "application/vnd.oasis.opendocument.spreadsheet"


def _ods_cell(v: Any) -> str:
    if v is None:
        return "<table:table-cell/>"
    if isinstance(v, bool):
        return (f'<table:table-cell office:value-type="boolean" office:boolean-value='
                f'"{str(v).lower()}"><text:p>{v}</text:p></table:table-cell>')
    if isinstance(v, int | float):
        return (f'<table:table-cell office:value-type="float" office:value="{v}">'
                f"<text:p>{v}</text:p></table:table-cell>")
    if isinstance(v, dt.date):
        return (f'<table:table-cell office:value-type="date" office:date-value="{v.isoformat()}">'
                f"<text:p>{v.isoformat()}</text:p></table:table-cell>")
    return f'<table:table-cell office:value-type="string"><text:p>{escape(str(v))}</text:p></table:table-cell>'


def _ods_zip(content: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mimetype", _ODS_MIME, compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/manifest.xml",
                   '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
                   '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                   f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{_ODS_MIME}"/>'
                   '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type='
                   '"text/xml"/></manifest:manifest>', compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def ods_bytes(rows: Rows, *, sheet: str = "花名册") -> bytes:
    """A minimal OpenDocument spreadsheet (as LibreOffice saves, less the styles)."""
    body = "".join("<table:table-row>" + "".join(_ods_cell(v) for v in row) + "</table:table-row>"
                   for row in rows)
    return _ods_zip(f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODS_NS}>'
                    f'<office:body><office:spreadsheet><table:table table:name="{escape(sheet)}">'
                    f"{body}</table:table></office:spreadsheet></office:body>"
                    "</office:document-content>")


def ods_repeat_bomb(rows: int = 1_000_000, cols: int = 1000) -> bytes:
    """An .ods of a few hundred bytes whose one filled cell is repeated ``cols``
    times across a row that is itself repeated ``rows`` times."""
    return _ods_zip(
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODS_NS}><office:body>'
        '<office:spreadsheet><table:table table:name="S"><table:table-row><table:table-cell '
        'office:value-type="string"><text:p>姓名</text:p></table:table-cell></table:table-row>'
        f'<table:table-row table:number-rows-repeated="{rows}"><table:table-cell '
        f'table:number-columns-repeated="{cols}" office:value-type="string"><text:p>x</text:p>'
        "</table:table-cell></table:table-row></table:table></office:spreadsheet></office:body>"
        "</office:document-content>")


# -------------------------------------------------------------------- not sheets


def pdf_bytes() -> bytes:
    """A one-page PDF (what a worker gets when they "print to PDF" the roster)."""
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")


def png_bytes() -> bytes:
    """A 1x1 PNG (a photo of the roster)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\0\xff\xff\xff")) + chunk(b"IEND", b""))


def html_table_xls() -> bytes:
    """A web page saved as "roster.xls" (many government systems export these)."""
    return ('<html><head><meta charset="utf-8"></head><body><table><tr><td>姓名</td>'
            "<td>身份证号</td></tr><tr><td>张三</td><td>110101199003071234</td></tr></table>"
            "</body></html>").encode()


# ------------------------------------------------------------------ messy roster

#: Index (0-based, in ``messy_roster()``) of the leaf header row and of rows that
#: hold data, blanks and the totals row. Excel row numbers are these + 1.
MESSY_HEADER = 3
MESSY_DATA = (4, 5, 7, 8, 9)
MESSY_BLANK = (1, 6, 10)
MESSY_TOTAL = 11


def messy_roster() -> list[list[Any]]:
    """Rows of a roster as grid workers type them (13 columns).

    * row 0: a title "XX社区第一网格人口花名册" (merged across A:M in the xlsx);
    * row 1: blank;
    * rows 2-3: a two-row header: "序号", "姓 名", "公民身份号码（必填）", … and a group
      cell "住址" over "楼栋 / 单元 / 房号", which are in row 3 (MESSY_HEADER);
      a second "电话" column ("备用电话") that must stay unmapped;
    * rows 4-5, 7-9: data, with full-width digits, padding inside a two-character
      name, a lower-case x, a 15-digit ID, an ID stored as a number (float), dates
      as Excel date, "2023/5/1", "2023.5.1", "1990年3月7日", ethnicity aliases;
    * row 6 and row 10: blank; row 11: "合计" totals row.
    """
    return [
        ["XX社区第一网格人口花名册"] + [None] * 12,
        [None] * 13,
        ["序号", "姓 名", "公民身份号码（必填）", "性别", "民族", "出生日期", "住址", None, None,
         "联系电话", "备用电话", "与户主关系", "备注"],
        [None, None, None, None, None, None, "楼栋", "单元", "房号", None, None, None, None],
        [1, "张  伟", "110101199003071234", "男", "汉", dt.date(1990, 3, 7), "3", "2", "302",
         "13800138000", "13900139000", "户主", None],
        [2, "李娜", "11010119920815122x", "女", "汉族", "1992/8/15", "3栋", "2单元", "302室",
         "１３８００１３８００１", None, "配偶", "新迁入"],
        [None] * 13,
        [3, "阿依古丽·买买提", "650102198501011229", "女", "维族", "1985.1.1", 5, 1, 101,
         "0991-1234567", None, "户主", None],
        [4, "王小明", 110101200501011234.0, "男", "回", "2005年1月1日", 5, 1, 101, None, None,
         "子", "身份证号存成了数字"],
        [5, "赵  六", "110101500101123", "男", None, 18264, "6", "1", "201", "13700137000",
         None, "本人", "15位老身份证"],
        [None] * 13,
        ["合计", None, None, None, None, None, None, None, None, None, None, None, "5人"],
    ]


#: Merged areas of the messy roster, as ``xlsx_bytes(merges=...)`` expects.
MESSY_MERGES = ((0, 0, 0, 12), (2, 6, 2, 8), (2, 0, 3, 0), (2, 1, 3, 1), (2, 2, 3, 2),
                (2, 3, 3, 3), (2, 4, 3, 4), (2, 5, 3, 5), (2, 9, 3, 9), (2, 10, 3, 10),
                (2, 11, 3, 11), (2, 12, 3, 12))


def messy_roster_xlsx() -> bytes:
    """``messy_roster()`` as .xlsx, with the title merged across and the header
    cells merged the way Excel users do (group "住址" across three columns, the
    other header cells across both header rows)."""
    return xlsx_bytes(messy_roster(), merges=MESSY_MERGES)
