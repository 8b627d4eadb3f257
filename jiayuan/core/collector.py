"""Fewer garbage collections while one job builds many objects at once.

Python's cyclic collector runs every 700 allocations, and every hundredth run scans
every object alive. A roster import holds hundreds of thousands of rows and values
while it reads, plans and writes, so those full scans went over all of them again
and again (20,000 rows: 0.5 s of a 3.9 s import, 0.4 s of a 1.6 s re-import;
bench/imports.py, docs/scale.md). Inside ``fewer_collections()`` the young
generations are still collected, only after more allocations (GEN0 instead of
700), and the full scan waits until the block ends (OLDEST): garbage with cycles
is still collected, the little that outlives the young collections later. The
thresholds are the process's, so they are set by the first job in and given back
by the last one out.

    with fewer_collections():
        ...
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: Allocations between the youngest generation's collections inside the block
#: (Python's default is 700), and the middle generation's collections between
#: full ones (default 10: a full scan every 10 × 10 × 700 allocations at most).
GEN0 = 50_000
OLDEST = 100_000

_lock = threading.Lock()
_inside = 0
_saved: tuple[int, ...] = ()


@contextmanager
def fewer_collections() -> Iterator[None]:
    global _inside, _saved
    with _lock:
        if _inside == 0:
            _saved = gc.get_threshold()
            gc.set_threshold(max(GEN0, _saved[0]), _saved[1], max(OLDEST, _saved[2]))
        _inside += 1
    try:
        yield
    finally:
        with _lock:
            _inside -= 1
            if _inside == 0:
                gc.set_threshold(*_saved)


def between_stages() -> None:
    """One full collection now, where a job has just let go of what a stage
    held (the import's cells once planned): inside ``fewer_collections`` that
    garbage would otherwise wait for the block's end, and the next stage's
    allocations take new memory instead of reusing it (a 100,000-row re-import
    peaked 11 MB higher without it)."""
    gc.collect()
