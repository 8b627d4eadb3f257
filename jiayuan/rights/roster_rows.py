"""What a roster batch keeps of its file's cells, and forgetting it.

An uploaded roster (sheets.ImportBatch) keeps, besides its file, copies of some
of the file's cells: the stored check's rows (ImportCheckRow: each row's name,
dwelling, note and problems), the check's summary (its notices), a sample
value of each column (the `book`'s "samples", shown by the column mapping)
and the names of the rows the import left out (`not_imported`). When the file
goes (retention, erasure), these go with it; the batch keeps its counts, its
sheets' names and headers, and the row numbers and reasons of what was left
out.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from jiayuan.sheets.importing import checking
from jiayuan.sheets.models import CheckState, ImportBatch, ImportCheckRow


def _blank_book(book: Any) -> Any:
    if not isinstance(book, list):
        return book
    return [{**e, "samples": []} if isinstance(e, dict) and e.get("samples") else e
            for e in book]


def _blank_not_imported(rows: Any) -> Any:
    if not isinstance(rows, list):
        return rows
    return [{**r, "name": ""} if isinstance(r, dict) and r.get("name") else r for r in rows]


def holds_cells(batch: ImportBatch) -> bool:
    """Whether the batch still keeps cell values besides its file and check
    rows (a stored check, samples, names of rows left out)."""
    return (_blank_book(batch.book) != batch.book or batch.check_state != CheckState.NONE
            or bool(batch.check_summary)
            or _blank_not_imported(batch.not_imported) != batch.not_imported)


def forget_cells(batch_ids: Iterable[int]) -> int:
    """Forget the batches' stored checks (their rows, summary and state: as
    sheets' `checking.forget`, so a check still running stores nothing) and
    blank the cell values they keep; their counts stay. Returns the check rows
    deleted. Inside the caller's transaction."""
    ids = list(batch_ids)
    deleted = ImportCheckRow.objects.filter(batch_id__in=ids).count()
    for batch in ImportBatch.objects.select_for_update().filter(pk__in=ids).order_by("pk"):
        fields = checking.forget(batch)
        batch.book = _blank_book(batch.book)
        batch.not_imported = _blank_not_imported(batch.not_imported)
        batch.save(update_fields=[*fields, "book", "not_imported"])
    return deleted
