"""OLE2 containers (.xls, password-protected .xlsx) checked before calamine reads them."""

from __future__ import annotations

import struct
from collections.abc import Iterator

from django.utils.translation import gettext_lazy as _

from jiayuan.sheets.importing.read.base import (
    _check_area,
    _check_cells,
    _damaged,
    _not_sheet,
    _password,
)

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
        _check_cells(max_row, max_col)


def _records(stream: bytes, pos: int) -> Iterator[tuple[int, bytes]]:
    """BIFF records from ``pos`` up to and including the next EOF record."""
    while pos + 4 <= len(stream):
        typ, length = struct.unpack_from("<HH", stream, pos)
        body = stream[pos + 4:pos + 4 + length]
        pos += 4 + length
        yield typ, body
        if typ == 0x000A:
            return
