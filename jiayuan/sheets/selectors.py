"""Reads of import batches: the batches an account sees, one batch (the one
access call of a view), the header of its sheet, and the rows-to-fix file, which
discloses whole ID and phone numbers and so records its own audit entry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from jiayuan.core import audit
from jiayuan.core.access import get_for
from jiayuan.core.models import AuditAction, User
from jiayuan.core.roles import Perm
from jiayuan.core.scope import filter_by_grid
from jiayuan.registry.services import reveal_perm
from jiayuan.sheets import importing
from jiayuan.sheets.columns import FIELDS, header_cells
from jiayuan.sheets.importing.read import Sheet, SheetError
from jiayuan.sheets.models import BatchStatus, CheckState, ImportBatch, ImportCheckRow
from jiayuan.sheets.report import TEXT_FIELDS, error_report, not_imported_report


def batches_for(actor: User) -> QuerySet[ImportBatch]:
    """The batches of the account's community and grids (none for an account
    of no community: every batch belongs to one)."""
    if actor.community_id is None:
        return ImportBatch.objects.none()
    return filter_by_grid(ImportBatch.objects.filter(community_id=actor.community_id), actor) \
        .select_related("grid", "created_by", "undone_by")


def get_batch_for(actor: User, pk: Any, *, perm: Perm = Perm.IMPORT_ROSTER) -> ImportBatch:
    """The batch, or 403 (no ``perm``) / 404 (not of the account's grids), audited."""
    return get_for(actor, perm, batches_for(actor), pk)


def mapping_of(batch: ImportBatch) -> dict[int, str]:
    """The batch's column mapping: column index -> field key."""
    return {int(i): key for i, key in batch.mapping.items()
            if str(i).isdigit() and key in FIELDS}


def raw_header(sheet: Sheet, batch: ImportBatch) -> list[Any]:
    if not 0 < batch.header_row <= len(sheet.rows):
        return []
    return header_cells(sheet.rows, batch.header_row - 1)


def header_labels(sheet: Sheet, batch: ImportBatch) -> list[str]:
    cells = raw_header(sheet, batch)
    return [str(importing.column_label(cells, i)) for i in range(len(cells))]


@dataclass
class RowsToFix:
    data: bytes
    rows: int


def check_rows(batch: ImportBatch, outcome: str | None = None) -> QuerySet[ImportCheckRow]:
    """The stored dry run's rows (all, or those of one outcome), in file order."""
    rows = ImportCheckRow.objects.filter(batch=batch)
    return rows.filter(outcome=outcome) if outcome else rows.order_by("seq")


def possible_duplicates(batch: ImportBatch) -> QuerySet[ImportCheckRow]:
    """The rows offered for ticking: possible duplicates, and those already ticked
    (imported as new, their note kept)."""
    return ImportCheckRow.objects.filter(
        Q(outcome=importing.DUPLICATE)
        | Q(outcome=importing.NEW, ref__in=batch.accepted or [-1])
        & (~Q(note="") | Q(note_msg__isnull=False))
    ).filter(batch=batch).order_by("seq")


def masked_fields(actor: User) -> frozenset[str]:
    """The identifier columns of a rows-to-fix file written masked for `actor`:
    those it may not reveal whole on the person page (REVEAL_ID_NUMBER,
    REVEAL_PHONE; a grid worker gets ID numbers masked)."""
    return frozenset(field for field in TEXT_FIELDS
                     if (perm := reveal_perm(field)) is None or not actor.has(perm))


def rows_to_fix(actor: User, batch: ImportBatch) -> RowsToFix:
    """The rows to fix as .xlsx: the stored dry run's before the import, the rows
    it left out after, their cells read from the stored file. The rows are as
    typed, whole ID and phone numbers included for an account that may reveal
    them (else masked: `masked_fields`), so the file is recorded as an export
    (the caller asks for a fresh confirmation first). Raises SheetError when
    the file cannot be read again or the check has no result yet. An undone
    batch has none (the caller says so)."""
    masked = masked_fields(actor)
    if batch.status == BatchStatus.DRAFT and batch.check_state == CheckState.NONE:
        # Never checked (a batch made by a script, or from before checks were
        # stored): check it here, keeping nothing.
        report = importing.check(actor=actor, batch=batch)
        result = RowsToFix(error_report(report, masked), sum(1 for _r in report.problems()))
    else:
        if batch.status == BatchStatus.DRAFT:
            if batch.check_state == CheckState.FAILED:
                raise SheetError(batch.check_error_text(), "check_failed")
            if batch.check_state != CheckState.DONE:
                raise SheetError(_("The file is still being checked: download the rows to "
                                   "fix once the check has finished."), "not_checked")
            entries = [{"sheet": r.sheet, "row": r.number, "outcome": r.outcome,
                        "problems": r.problems, "note": r.stored_note()} for r in
                       check_rows(batch).filter(outcome__in=(importing.REJECTED,
                                                             importing.DUPLICATE))]
        else:
            entries = batch.not_imported
        sheets = importing.sheets_of(batch)
        result = RowsToFix(not_imported_report(header_labels(sheets[0][0], batch),
                                               mapping_of(batch), entries, sheets, masked),
                           len(entries))
    audit.record(AuditAction.EXPORT, actor=actor, obj=batch,
                 changes={"file": batch.filename, "report": "rows to fix", "rows": result.rows})
    return result
