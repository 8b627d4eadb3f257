"""Retention (jiayuan.rights.retention): each rule's due rows on either side of
its boundary day, `apply` acting on exactly those with one audit entry per rule
and run, the report listing them before, and the `retention` job run by `tick`.
The clock is fixed: every moment is passed in, or travelled to."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.utils import timezone

from jiayuan.core import scheduler
from jiayuan.core.models import AuditAction, AuditEntry
from jiayuan.desk.models import PortalHit, PortalProof
from jiayuan.places.models import Building
from jiayuan.registry import services as registry
from jiayuan.registry.models import Household, Person
from jiayuan.rights import retention
from jiayuan.sheets.models import ImportBatch

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2030, 3, 31, 10, 0, tzinfo=TZ)


def rule(name: str) -> retention.Rule:
    return next(r for r in retention.RULES if r.name == name)


def entries(name: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(object_type=retention.OBJECT_TYPE, object_id=name))


# --- the calendar ---------------------------------------------------------------------

@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2030, 3, 31), 1, date(2030, 2, 28)),
    (date(2028, 3, 31), 1, date(2028, 2, 29)),
    (date(2030, 1, 15), 24, date(2028, 1, 15)),
    (date(2030, 12, 31), 12, date(2029, 12, 31)),
])
def test_it_counts_months_back_to_the_same_day_or_the_months_last(day, months, expected):
    assert retention.months_before(day, months) == expected


# --- moved-out households -------------------------------------------------------------

@pytest.fixture
def moved(head: Any, household: Any, household_b: Any, settings: Any) -> tuple[Any, Any]:
    """Two moved-out households: one on the boundary day (24 months before NOW),
    one a day later."""
    settings.RETENTION_HOUSEHOLD_ARCHIVE_MONTHS = 24
    registry.household_move_out(actor=head, household=household, on=date(2028, 3, 31))
    registry.household_move_out(actor=head, household=household_b, on=date(2028, 4, 1))
    return household, household_b


def test_it_archives_a_moved_out_household_on_the_day_its_period_ends(moved):
    on_the_day, day_after = moved
    households = rule("households")
    assert list(households.due(NOW)) == [on_the_day]
    assert households.due(NOW - timedelta(days=1)).count() == 0
    assert households.due(NOW + timedelta(days=1)).count() == 2

    assert households.apply(NOW) == 1
    on_the_day.refresh_from_db()
    day_after.refresh_from_db()
    assert on_the_day.archived_on == date(2030, 3, 31)
    assert day_after.archived_on is None
    [entry] = entries("households")
    assert entry.action == AuditAction.UPDATE
    assert entry.actor_username == scheduler.ACTOR
    assert entry.changes == {"rule": "households", "count": 1, "dated_up_to": "2028-03-31"}


def test_a_household_living_here_is_never_archived(household, head):
    assert rule("households").due(NOW + timedelta(days=3650)).count() == 0


def test_a_second_run_does_nothing_and_writes_no_entry(moved):
    households = rule("households")
    assert households.apply(NOW) == 1
    assert households.apply(NOW) == 0
    assert len(entries("households")) == 1


def test_archived_households_leave_the_moved_out_list_for_the_archived_one(moved, client,
                                                                          head):
    from jiayuan.registry import selectors
    rule("households").apply(NOW)
    on_the_day, day_after = moved
    assert list(selectors.household_list(head, active=False)) == [day_after]
    assert list(selectors.household_list(head, active=False, archived=True)) == [on_the_day]
    client.force_login(head)
    page = client.get("/households/", {"status": "archived"})
    assert page.status_code == 200
    assert [h.pk for h in page.context["page"]] == [on_the_day.pk]
    # Its file is still there for those in scope.
    assert client.get(f"/households/{on_the_day.pk}/").status_code == 200


# --- uploaded roster files ------------------------------------------------------------

def make_batch(head: Any, grid: Any, at: datetime, name: str) -> ImportBatch:
    with time_machine.travel(at, tick=False):
        batch = ImportBatch(community=grid.community, grid=grid, created_by=head,
                            filename=f"{name}.csv", file_sha256=name.ljust(64, "0"))
        batch.file.save(f"{name}.csv", ContentFile(b"name,phone\n"), save=False)
        batch.counts = {"created": 3}
        batch.save()
    return batch


@pytest.fixture
def batches(head: Any, grid_a: Any, settings: Any) -> tuple[ImportBatch, ImportBatch]:
    settings.RETENTION_ROSTER_FILE_DAYS = 30
    edge = NOW - timedelta(days=30)
    return (make_batch(head, grid_a, edge, "old"),
            make_batch(head, grid_a, edge + timedelta(seconds=1), "young"))


def test_it_deletes_a_roster_file_after_its_days_and_keeps_the_batch(batches):
    old, young = batches
    files = rule("roster_files")
    assert list(files.due(NOW)) == [old]
    assert files.due(NOW - timedelta(days=1)).count() == 0
    path = old.file.path
    assert old.file.storage.exists(old.file.name)

    assert files.apply(NOW) == 1
    old.refresh_from_db()
    young.refresh_from_db()
    assert not old.file and old.counts == {"created": 3}
    assert not old.file.storage.exists(path)
    assert young.file and young.file.storage.exists(young.file.name)
    [entry] = entries("roster_files")
    assert entry.action == AuditAction.DELETE and entry.changes["count"] == 1
    assert "old" not in str(entry.changes) + entry.object_repr  # no file name


def test_a_file_already_gone_from_the_disk_is_still_forgotten(batches):
    old, _young = batches
    old.file.storage.delete(old.file.name)
    assert rule("roster_files").apply(NOW) == 1
    old.refresh_from_db()
    assert not old.file


# --- the portal's records -------------------------------------------------------------

def test_portal_hits_older_than_the_period_are_deleted(db, settings):
    settings.RETENTION_PORTAL_HIT_HOURS = 24
    edge = NOW - timedelta(hours=24)
    old = PortalHit.objects.create(source="a", kind="lookup", at=edge)
    recent = PortalHit.objects.create(source="a", kind="lookup", at=edge + timedelta(seconds=1))
    hits = rule("portal_hits")
    assert list(hits.due(NOW)) == [old]
    assert hits.apply(NOW) == 1
    assert list(PortalHit.objects.all()) == [recent]
    assert entries("portal_hits")[0].changes["count"] == 1


def test_used_proofs_are_kept_only_while_a_challenge_could_be_replayed(db):
    old = PortalProof.objects.create(challenge="a" * 16, at=NOW - timedelta(minutes=15))
    kept = PortalProof.objects.create(challenge="b" * 16, at=NOW - timedelta(minutes=14))
    assert list(rule("portal_proofs").due(NOW)) == [old]
    assert rule("portal_proofs").apply(NOW) == 1
    assert list(PortalProof.objects.all()) == [kept]


# --- the report, the job, the command -------------------------------------------------

def test_the_report_lists_what_the_next_run_and_the_next_30_days_will_do(moved, batches):
    lines = {line.name: line for line in retention.report(NOW)}
    assert (lines["households"].due_now, lines["households"].oldest) == (1, date(2028, 3, 31))
    assert lines["households"].due_soon == 2
    assert lines["roster_files"].due_now == 1 and lines["roster_files"].due_soon == 2
    assert lines["portal_hits"].due_now == 0
    # The report changes nothing.
    assert rule("households").due(NOW).count() == 1
    assert not entries("households")


def test_tick_runs_the_retention_job_with_one_entry_per_rule_that_acted(moved, batches):
    assert "retention" in [job.name for job in scheduler.jobs()]
    out = io.StringIO()
    call_command("tick", "--only", "retention", "--now", NOW.isoformat(), stdout=out)
    assert out.getvalue().strip() == "retention: 2"
    assert [len(entries(n)) for n in ("households", "roster_files", "portal_hits")] == [1, 1, 0]
    assert Household.objects.filter(archived_on__isnull=False).count() == 1


def test_a_failing_rule_does_not_stop_the_others(moved, batches, monkeypatch):
    def boom(rows: Any, now: datetime) -> int:
        raise RuntimeError("disk")
    broken = retention.Rule(**{**rule("roster_files").__dict__, "act": boom})
    monkeypatch.setattr(retention, "RULES", (rule("households"), broken))
    with pytest.raises(scheduler.JobIncomplete):
        scheduler.jobs()[[j.name for j in scheduler.jobs()].index("retention")].run(NOW)
    assert len(entries("households")) == 1
    assert not entries("roster_files")
    assert ImportBatch.objects.exclude(file="").count() == 2  # nothing half-done


def test_the_command_reports_counts_and_dates_without_names(moved, batches):
    out = io.StringIO()
    call_command("retention", "--report", "--now", NOW.isoformat(), stdout=out)
    text = out.getvalue()
    assert "households: " in text and "Next run: 1 (oldest 2028-03-31)" in text
    assert "鄭容哲" not in text and "old.csv" not in text
    with pytest.raises(CommandError):
        call_command("retention", stdout=io.StringIO())


# --- the page -------------------------------------------------------------------------

def test_the_head_sees_the_report_page_in_their_language(moved, client, head):
    with time_machine.travel(NOW, tick=False):
        client.force_login(head)
        page = client.get("/rights/retention/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Moved-out households" in text or "迁出" in text
    assert [line.due_now for line in page.context["lines"]][0] == 1
    assert "鄭容哲" not in text


def test_a_role_that_may_not_read_the_audit_log_is_refused(personas, client):
    client.force_login(personas["caseworker"])
    assert client.get("/rights/retention/").status_code == 403


def test_a_draft_whose_file_retention_deleted_says_so_on_import(personas, grid_a):
    """A roster checked and left as a draft past its days: the file is gone,
    so importing it, checking it again or downloading its rows to fix says
    to upload it again (never a 500), and nothing is written."""
    from django.urls import reverse

    from tests.sheets.test_import_views import client_for, uploaded

    client = client_for(personas["gridworker"])
    Building.objects.get_or_create(grid=grid_a, number="3")
    batch = uploaded(client, grid_a)
    later = timezone.now() + timedelta(days=31)
    assert rule("roster_files").apply(later) == 1
    people = Person.objects.count()
    for name in ("import_commit", "import_recheck", "import_errors"):
        send = client.get if name == "import_errors" else client.post
        response = send(reverse(name, args=[batch.pk]), follow=True)
        assert response.status_code == 200, name
        # The check's failure is shown on the page; the others as a message.
        text = " ".join(str(m) for m in response.context["messages"]) + (
            response.content.decode() if name == "import_recheck" else "")
        assert "no longer kept" in text and "upload it again" in text, (name, text)
    batch.refresh_from_db()
    assert batch.status == "draft" and Person.objects.count() == people
