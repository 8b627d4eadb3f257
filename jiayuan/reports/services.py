"""The period report's runs, each recorded in the audit log.

Every run of a report — on screen, as an Excel file, as a PDF, or prepared
in the background — leaves one audit entry with its parameters
(`Params.audit()`), its format and the report's `digest`: what a reader was
shown can be checked later by building the same report again and comparing
the hashes.

The actions: a file that leaves the system is an EXPORT (Excel), a
printout is a PRINT (PDF), and the screen report is a PRINT as well. The
audit model has no plain "viewed" action; the screen report is the same
publication as the printout (the same figures, suppressed the same way), and
VIEW_SENSITIVE is kept for an individual's sensitive details, whose filter
in the log would otherwise fill up with reports of counts. The format in
`changes` (and the entry's object id) says which of the two it was.

A report is built before its entry is written (outside the audit lock, which
every audited write in the station waits for); the entry is written once the
report, or the file, exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from jiayuan.core import audit, locks
from jiayuan.core.models import AuditAction, AuditEntry, User
from jiayuan.reports import pdf, xlsx
from jiayuan.reports.models import ReportRun, RunFormat, RunState
from jiayuan.reports.report import Params, Report, build, district_sized, filename

SCREEN = "screen"
ACTIONS = {SCREEN: AuditAction.PRINT, RunFormat.PDF: AuditAction.PRINT,
           RunFormat.XLSX: AuditAction.EXPORT}
CONTENT_TYPES = {
    RunFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    RunFormat.PDF: "application/pdf",
}
OBJECT_TYPE = "reports.report"


@dataclass(frozen=True)
class ReportFile:
    content: bytes
    filename: str
    content_type: str
    digest: str


def write_file(report: Report, fmt: str) -> bytes:
    """The report as `fmt`'s bytes (xlsx.write / pdf.render)."""
    if fmt == RunFormat.XLSX:
        return xlsx.write(report)
    if fmt == RunFormat.PDF:
        return pdf.render(report)
    raise ValueError(f"unknown report format {fmt!r}")


def _record(actor: User, params: dict[str, str], fmt: str, digest: str,
            run: ReportRun | None = None) -> AuditEntry:
    changes: dict[str, Any] = {**params, "format": str(fmt), "digest": digest}
    if run is not None:
        changes["run"] = run.pk
    return audit.record(ACTIONS[fmt], actor=actor, object_type=OBJECT_TYPE,
                        object_id=str(fmt),
                        object_repr=f"{params.get('period', '')} {params.get('place', '')}",
                        changes=changes)


def in_background(params: Params) -> bool:
    """A report a request shouldn't wait for (`district_sized`: a whole
    district over more than a quarter) is prepared by the `reports` job; the
    screen offers its files instead of its figures."""
    return district_sized(params)


def report_show(*, actor: User, params: Params) -> Report | None:
    """Build the report for the screen and record the run; None for a report
    prepared in the background only (`in_background`)."""
    if in_background(params):
        return None
    report = build(actor, params)
    _record(actor, params.audit(), SCREEN, report.digest)
    return report


def report_download(*, actor: User, params: Params, fmt: str, language: str,
                    label: str) -> ReportFile | ReportRun:
    """The report as a file now, or, for one prepared in the background
    (`in_background`), the run queued for it."""
    if in_background(params):
        return report_run_request(actor=actor, params=params, fmt=fmt, language=language,
                                  label=label)
    return report_file(actor=actor, params=params, fmt=fmt)


def report_file(*, actor: User, params: Params, fmt: str) -> ReportFile:
    """Build the report, write it as `fmt` ("xlsx" or "pdf") and record the
    run, whatever its size (the `reports` job's and the callers that chose)."""
    report = build(actor, params)
    content = write_file(report, fmt)
    _record(actor, params.audit(), fmt, report.digest)
    return ReportFile(content, filename(params, str(fmt)), CONTENT_TYPES[RunFormat(fmt)],
                      report.digest)


@audit.audited
def report_run_request(*, actor: User, params: Params, fmt: str, language: str, label: str,
                       now: datetime | None = None) -> ReportRun:
    """Queue a report for the background (the `reports` job builds it). The
    same report asked again, in the same format and language, while it is
    still waiting or being prepared, is the same run: following the link
    twice makes one file (two requests at once take turns to look)."""
    query = params.query()
    locks.hold(locks.per_user(locks.REPORT_RUNS, actor.pk))
    waiting = (ReportRun.objects.filter(requested_by=actor, format=fmt, language=language,
                                        state__in=[RunState.QUEUED, RunState.RUNNING])
               .defer("content"))
    for run in waiting:
        if run.params == query:
            return run
    run = ReportRun.objects.create(requested_by=actor, params=query, label=label[:200],
                                   format=fmt, language=language,
                                   created_at=now or timezone.now())
    audit.record(AuditAction.CREATE, actor=actor, obj=run, object_repr=label,
                 changes={**params.audit(), "format": str(fmt), "state": run.state})
    return run


def report_run_download(*, actor: User, run: ReportRun) -> ReportFile:
    """The file of a run that is done (the caller checked it is the actor's
    own), recorded as a run of the report with the digest it was built with."""
    if run.state != RunState.DONE or run.content is None:
        raise ValueError("the run has no file yet")
    _record(actor, run.audit_params, run.format, run.digest, run)
    return ReportFile(bytes(run.content), run.filename, CONTENT_TYPES[RunFormat(run.format)],
                      run.digest)
