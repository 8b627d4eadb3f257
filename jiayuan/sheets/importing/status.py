"""An import batch's status: the allowed changes, one table, and the one function
through which every change goes.

    draft --commit--> committed --undo--> undone

A draft may still have its sheets and columns changed; committed and undone
are final for everything but undo. The status is not a case-style workflow
(no queue of people acting on it in turn, no history of its own): each change is
one service (`commit`, `undo`) whose audit entry is the record.
"""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext_lazy as _

from jiayuan.core.models import User
from jiayuan.lib._i18n import LibError
from jiayuan.sheets.models import BatchStatus, CommitState, ImportBatch

#: status -> the statuses it may change to.
TRANSITIONS: dict[str, frozenset[str]] = {
    BatchStatus.DRAFT: frozenset({BatchStatus.COMMITTED}),
    BatchStatus.COMMITTED: frozenset({BatchStatus.UNDONE}),
    BatchStatus.UNDONE: frozenset(),
}

# Why a change is refused, by the status it would change to.
_REFUSED = {
    BatchStatus.COMMITTED: (_("This file has already been imported."), "done"),
    BatchStatus.UNDONE: (_("Only an imported batch can be undone."), "not_committed"),
}


class StatusRefused(LibError):
    """The batch cannot change to that status; ``message`` says why."""


def allowed(current: str, to: str) -> bool:
    return to in TRANSITIONS.get(current, frozenset())


def check_move(batch: ImportBatch, to: str) -> None:
    """Raise StatusRefused when ``batch`` may not change to ``to``."""
    if not allowed(batch.status, to):
        message, code = _REFUSED[to]
        raise StatusRefused(message, code)


def check_draft(batch: ImportBatch) -> None:
    """Sheets, columns and accepted duplicates change only before the commit, and
    not while a background import of the batch waits or runs."""
    if batch.status != BatchStatus.DRAFT:
        message, code = _REFUSED[BatchStatus.COMMITTED]
        raise StatusRefused(message, code)
    if batch.commit_state in (CommitState.QUEUED, CommitState.RUNNING):
        raise StatusRefused(_("This file is being imported in the background: it can no "
                              "longer be changed."), "importing")


def move(batch: ImportBatch, to: str, *, actor: User, now: datetime) -> list[str]:
    """Change ``batch``'s status to ``to`` (StatusRefused if the table does not
    allow it), stamping when and by whom; returns the fields changed, for the
    caller's ``save(update_fields=…)`` with its own fields."""
    check_move(batch, to)
    batch.status = to
    if to == BatchStatus.COMMITTED:
        batch.committed_at = now
        return ["status", "committed_at"]
    batch.undone_at = now
    batch.undone_by = actor
    return ["status", "undone_at", "undone_by"]
