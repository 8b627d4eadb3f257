"""The reports app's scheduled job (jiayuan.core.scheduler, run by `manage.py tick`):

- `reports` builds the reports queued for the background (ReportRun, a whole
  district over more than a quarter), each for its requester, in their
  language and within their scope as it is when the job runs; and deletes
  the runs older than RETENTION, files and all.

Each run is claimed atomically (QUEUED -> RUNNING with `update(...) == 1`),
so two ticks never build the same one; a run left RUNNING by a killed tick
for longer than STALE is queued again. The report is built outside any
transaction (it only reads) and stored with its audit entry in one.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.utils import timezone, translation

from jiayuan.core import audit, metrics, scheduler
from jiayuan.core.models import AuditAction
from jiayuan.core.scheduler import ACTOR, JobIncomplete
from jiayuan.reports.models import ReportRun, RunState
from jiayuan.reports.report import ReportError, build, filename, parse
from jiayuan.reports.services import write_file

logger = logging.getLogger(__name__)

RETENTION = timedelta(days=7)
STALE = timedelta(hours=1)
# Runs built per tick: a tick is every few minutes, and the other jobs wait.
BATCH = 20


def _delete_old(now: datetime) -> int:
    with audit.batch():
        old = ReportRun.objects.filter(created_at__lt=now - RETENTION)
        n = old.count()
        if n:
            old.delete()
            audit.record(AuditAction.DELETE, username=ACTOR, object_type="tick",
                         object_id="reports", object_repr="reports",
                         changes={"report_runs_deleted": n})
    return n


def _requeue_stale(now: datetime) -> int:
    return ReportRun.objects.filter(state=RunState.RUNNING,
                                    started_at__lt=now - STALE).update(state=RunState.QUEUED)


def _fail(run: ReportRun, now: datetime, message: str, detail: str = "") -> None:
    """Mark the run failed: `message` for its requester, `detail` for the log."""
    with audit.batch():
        n = ReportRun.objects.filter(pk=run.pk, state=RunState.RUNNING).update(
            state=RunState.FAILED, error=message[:2000], finished_at=now)
        if n:
            audit.record(AuditAction.UPDATE, username=ACTOR, obj=run, object_repr=run.label,
                         changes={"state": RunState.FAILED.value,
                                  "error": (detail or message)[:200]})


def build_run(run: ReportRun, now: datetime) -> bool:
    """Build one claimed run (state RUNNING); False if it failed (the reason
    is on the run). A reader who may no longer read the figures, or whose
    place is no longer theirs, gets a failed run with that reason."""
    actor = run.requested_by
    with translation.override(run.language):
        try:
            if not (actor.is_active and metrics.reads_any(actor)):
                raise ReportError(translation.gettext("You may no longer read these figures."))
            params = parse(actor, run.params, today=timezone.localdate(now))
            report = build(actor, params)
            content = write_file(report, run.format)
        except ReportError as error:
            _fail(run, now, str(error))
            return False
        except Exception as error:  # a bug: keep the others going, say it in the log
            logger.exception("reports: run %s failed", run.pk)
            _fail(run, now, translation.gettext(
                "Something went wrong while preparing it; the error is in the station's log."),
                error.__class__.__name__)
            raise
    with audit.batch():
        n = ReportRun.objects.filter(pk=run.pk, state=RunState.RUNNING).update(
            state=RunState.DONE, content=content, digest=report.digest,
            filename=filename(params, run.format), audit_params=params.audit(),
            finished_at=now, error="")
        if n:
            audit.record(AuditAction.UPDATE, username=ACTOR, obj=run, object_repr=run.label,
                         changes={**params.audit(), "format": run.format,
                                  "state": RunState.DONE.value, "digest": report.digest})
    return bool(n)


@scheduler.register("reports", order=80)
def step_reports(now: datetime) -> int:
    """Delete runs older than RETENTION, queue again the ones a killed tick
    left running, then build the queued ones, oldest first."""
    written = _delete_old(now) + _requeue_stale(now)
    done = failed = 0
    queued = list(ReportRun.objects.filter(state=RunState.QUEUED)
                  .order_by("created_at", "pk").values_list("pk", flat=True)[:BATCH])
    for pk in queued:
        if not ReportRun.objects.filter(pk=pk, state=RunState.QUEUED).update(
                state=RunState.RUNNING, started_at=now):
            continue  # another tick took it
        run = ReportRun.objects.defer("content").select_related("requested_by").get(pk=pk)
        try:
            if build_run(run, now):
                done += 1
            else:
                written += 1  # failed for a reason the requester reads: nothing to retry
        except Exception:
            failed += 1
    if failed:
        raise JobIncomplete(written + done, failed)
    return written + done
