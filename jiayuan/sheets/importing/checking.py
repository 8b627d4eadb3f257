"""The stored check: a draft's dry run made once (per upload, sheet choice and
mapping) and kept, so that the check page never reads the file again.

    check_request(actor, batch)   ask for the check: a file of at most
                                  IMPORT_BACKGROUND_ROWS rows is checked at once;
                                  a larger one is queued for `manage.py tick`
                                  (jiayuan/sheets/jobs.py), which runs it with its
                                  progress (rows read) on the batch
    forget(batch)                 the inputs changed: drop the stored result

The check itself is `plan._Planner`, as before; it reads only and runs outside
any transaction (a long check must not hold the audit lock that every write
takes). Its result — the counts, what the page shows besides the rows, and one
ImportCheckRow per row — is stored in one short transaction of its own, and
only if nobody asked for another check meanwhile (the start time is the claim).
Like the dry run it replaces, a check writes nothing to the registry and is not
an audit entry of its own: the upload's file is where its rows come from, and
the import and the rows-to-fix download are audited. A background check runs
as the account that asked for it, in its language and within its grids as they
are when the check runs.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from jiayuan.core import audit
from jiayuan.core.bulk import insert_dicts
from jiayuan.core.collector import fewer_collections
from jiayuan.core.models import User
from jiayuan.sheets import messages
from jiayuan.sheets.importing import status
from jiayuan.sheets.importing.outcomes import Report
from jiayuan.sheets.importing.plan import _Planner
from jiayuan.sheets.importing.read import SheetError
from jiayuan.sheets.importing.upload import _scoped_batch, chosen_sheets, sheets_of
from jiayuan.sheets.models import CheckState, ImportBatch, ImportCheckRow

logger = logging.getLogger(__name__)

#: Rows read between two progress writes.
PROGRESS_EVERY = 2000


def check_size(batch: ImportBatch) -> int:
    """About how many rows the check reads: the rows below the header of each
    sheet chosen (totals rows included), as the upload counted them."""
    book = {e["name"]: e for e in batch.book or ()}
    return sum(int(book.get(name, {}).get("rows") or 0) for name, _row in chosen_sheets(batch))


def forget(batch: ImportBatch) -> list[str]:
    """Drop the stored check (its inputs changed); returns the fields changed, for
    the caller's ``save(update_fields=…)``. Called inside the caller's service."""
    ImportCheckRow.objects.filter(batch=batch).delete()
    batch.check_state = CheckState.NONE
    batch.check_counts, batch.check_summary, batch.check_error = {}, {}, ""
    batch.check_error_msg = None
    batch.check_done = 0
    return ["check_state", "check_counts", "check_summary", "check_error", "check_error_msg",
            "check_done"]


@audit.audited
def _queue(*, actor: User, batch: ImportBatch, again: bool, now: datetime) -> ImportBatch:
    _scoped_batch(actor, batch)
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    try:
        status.check_draft(batch)
    except status.StatusRefused:
        return batch  # an imported batch shows what the import did, not a check
    if batch.check_state in (CheckState.QUEUED, CheckState.RUNNING) or (
            batch.check_state == CheckState.DONE and not again):
        return batch
    fields = forget(batch)
    total = check_size(batch)
    background = total > settings.IMPORT_BACKGROUND_ROWS
    batch.check_state = CheckState.QUEUED if background else CheckState.RUNNING
    batch.check_requested_by = actor
    batch.check_language = translation.get_language() or settings.LANGUAGE_CODE
    batch.check_total = total
    batch.check_started_at = None if background else now
    batch.check_finished_at = None
    batch.save(update_fields=[*fields, "check_state", "check_requested_by", "check_language",
                              "check_total", "check_started_at", "check_finished_at"])
    return batch


def check_request(*, actor: User, batch: ImportBatch, again: bool = False,
                  now: datetime | None = None) -> ImportBatch:
    """Ask for the batch's check (``again``: even if it has a result, as after a
    failure or when the registry may have changed). A file of at most
    IMPORT_BACKGROUND_ROWS rows is checked now, in this request; a larger one is
    queued for the background. A check already waiting or running is left to
    finish. Returns the batch as it is afterwards (``check_state``)."""
    now = now or timezone.now()
    batch = _queue(actor=actor, batch=batch, again=again, now=now)
    if batch.check_state == CheckState.RUNNING and batch.check_started_at == now:
        run_check(batch, now=now)
        batch.refresh_from_db()
    return batch


def _progress(pk: int, started: datetime | None) -> Callable[[int], None]:
    def report(done: int) -> None:
        if done % PROGRESS_EVERY == 0:
            ImportBatch.objects.filter(pk=pk, check_state=CheckState.RUNNING,
                                       check_started_at=started).update(check_done=done)
    return report


@fewer_collections()
def run_check(batch: ImportBatch, *, now: datetime, by_tick: bool = False) -> bool:
    """Run a claimed check (state RUNNING, started at ``batch.check_started_at``)
    and store its result; False if it failed (the reason is on the batch, a
    stored message shown in the reader's language). An unexpected error is stored as a failure and raised."""
    actor = batch.check_requested_by
    with translation.override(batch.check_language or None):
        try:
            if actor is None or not actor.is_active:
                raise PermissionDenied
            planner = _Planner(actor, batch, sheets_of(batch, mapped_only=True))
            planner.reread = lambda only: sheets_of(batch, mapped_only=True, only=only)
            planner.progress = _progress(batch.pk, batch.check_started_at)
            report = planner.plan()
            planner.release_cells()
        except SheetError as exc:
            _fail(batch, now, exc.message, by_tick=by_tick)
            return False
        except (PermissionDenied, Http404):
            _fail(batch, now, _("The account that asked for this check may no longer import "
                                "into this grid."), by_tick=by_tick)
            return False
        except Exception as exc:
            logger.exception("import check of batch %s failed", batch.pk)
            _fail(batch, now, _("Something went wrong while checking the file; the error is "
                                "in the station's log. Try again, or ask the administrator."),
                  by_tick=by_tick, detail=exc.__class__.__name__)
            raise
        return _store(batch, report, now, by_tick=by_tick)


def _claimed(batch: ImportBatch) -> QuerySet[ImportBatch]:
    """The batch, if this check is still the one asked for (none otherwise)."""
    return ImportBatch.objects.filter(pk=batch.pk, check_state=CheckState.RUNNING,
                                      check_started_at=batch.check_started_at)


def _store(batch: ImportBatch, report: Report, now: datetime, *, by_tick: bool) -> bool:
    summary = {"total": len(report.rows), "notices": [messages.encode(n) for n in report.notices],
               "sheets": report.sheets}
    with transaction.atomic():
        if not _claimed(batch).update(
                check_state=CheckState.DONE, check_counts=report.counts, check_summary=summary,
                check_done=len(report.rows), check_finished_at=now, check_error="",
                check_error_msg=None):
            return False  # asked again meanwhile (another sheet, another mapping)
        ImportCheckRow.objects.filter(batch=batch).delete()
        # Plain rows (COPY on PostgreSQL, jiayuan.core.bulk), as many as the file's.
        insert_dicts(ImportCheckRow, ({
            "batch_id": batch.pk, "seq": seq, "ref": r.ref, "number": r.number,
            "sheet": r.sheet[:100], "outcome": r.outcome, "name": r.name, "dwelling": r.dwelling,
            "note_msg": json.dumps(messages.encode(r.note)) if r.note else None,
            "problems": json.dumps([{"column": messages.encode(p.column),
                                     "reason": messages.encode(p.reason)} for p in r.problems])}
            for seq, r in enumerate(report.rows)))
    return True


def _fail(batch: ImportBatch, now: datetime, message: Any, *, by_tick: bool,
          detail: str = "") -> None:
    """Store why the check failed as a message (rendered in the reader's language)."""
    if _claimed(batch).update(check_state=CheckState.FAILED, check_error="",
                              check_error_msg=messages.encode(message),
                              check_finished_at=now):
        logger.warning("import check of batch %s failed%s: %s", batch.pk,
                       " (tick)" if by_tick else "", detail or str(message)[:200])
