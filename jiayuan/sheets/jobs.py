"""The sheets app's scheduled job (jiayuan.core.scheduler, run by `manage.py tick`):

- `import_checks` runs the checks of large roster files (more rows than
  IMPORT_BACKGROUND_ROWS), queued by `importing.check_request`, oldest first.

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
from jiayuan.sheets.models import CheckState, ImportBatch

STALE = timedelta(minutes=30)
# Checks run per tick: a tick is every few minutes, and the other jobs wait.
BATCH = 5


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
