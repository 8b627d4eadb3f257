"""The parsed rows of an upload, stored in place of the file, so that the file is
read (and checked as hostile input) once.

    Store(wanted)                the sink `survey` fills while it reads: each sheet
                                 whose first rows ``wanted(rows)`` accepts (the
                                 upload: it has a header row) is kept whole
    store.value()                the stored form (bytes), saved as the batch's file
    is_stored(data)              a stored form, not an uploaded file (batches
                                 uploaded before are read from their file, as before)
    read_stored(data, names, …)  the sheets called ``names``, as `read_sheets`
                                 gives them (``keep``, the row limit, the same
                                 SheetErrors)

The form: a magic line, one JSON line naming each sheet (name, kind, visibility,
csv encoding, blank rows above the first row given, and the byte length of its
section), then each sheet's section: zlib-compressed JSON lines of up to
``LINE_ROWS`` rows each. Cells are JSON values; a date, datetime or time is
``{"d"|"dt"|"t": ISO text}`` (the reader gives no other objects, and no dict).
JSON, not pickle: the stored bytes are loaded without running code. About 1 MB
per 20,000 rows × 16 columns; a sheet is loaded one line at a time, keeping
only the cells ``keep`` keeps, so memory stays what the reader's would be.
"""

from __future__ import annotations

import datetime as dt
import json
import zlib
from collections.abc import Callable, Iterator
from typing import Any

from jiayuan.sheets.columns import is_blank
from jiayuan.sheets.importing.read.base import Cell, Keep, Sheet, _damaged, _no_sheet, keep_cells

MAGIC = b"JIAYUAN-ROWS 1\n"
LINE_ROWS = 1000  # rows per JSON line
SHARED_LENGTH = 12  # as the reader: short texts repeat row after row, kept once
_CHUNK = 256 * 1024
#: The row of a sheet read with ``only`` whose cells are not wanted: one empty list
#: for them all (read-only), not one each (100,000 rows: about 7 MB).
LEFT_OUT: list[Cell] = []


def is_stored(data: bytes) -> bool:
    return data.startswith(MAGIC)


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, dt.date):
        return {"d": value.isoformat()}
    if isinstance(value, dt.time):
        return {"t": value.isoformat()}
    if isinstance(value, dt.timedelta):  # as the reader gives durations: float days
        return value.total_seconds() / 86400
    raise TypeError(type(value).__name__)


class Store:
    """Collects the sheets `survey` reads (see read.survey's ``sink``)."""

    def __init__(self, wanted: Callable[[list[list[Cell]]], bool]) -> None:
        self.wanted = wanted
        self.sheets: list[dict[str, Any]] = []
        self.sections: list[bytes] = []
        self._dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"),
                                       default=_encode).encode

    def sheet(self, *, name: str, kind: str, visible: bool, encoding: str,
              head: list[list[Cell]]) -> Callable[[list[Cell]], None] | None:
        """A sheet begins; ``head`` are its first rows. Returns the function that
        takes each further row (None: the sheet is not kept)."""
        if not self.wanted(head):
            return None
        self._end()
        self.sheets.append({"name": name, "kind": kind, "visible": visible,
                            "encoding": encoding, "offset": 0})
        # Level 1: a third of level 6's time at upload for a quarter more bytes
        # (100k rows: about 5 MB instead of 4 MB); reading back costs the same.
        self._zip = zlib.compressobj(1)
        self._parts: list[bytes] = []
        self._rows: list[list[Cell]] = []
        for row in head:
            self._add(row)
        return self._add

    def _add(self, row: list[Cell]) -> None:
        self._rows.append(row)
        if len(self._rows) >= LINE_ROWS:
            self._flush()

    def _flush(self) -> None:
        if self._rows:
            line = self._dumps(self._rows).encode() + b"\n"
            self._parts.append(self._zip.compress(line))
            self._rows = []

    def offset(self, blank_rows: int) -> None:
        """The reader found ``blank_rows`` more blank rows above the first it gave."""
        self.sheets[-1]["offset"] = blank_rows

    def _end(self) -> None:
        if len(self.sections) < len(self.sheets):
            self._flush()
            self._parts.append(self._zip.flush())
            self.sections.append(b"".join(self._parts))
            self.sheets[-1]["size"] = len(self.sections[-1])
            self._parts = []

    def value(self) -> bytes:
        self._end()
        index = json.dumps({"sheets": self.sheets}, ensure_ascii=False).encode()
        return b"".join([MAGIC, index, b"\n", *self.sections])


def _lines(section: bytes | memoryview) -> Iterator[bytes]:
    unzip = zlib.decompressobj()
    rest = b""
    for start in range(0, len(section), _CHUNK):
        rest += unzip.decompress(section[start:start + _CHUNK])
        *lines, rest = rest.split(b"\n")
        yield from lines
    rest += unzip.flush()
    yield from (line for line in rest.split(b"\n") if line)


def read_stored(data: bytes, names: list[str], *, max_rows: int,
                keep: list[Keep] | None = None,
                only: list[frozenset[int]] | None = None) -> list[Sheet]:
    """The sheets called ``names`` of a stored form, as `read.read_sheets` gives
    them from the file (raises its SheetErrors: no_sheet, too_many_rows).
    ``only``: per sheet, the row numbers (1-based) whose cells are wanted; the
    other rows are left empty (the sheet keeps its length and row numbers)."""
    from jiayuan.sheets.importing.read.workbook import _too_many_rows

    try:
        end = data.index(b"\n", len(MAGIC))
        index = json.loads(data[len(MAGIC):end])["sheets"]
        starts, at = {}, end + 1
        for entry in index:
            starts[entry["name"]] = (entry, at)
            at += entry["size"]
    except (ValueError, KeyError, TypeError) as exc:
        raise _damaged(type(exc).__name__) from exc
    shared: dict[Any, Any] = {}

    def decode(obj: dict[str, str]) -> Cell:
        if "d" in obj:
            value: Cell = dt.date.fromisoformat(obj["d"])
        elif "dt" in obj:
            value = dt.datetime.fromisoformat(obj["dt"])
        else:
            value = dt.time.fromisoformat(obj["t"])
        return shared.setdefault(value, value)

    out, filled = [], 0
    for i, name in enumerate(names):
        if name not in starts:
            raise _no_sheet(name)
        entry, at = starts[name]
        rows: list[list[Cell]] = [[] for _ in range(entry["offset"])]
        held = keep[i] if keep else None
        wanted = only[i] if only is not None else None
        # A view, not a copy of the section (100,000 rows: 5 MB).
        for line in _lines(memoryview(data)[at:at + entry["size"]]):
            for row in json.loads(line, object_hook=decode):
                if wanted is not None and len(rows) + 1 not in wanted:
                    # Counted as the whole sheet's would be (a kept row is blank
                    # exactly when the row is), its cells not kept.
                    if not is_blank(row):
                        filled += 1
                    if filled <= max_rows:
                        rows.append(LEFT_OUT)
                    continue
                if held is not None and len(rows) >= held.head:
                    row = keep_cells(held, lambda r=row: r, row.__getitem__, len(row), row)
                row = [shared.setdefault(c, c) if c.__class__ is str and len(c) <= SHARED_LENGTH
                       else c for c in row]
                if not is_blank(row):
                    filled += 1
                if filled <= max_rows:
                    rows.append(row)
        while rows and is_blank(rows[-1]):
            rows.pop()
        out.append(Sheet(name=name, rows=rows, kind=entry["kind"], visible=entry["visible"],
                         encoding=entry["encoding"]))
    if filled > max_rows:
        raise _too_many_rows(filled, max_rows)
    return out
