"""One report asked twice at once (PostgreSQL): the account's queued runs are
looked for and queued one request at a time (locks.REPORT_RUNS per
account), so the second request gets the first's run, not a second run."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from jiayuan.core import locks
from jiayuan.core.models import User
from jiayuan.reports import report as rpt
from jiayuan.reports.models import ReportRun
from jiayuan.reports.services import report_run_request
from tests.locking import needs_postgres, waits_for

pytestmark = [needs_postgres, pytest.mark.django_db(transaction=True)]


def _params(user: User) -> rpt.Params:
    return rpt.parse(user, {"kind": "year", "year": "2026"}, today=date(2026, 12, 6))


def _queue(user: User) -> ReportRun:
    params = _params(user)
    return report_run_request(actor=user, params=params, fmt="xlsx", language="zh-hans",
                              label=rpt.period_label(params))


def test_a_report_asked_twice_at_once_is_queued_once(personas: dict[str, User]) -> None:
    user = personas["head"]
    # Another request holds the account's turn and queues the run while this
    # one waits: without the lock this one looked before that commit, and
    # queued a second run of the same report.
    def first() -> ReportRun:
        return ReportRun.objects.create(requested_by=user, params=_params(user).query(),
                                        label="2026", format="xlsx", language="zh-hans",
                                        created_at=timezone.now())

    outcome = waits_for(lambda: locks.hold(locks.per_user(locks.REPORT_RUNS, user.pk)),
                        lambda: _queue(user), then=first)
    assert outcome.error is None, outcome.error
    assert outcome.waited
    run = ReportRun.objects.get(requested_by=user)
    assert outcome.result.pk == run.pk
