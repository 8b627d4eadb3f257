"""Who may open the reports, and the runs a reader may see (reads; a refusal
is recorded as a denied access, as jiayuan.core.access does)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from jiayuan.core import audit, metrics
from jiayuan.core.access import get_in_scope
from jiayuan.core.models import AuditAction, User
from jiayuan.reports.models import ReportRun


def require_reader(actor: User) -> User:
    """The account, if it may read at least one figure; else 403, audited as
    a denied access (as `core.access.require` does for a permission)."""
    if isinstance(actor, User) and metrics.reads_any(actor):
        return actor
    audit.record(AuditAction.DENIED, actor=actor, object_type="permission",
                 object_id="reports", object_repr="reports")
    raise PermissionDenied


def runs_for(actor: User) -> QuerySet[ReportRun]:
    """The reader's own runs, newest first, without their files."""
    return ReportRun.objects.filter(requested_by=actor).defer("content")


def get_run_for(actor: User, pk: Any, *, with_file: bool = False) -> ReportRun:
    """One of the reader's runs, or 404 (audited when it is someone else's)."""
    qs = ReportRun.objects.filter(requested_by=actor)
    return get_in_scope(actor, qs if with_file else qs.defer("content"), pk)
