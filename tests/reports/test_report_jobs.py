"""The `reports` job: it builds the reports queued for the background, each
for its requester, and deletes runs older than 7 days (a fixed clock)."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils import translation

from jiayuan.core import scheduler
from jiayuan.core.models import AuditAction, AuditEntry, User
from jiayuan.reports import jobs, pdf, xlsx
from jiayuan.reports import report as rpt
from jiayuan.reports.models import ReportRun, RunState
from jiayuan.reports.services import report_run_request
from tests.conftest import station_moment

pytestmark = pytest.mark.django_db

NOW = station_moment(date(2026, 12, 6))
TODAY = NOW.date()
YEAR = {"kind": "year", "year": "2026"}
FAKE_XLSX = b"PK\x03\x04 a workbook"


@pytest.fixture
def clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def fake_writers(monkeypatch: pytest.MonkeyPatch) -> list[rpt.Report]:
    """The writers' stand-ins (the real ones are other parts' work): they keep
    the report they were given."""
    written: list[rpt.Report] = []

    def write(report: rpt.Report) -> bytes:
        written.append(report)
        return FAKE_XLSX

    monkeypatch.setattr(xlsx, "write", write)
    monkeypatch.setattr(pdf, "render", lambda report: b"%PDF-1.4 fake")
    return written


def queue(user: User, query: dict[str, str] = YEAR, fmt: str = "xlsx",
          language: str = "zh-hans") -> ReportRun:
    params = rpt.parse(user, query, today=TODAY)
    return report_run_request(actor=user, params=params, fmt=fmt, language=language,
                              label=rpt.period_label(params))


def test_it_is_registered_with_the_scheduler() -> None:
    assert any(job.name == "reports" and job.run is jobs.step_reports
               for job in scheduler.jobs())


def test_it_builds_a_queued_run_for_its_requester(
        clock: Any, fake_writers: list[rpt.Report], personas: dict[str, User],
        household: Any) -> None:
    head = personas["head"]
    run = queue(head)
    assert last_action(run) == AuditAction.CREATE
    assert jobs.step_reports(NOW) == 1
    run.refresh_from_db()
    assert run.state == RunState.DONE and run.finished_at == NOW
    assert bytes(run.content) == FAKE_XLSX
    assert run.filename == "jiayuan-report-2026-01-01-2026-12-31.xlsx"
    report = fake_writers[0]
    rebuilt = rpt.build(head, rpt.parse(head, YEAR, today=TODAY))
    assert run.digest == report.digest == rebuilt.digest
    assert report.line("registry.households").value == 1
    built = AuditEntry.objects.filter(object_type="reports.reportrun").order_by("-seq").first()
    assert built.actor_username == scheduler.ACTOR and built.changes["digest"] == run.digest
    # A second tick at the same moment has nothing to do.
    assert jobs.step_reports(NOW) == 0


def test_the_requester_downloads_it_and_the_download_is_audited(
        clock: Any, fake_writers: list[rpt.Report], personas: dict[str, User],
        household: Any) -> None:
    head = personas["head"]
    run = queue(head)
    jobs.step_reports(NOW)
    run.refresh_from_db()
    client = Client()
    client.force_login(head)
    page = client.get(reverse("report_runs"), {"run": run.pk})
    assert "Refresh" not in page and 'id="run-download"' in page.content.decode()
    response = client.get(reverse("report_run_file"), {"run": run.pk})
    assert response.status_code == 200 and response.content == FAKE_XLSX
    assert response["Content-Disposition"] == f'attachment; filename="{run.filename}"'
    assert "no-store" in response["Cache-Control"]
    entry = AuditEntry.objects.filter(object_type="reports.report").order_by("-seq").first()
    assert entry.action == AuditAction.EXPORT and entry.actor_id == head.pk
    assert entry.changes["digest"] == run.digest and entry.changes["run"] == run.pk
    assert entry.changes["period"] == "2026-01-01/2026-12-31"
    other = Client()
    other.force_login(personas["caseworker"])
    assert other.get(reverse("report_run_file"), {"run": run.pk}).status_code == 404


def test_it_writes_the_file_in_the_requesters_language(
        clock: Any, fake_writers: list[rpt.Report], personas: dict[str, User],
        household: Any) -> None:
    queue(personas["head"], language="en")
    queue(personas["head"], language="zh-hans")
    jobs.step_reports(NOW)
    english, chinese = (report.sections[0].title for report in fake_writers)
    with translation.override("en"):
        assert english == str(apps.get_app_config("registry").verbose_name)
    with translation.override("zh-hans"):
        assert chinese == str(apps.get_app_config("registry").verbose_name) != english


def test_runs_older_than_seven_days_are_deleted(
        clock: Any, fake_writers: list[rpt.Report], personas: dict[str, User]) -> None:
    head = personas["head"]
    old = queue(head)
    ReportRun.objects.filter(pk=old.pk).update(created_at=NOW - timedelta(days=7, minutes=1),
                                               state=RunState.DONE, content=b"old")
    kept = queue(head, {"kind": "year", "year": "2025"})
    ReportRun.objects.filter(pk=kept.pk).update(created_at=NOW - timedelta(days=6),
                                                state=RunState.DONE, content=b"kept")
    assert jobs.step_reports(NOW) == 1
    assert list(ReportRun.objects.values_list("pk", flat=True)) == [kept.pk]
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.action == AuditAction.DELETE and entry.changes == {"report_runs_deleted": 1}


def test_a_run_a_killed_tick_left_running_is_built_again(
        clock: Any, fake_writers: list[rpt.Report], personas: dict[str, User]) -> None:
    run = queue(personas["head"])
    ReportRun.objects.filter(pk=run.pk).update(state=RunState.RUNNING,
                                               started_at=NOW - timedelta(hours=2))
    recent = queue(personas["head"], {"kind": "year", "year": "2025"})
    ReportRun.objects.filter(pk=recent.pk).update(state=RunState.RUNNING,
                                                  started_at=NOW - timedelta(minutes=5))
    jobs.step_reports(NOW)
    run.refresh_from_db()
    recent.refresh_from_db()
    assert run.state == RunState.DONE
    assert recent.state == RunState.RUNNING  # another tick may still be on it


def test_a_requester_who_lost_the_place_gets_a_failed_run_with_the_reason(
        clock: Any, fake_writers: list[rpt.Report], personas: dict[str, User],
        grid_a: Any, grid_b: Any) -> None:
    worker = personas["gridworker"]
    run = queue(worker, {**YEAR, "grid": str(grid_a.pk)})
    worker.grids.set([grid_b])
    assert jobs.step_reports(NOW) == 1
    run.refresh_from_db()
    assert run.state == RunState.FAILED and run.content is None
    with translation.override("zh-hans"):  # the requester's language
        assert run.error == translation.gettext("That grid is not one of yours.") \
            == "该网格不在您的负责范围内。"


def test_a_writer_that_fails_fails_its_run_and_the_job_says_so(
        clock: Any, monkeypatch: pytest.MonkeyPatch, personas: dict[str, User]) -> None:
    def broken(report: rpt.Report) -> bytes:
        raise RuntimeError("disk full")

    monkeypatch.setattr(xlsx, "write", broken)
    run = queue(personas["head"])
    outcome = scheduler.run_job(scheduler.Job("reports", jobs.step_reports, 80), NOW)
    assert outcome.failed == 1
    run.refresh_from_db()
    assert run.state == RunState.FAILED and "disk full" not in run.error


def last_action(run: ReportRun) -> str:
    return AuditEntry.objects.filter(object_type="reports.reportrun",
                                     object_id=str(run.pk)).order_by("-seq").first().action


def test_a_failed_run_offers_to_ask_for_it_again_and_that_queues_it_anew(
        clock: Any, monkeypatch: pytest.MonkeyPatch, personas: dict[str, User]) -> None:
    def broken(report: rpt.Report) -> bytes:
        raise OSError("disk full")

    monkeypatch.setattr(xlsx, "write", broken)
    run = queue(personas["head"])
    scheduler.run_job(scheduler.Job("reports", jobs.step_reports, 80), NOW)
    client = Client()
    client.force_login(personas["head"])
    page = client.get(reverse("report_runs"), {"run": run.pk}).content.decode()
    again = re.search(r'id="run-again" href="([^"]+)"', page)
    assert again, "a failed run offers no way to ask again"
    response = client.get(html.unescape(again.group(1)))
    assert response.status_code == 302
    anew = ReportRun.objects.exclude(pk=run.pk).get()
    assert anew.state == RunState.QUEUED and anew.params == run.params
    assert anew.format == run.format
    # A run that is ready or waiting offers nothing of the kind.
    waiting = client.get(reverse("report_runs"), {"run": anew.pk}).content.decode()
    assert 'id="run-again"' not in waiting
