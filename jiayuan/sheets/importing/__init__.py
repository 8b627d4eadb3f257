"""Roster import in two steps: check (a dry run that writes nothing), then commit.

    start(actor, grid, data, filename)  -> ImportBatch (file stored, header found,
                                           columns mapped; nothing else written)
    check(actor, batch)                 -> Report: every row's outcome and problems
    check_request(actor, batch)         -> the batch, its check stored (checked now,
                                           or queued for the background: `checking`)
    commit(actor, batch)                -> Report, after writing in one transaction
    commit_request(actor, batch)        -> the Import button: commits now, or queues
                                           a large batch for the background (`committing`)
    undo(actor, batch)                  -> removes what the batch wrote, unless a
                                           later edit touched it (UndoBlocked)

Commit runs the same plan as the check, inside the transaction and under the
import's own lock (core.locks), so two imports at once are serialised and the second sees the
first's people (the unique ID-number hash is the last line of defence). A row
is one person. Rows are grouped into households by dwelling (and 户号 where the
file has one); a new household needs exactly one head row. People are matched
to the registry by the keyed hash of their ID number; without one, the same
name and birth date (and phone, when both have one) in the same household is
the same person, and elsewhere a *possible duplicate* that is imported only
when the worker accepts it. An import never moves people between households
and never erases a value: a blank cell leaves the registry as it is.

The stages, one module each: ``read`` (the file, checked as hostile input),
``normalise`` (each cell per field kind), ``upload`` (the batch and its sheets),
``row_checks`` and ``plan`` (the plan), ``write`` (commit), ``undo``; ``outcomes``
holds what they report and ``status`` the batch's allowed status changes. Callers
use the names below.
"""

from jiayuan.sheets.importing.checking import check_request, check_size
from jiayuan.sheets.importing.committing import PENDING, commit_request
from jiayuan.sheets.importing.outcomes import (
    DUPLICATE,
    NEW,
    OUTCOMES,
    REJECTED,
    UNCHANGED,
    UPDATED,
    ImportFailed,
    Report,
    RowResult,
    UndoBlocked,
)
from jiayuan.sheets.importing.plan import check
from jiayuan.sheets.importing.read import SheetError
from jiayuan.sheets.importing.undo import undo
from jiayuan.sheets.importing.upload import (
    book_entry,
    choose_sheets,
    chosen_sheets,
    column_label,
    sample_values,
    sheet_list,
    sheet_of,
    sheets_of,
    start,
)
from jiayuan.sheets.importing.write import commit

__all__ = [
    "PENDING", "DUPLICATE", "NEW", "OUTCOMES", "REJECTED", "UNCHANGED", "UPDATED", "ImportFailed",
    "Report", "RowResult", "SheetError", "UndoBlocked", "book_entry", "check", "check_request",
    "check_size", "choose_sheets",
    "chosen_sheets", "column_label", "commit", "commit_request", "sample_values", "sheet_list", "sheet_of", "sheets_of", "start",
    "undo",
]  # fmt: skip
