"""The sheets app's scheduled jobs (jiayuan.core.scheduler, run by `manage.py tick`):

- `import_checks` runs the checks of large roster files (more rows than
  IMPORT_BACKGROUND_ROWS), queued by `importing.check_request`, oldest first.
- `import_commits` then runs the imports of such files, queued by the Import
  button (`importing.commit_request`): one per run, oldest first, as the account
  that pressed Import (`importing.committing.run_commit`). An import left
  running by a killed tick (its transaction rolled back) is queued again after
  COMMIT_STALE; one that had written is then found imported and left so.

Each check is claimed atomically (QUEUED -> RUNNING with `update(...) == 1`, its
start time the claim), so two ticks never run the same one; a check left RUNNING
by a killed tick or request for longer than STALE is queued again. The check
reads only, outside any transaction; its result is stored in one
(jiayuan.sheets.importing.checking).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from jiayuan.core import scheduler
from jiayuan.core.scheduler import JobIncomplete
from jiayuan.sheets.importing.checking import run_check
from jiayuan.sheets.importing.committing import run_commit
from jiayuan.sheets.models import CheckState, CommitState, ImportBatch

STALE = timedelta(minutes=30)
# Checks run per tick: a tick is every few minutes, and the other jobs wait.
BATCH = 5
# An import of the largest file allowed takes minutes; a run older than this died.
COMMIT_STALE = timedelta(hours=2)


@scheduler.register("import_checks", order=85)
def step_import_checks(now: datetime) -> int:
    """Queue again the checks a killed run left running, then run the queued ones."""
    written = ImportBatch.objects.filter(check_state=CheckState.RUNNING,
                                         check_started_at__lt=now - STALE).update(
        check_state=CheckState.QUEUED, check_started_at=None)
    done = failed = 0
    queued = list(ImportBatch.objects.filter(check_state=CheckState.QUEUED)
                  .order_by("pk").values_list("pk", flat=True)[:BATCH])
    for pk in queued:
        if not ImportBatch.objects.filter(pk=pk, check_state=CheckState.QUEUED).update(
                check_state=CheckState.RUNNING, check_started_at=now, check_done=0):
            continue  # another tick took it
        batch = ImportBatch.objects.select_related("check_requested_by", "grid").get(pk=pk)
        try:
            run_check(batch, now=now, by_tick=True)
            done += 1
        except Exception:  # logged and stored as failed by run_check; the others go on
            failed += 1
    if failed:
        raise JobIncomplete(written + done, failed)
    return written + done


@scheduler.register("import_commits", order=86)
def step_import_commits(now: datetime) -> int:
    """Queue again the imports a killed run left running, then run the oldest queued one."""
    written = ImportBatch.objects.filter(commit_state=CommitState.RUNNING,
                                         commit_started_at__lt=now - COMMIT_STALE).update(
        commit_state=CommitState.QUEUED, commit_started_at=None)
    pk = (ImportBatch.objects.filter(commit_state=CommitState.QUEUED)
          .order_by("commit_requested_at", "pk").values_list("pk", flat=True).first())
    if pk is None or not ImportBatch.objects.filter(
            pk=pk, commit_state=CommitState.QUEUED).update(
            commit_state=CommitState.RUNNING, commit_started_at=now):
        return written
    batch = ImportBatch.objects.select_related("commit_requested_by", "grid").get(pk=pk)
    try:
        run_commit(batch, now=now)  # a refusal is stored on the batch, as the check's
    except Exception:  # logged and stored as failed by run_commit
        raise JobIncomplete(written, 1) from None
    return written + 1
