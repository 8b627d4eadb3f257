"""The scheduler (jiayuan.core.scheduler) and `manage.py tick`: apps contribute
jobs from their `jobs.py`, the command runs them in order, a failing job does
not stop the others, and two runs never overlap. The jobs themselves are
tested by their apps (tests/desk/test_jobs.py, tests/care/test_duties.py)."""

from __future__ import annotations

import importlib
import io
import sys
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.apps import AppConfig, apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection, connections

from jiayuan.core import audit, scheduler
from jiayuan.core.models import AuditAction, AuditEntry

NOW = datetime(2030, 3, 4, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
STAND_IN = "tests.core.jobs_app"


def run_tick(*args: str) -> str:
    out = io.StringIO()
    call_command("tick", "--now", NOW.isoformat(), *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def extra_jobs() -> Iterator[list[str]]:
    """Names of jobs a test registers; unregistered afterwards."""
    names: list[str] = []
    yield names
    for name in names:
        scheduler.unregister(name)


def add_job(names: list[str], name: str, order: int):
    names.append(name)
    return scheduler.register(name, order=order)


def audited_write(what: str) -> None:
    """What a job writes: in a transaction of its own, with its audit entry."""
    with audit.batch():
        audit.record(AuditAction.UPDATE, username=scheduler.ACTOR, object_type="tick",
                     object_id=what, object_repr=what)


# --- the registry --------------------------------------------------------------------

def test_the_apps_jobs_are_discovered_at_start_up_in_their_order():
    jobs = scheduler.jobs()
    assert [job.name for job in jobs] == ["sla", "permits", "duties", "column_reviews",
                                          "living_counts", "reports", "import_checks", "import_commits", "webhooks", "digest", "sessions",
                                          "retention"]
    assert [job.run.__module__ for job in jobs] == [
        "jiayuan.desk.jobs", "jiayuan.desk.jobs", "jiayuan.care.jobs", "jiayuan.engage.jobs",
        "jiayuan.registry.jobs", "jiayuan.reports.jobs", "jiayuan.sheets.jobs", "jiayuan.sheets.jobs", "jiayuan.api.webhooks.delivery",
        "jiayuan.desk.digest", "jiayuan.core.jobs",
        "jiayuan.rights.jobs"]


def test_a_job_in_an_apps_jobs_module_is_discovered_and_run_by_tick(monkeypatch, db):
    stand_in = AppConfig(STAND_IN, importlib.import_module(STAND_IN))
    real = apps.get_app_configs()
    monkeypatch.setattr(apps, "get_app_configs", lambda: [*real, stand_in])
    sys.modules.pop(f"{STAND_IN}.jobs", None)
    try:
        scheduler.autodiscover()
        assert "stand_in" in [job.name for job in scheduler.jobs()]
        from tests.core.jobs_app import jobs as stand_in_jobs

        assert run_tick("--only", "stand_in") == "stand_in: 1\n"
        assert stand_in_jobs.RUNS == [NOW]
        # Run with the others, in its order (15: between sla and permits).
        assert run_tick().splitlines() == [
            "sla: 0", "stand_in: 2", "permits: 0", "duties: 0", "column_reviews: 0", "living_counts: 0", "reports: 0", "import_checks: 0", "import_commits: 0", "webhooks: 0", "digest: 0",
        "sessions: 0", "retention: 0"]
    finally:
        scheduler.unregister("stand_in")
        sys.modules.pop(f"{STAND_IN}.jobs", None)
    assert "stand_in" not in [job.name for job in scheduler.jobs()]


def test_a_name_taken_by_another_job_is_refused(extra_jobs):
    @add_job(extra_jobs, "twice", 50)
    def first(now: datetime) -> int:
        return 0

    with pytest.raises(ImproperlyConfigured, match="'twice' is registered twice"):
        @scheduler.register("twice", order=51)
        def second(now: datetime) -> int:
            return 0

    assert [job.run for job in scheduler.jobs() if job.name == "twice"] == [first]
    # The same function registered again (its module reloaded) replaces itself.
    scheduler.register("twice", order=52)(first)
    assert [job.order for job in scheduler.jobs() if job.name == "twice"] == [52]


# --- failures --------------------------------------------------------------------------

def test_a_failing_job_is_reported_and_the_others_still_run(db, extra_jobs):
    ran: list[str] = []

    @add_job(extra_jobs, "writes_first", 11)
    def writes_first(now: datetime) -> int:
        audited_write("writes_first")
        ran.append("writes_first")
        return 1

    @add_job(extra_jobs, "breaks", 12)
    def breaks(now: datetime) -> int:
        with audit.batch():  # fails half-way through its own transaction
            audit.record(AuditAction.UPDATE, username=scheduler.ACTOR, object_type="tick",
                         object_id="breaks", object_repr="breaks")
            with connection.cursor() as cursor:
                cursor.execute("SELECT * FROM no_such_table")
        return 1

    @add_job(extra_jobs, "writes_after", 13)
    def writes_after(now: datetime) -> int:
        audited_write("writes_after")
        ran.append("writes_after")
        return 1

    out = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("tick", "--now", NOW.isoformat(), stdout=out)
    assert exc.value.returncode == 1
    assert str(exc.value).startswith("tick: breaks failed (")
    assert str(exc.value).endswith("The rest was done; the next run retries what failed.")
    lines = out.getvalue().splitlines()
    # SQLite says OperationalError, PostgreSQL ProgrammingError.
    assert lines[2] in ("breaks: failed (OperationalError)", "breaks: failed (ProgrammingError)")
    assert lines[:2] + lines[3:] == ["sla: 0", "writes_first: 1", "writes_after: 1",
                                     "permits: 0", "duties: 0", "column_reviews: 0", "living_counts: 0", "reports: 0", "import_checks: 0", "import_commits: 0", "webhooks: 0", "digest: 0",
        "sessions: 0", "retention: 0"]
    assert ran == ["writes_first", "writes_after"]
    # What the failing job wrote before it broke is rolled back; the others' work stays.
    written = set(AuditEntry.objects.filter(object_type="tick")
                  .values_list("object_id", flat=True))
    assert written == {"writes_first", "writes_after"}
    assert audit.verify_chain().ok


def test_a_job_that_fails_for_some_items_reports_both_counts(db, extra_jobs):
    @add_job(extra_jobs, "partly", 5)
    def partly(now: datetime) -> int:
        raise scheduler.JobIncomplete(done=3, failed=2)

    out = io.StringIO()
    with pytest.raises(CommandError, match=r"^tick: partly: 2 failed\. The rest was done"):
        call_command("tick", "--now", NOW.isoformat(), stdout=out)
    assert out.getvalue().splitlines() == [
        "partly: 3 (2 failed)", "sla: 0", "permits: 0", "duties: 0", "column_reviews: 0", "living_counts: 0", "reports: 0", "import_checks: 0", "import_commits: 0", "webhooks: 0", "digest: 0",
        "sessions: 0", "retention: 0"]


def test_quiet_prints_nothing_even_when_a_job_fails(db, extra_jobs):
    @add_job(extra_jobs, "breaks", 5)
    def breaks(now: datetime) -> int:
        raise RuntimeError("no mail server")

    out = io.StringIO()
    with pytest.raises(CommandError, match=r"breaks failed \(no mail server\)"):
        call_command("tick", "--quiet", "--now", NOW.isoformat(), stdout=out)
    assert out.getvalue() == ""


def test_an_unknown_job_is_named_with_the_real_ones(db):
    with pytest.raises(CommandError, match=r"There is no step 'visits'; the steps are: "
                                           r"sla, permits, duties, column_reviews, living_counts, reports, import_checks, import_commits, webhooks, digest, sessions, "
                                           r"retention\."):
        run_tick("--only", "visits")


# --- the lock ---------------------------------------------------------------------------

def test_two_runs_at_once_the_second_does_nothing(db, extra_jobs):
    ran: list[datetime] = []

    @add_job(extra_jobs, "counted", 1)
    def counted(now: datetime) -> int:
        ran.append(now)
        return 1

    if connection.vendor == "postgresql":
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_lock(%s)", [scheduler.PG_LOCK_KEY])
            with scheduler.run_lock() as got:
                assert not got
            output = run_tick()
        finally:
            # Unlocked before closing: a closed connection's backend frees its
            # locks a moment later, and the check below must not race it.
            with other.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [scheduler.PG_LOCK_KEY])
            other.close()
    else:
        with scheduler.run_lock() as got:
            assert got
            with scheduler.run_lock() as second:
                assert not second
            output = run_tick()
    assert output == "tick: another run holds the lock; nothing done.\n"
    assert ran == []
    with scheduler.run_lock() as got:  # released again
        assert got
    assert run_tick("--only", "counted") == "counted: 1\n"
    assert ran == [NOW]
