"""The import of a large file, in the background.

    commit_request(actor, batch, accepted)  the Import button: a batch of at most
                                  IMPORT_BACKGROUND_ROWS checked rows is imported
                                  now (`write.commit`, in the request, as before);
                                  a larger one is queued for `manage.py tick`
                                  (jiayuan/sheets/jobs.py, `import_commits`)
    run_commit(batch, now)        the job: the same `write.commit`, as the account
                                  that pressed Import, in its language

Queueing is idempotent: a batch already waiting or being imported is left as
it is (a second press, a double click). The ticked possible duplicates are
saved on the batch when it is queued, and the job imports with those. The job
runs `write.commit` exactly as the request would, so the permission and scope
checks are made again with that account when it runs (one that may no longer
import into the grid fails the import, nothing written), the import is one
transaction, and its audit entry names that account, not the scheduler. A
failure is stored as a message (jiayuan.sheets.messages), shown in the reader's
language; pressing Import again queues it again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from jiayuan.core import audit
from jiayuan.core.models import User
from jiayuan.sheets import messages
from jiayuan.sheets.importing import status
from jiayuan.sheets.importing.checking import check_size
from jiayuan.sheets.importing.outcomes import ImportFailed, Report
from jiayuan.sheets.importing.read import SheetError
from jiayuan.sheets.importing.upload import _scoped_batch
from jiayuan.sheets.importing.write import commit
from jiayuan.sheets.models import BatchStatus, CheckState, CommitState, ImportBatch

logger = logging.getLogger(__name__)

#: The states in which the import is under way (the draft must not change).
PENDING = (CommitState.QUEUED, CommitState.RUNNING)


@dataclass(frozen=True)
class Requested:
    """What the Import button did: ``report`` when it imported now, else the batch
    was queued (``batch.commit_state``)."""

    batch: ImportBatch
    report: Report | None


def commit_size(batch: ImportBatch) -> int:
    """The rows the import would go through: the stored check's, else the upload's count."""
    if batch.check_state == CheckState.DONE:
        return int((batch.check_summary or {}).get("total") or 0)
    return check_size(batch)


def commit_request(*, actor: User, batch: ImportBatch, accepted: list[int] | None = None,
                   now: datetime | None = None) -> Requested:
    """Import the batch now, or queue it when it has more than IMPORT_BACKGROUND_ROWS
    rows (ImportFailed when it cannot be imported at all, nothing written)."""
    now = now or timezone.now()
    if batch.commit_state not in PENDING and commit_size(batch) <= settings.IMPORT_BACKGROUND_ROWS:
        return Requested(batch, commit(actor=actor, batch=batch, accepted=accepted))
    return Requested(_queue(actor=actor, batch=batch, accepted=accepted, now=now), None)


@audit.audited
def _queue(*, actor: User, batch: ImportBatch, accepted: list[int] | None,
           now: datetime) -> ImportBatch:
    _scoped_batch(actor, batch)
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    try:
        status.check_move(batch, BatchStatus.COMMITTED)
    except status.StatusRefused as exc:
        raise ImportFailed(exc.message, exc.code) from exc
    if batch.commit_state in PENDING:
        return batch  # asked already: one import, whoever pressed again
    if accepted is not None:
        batch.accepted = sorted(set(accepted))
    batch.commit_state = CommitState.QUEUED
    batch.commit_requested_by = actor
    batch.commit_requested_at = now
    batch.commit_language = translation.get_language() or settings.LANGUAGE_CODE
    batch.commit_started_at = None
    batch.commit_error_msg = None
    batch.save(update_fields=["accepted", "commit_state", "commit_requested_by",
                              "commit_requested_at", "commit_language", "commit_started_at",
                              "commit_error_msg"])
    return batch


def run_commit(batch: ImportBatch, *, now: datetime) -> bool:
    """Run a claimed import (state RUNNING, taken at ``batch.commit_started_at``);
    False if it failed (the reason stored on the batch). An unexpected error is
    stored as a failure and raised."""
    actor = batch.commit_requested_by
    with translation.override(batch.commit_language or None):
        try:
            if actor is None or not actor.is_active:
                raise PermissionDenied
            commit(actor=actor, batch=batch, accepted=None)
        except ImportFailed as exc:
            if exc.code == "done":  # imported already (by a run taken for stale)
                _claimed(batch).update(commit_state=CommitState.NONE, commit_error_msg=None)
                return True
            _fail(batch, exc.message)
            return False
        except SheetError as exc:
            _fail(batch, exc.message)
            return False
        except (PermissionDenied, Http404):
            _fail(batch, _("The account that asked for this import may no longer import "
                           "into this grid: nothing was imported."))
            return False
        except Exception as exc:
            logger.exception("background import of batch %s failed", batch.pk)
            _fail(batch, _("Something went wrong while importing the file; nothing was "
                           "imported and the error is in the station's log. Try again, or "
                           "ask the administrator."), detail=exc.__class__.__name__)
            raise
    _claimed(batch).update(commit_state=CommitState.NONE, commit_error_msg=None)
    return True


def _claimed(batch: ImportBatch) -> Any:
    return ImportBatch.objects.filter(pk=batch.pk, commit_state=CommitState.RUNNING,
                                      commit_started_at=batch.commit_started_at)


def _fail(batch: ImportBatch, message: Any, *, detail: str = "") -> None:
    if _claimed(batch).update(commit_state=CommitState.FAILED,
                              commit_error_msg=messages.encode(message)):
        logger.warning("background import of batch %s failed: %s", batch.pk,
                       detail or str(message)[:200])
