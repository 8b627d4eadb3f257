"""The desk's scheduled jobs (`manage.py tick`): SLA breaches, permit-expiry
reminders, daily digests, the reminder page. Time is simulated with the jobs'
`now` (and `--now`), never slept."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import translation

from jiayuan.care.models import Duty
from jiayuan.core import scheduler
from jiayuan.core.models import AuditEntry
from jiayuan.desk import digest, jobs
from jiayuan.desk.models import Case, CaseEvent, DigestLog, Reminder
from jiayuan.registry.models import Household, Person

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2030, 3, 4, 9, 0, tzinfo=TZ)  # a Monday morning at the station
TODAY = date(2030, 3, 4)


@pytest.fixture(autouse=True)
def english(settings):
    """These tests read the messages; they read them in English (tick writes
    in the station's language, the pages answer in it by default)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _locmem_mail(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://jiayuan.example.org"
    settings.DESK_PERMIT_REMINDER_DAYS = 30


@pytest.fixture
def staff(personas: dict[str, Any]) -> dict[str, Any]:
    """The personas with e-mail addresses (the digest needs one)."""
    for user in personas.values():
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])
    return personas


def opened(make_case: Any, person: Any = None, *, at: datetime, **updates: Any) -> Case:
    """A school-place request (48 h to respond, 20 days to resolve) opened at `at`."""
    case = make_case(person=person, opened_at=at)
    if updates:
        Case.objects.filter(pk=case.pk).update(**updates)
        case.refresh_from_db()
    return case


def sla_events(case: Case) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case=case, kind="sla"))


def set_permit(person: Person, expiry: date | None, **extra: Any) -> None:
    Person.objects.filter(pk=person.pk).update(permit_expiry=expiry, **extra)


def run_tick(*args: str) -> str:
    out = io.StringIO()
    call_command("tick", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {"events": CaseEvent.objects.count(), "reminders": Reminder.objects.count(),
            "open_reminders": Reminder.objects.filter(done_at__isnull=True).count(),
            "digests": DigestLog.objects.count(), "mails": len(mail.outbox),
            "audit": AuditEntry.objects.count(), "duties": Duty.objects.count(),
            "flags": Case.objects.filter(response_breached=True).count()
            + Case.objects.filter(resolution_breached=True).count()}


# --- 1. SLA ----------------------------------------------------------------------

def test_it_flags_a_late_first_response_with_one_event(make_case, household):
    case = opened(make_case, household.head, at=NOW - timedelta(hours=49))
    assert jobs.step_sla(NOW) == 1
    case.refresh_from_db()
    assert case.response_breached and not case.resolution_breached
    [event] = sla_events(case)
    assert "First response" in event.display_text and "Resolution" not in event.display_text
    assert event.at == NOW and event.actor is None and not event.public


def test_it_leaves_a_case_whose_targets_are_not_yet_due(make_case, household):
    case = opened(make_case, household.head, at=NOW - timedelta(hours=47))
    assert jobs.step_sla(NOW) == 0
    case.refresh_from_db()
    assert not case.response_breached and not case.resolution_breached
    assert sla_events(case) == []


def test_a_case_missing_both_targets_gets_one_event_naming_both(make_case, household):
    case = opened(make_case, household.head, at=NOW - timedelta(days=21))
    assert jobs.step_sla(NOW) == 1
    case.refresh_from_db()
    assert case.response_breached and case.resolution_breached
    [event] = sla_events(case)
    assert "First response" in event.display_text and "Resolution" in event.display_text


def test_a_case_resolved_late_gets_resolution_breached(make_case, household):
    start = NOW - timedelta(days=40)
    case = opened(make_case, household.head, at=start, status="resolved",
                  acknowledged_at=start + timedelta(hours=2),
                  resolved_at=start + timedelta(days=25))
    assert jobs.step_sla(NOW) == 1
    case.refresh_from_db()
    assert case.resolution_breached and not case.response_breached
    assert "Resolution" in sla_events(case)[0].display_text


def test_a_case_acknowledged_late_gets_response_breached(make_case, household):
    start = NOW - timedelta(days=5)
    case = opened(make_case, household.head, at=start, status="in_progress",
                  acknowledged_at=start + timedelta(hours=60))
    jobs.step_sla(NOW)
    case.refresh_from_db()
    assert case.response_breached and not case.resolution_breached


def test_an_on_time_case_is_not_flagged(make_case, household):
    start = NOW - timedelta(days=40)
    case = opened(make_case, household.head, at=start, status="closed",
                  acknowledged_at=start + timedelta(hours=2),
                  resolved_at=start + timedelta(days=19),
                  closed_at=start + timedelta(days=21))
    assert jobs.step_sla(NOW) == 0
    case.refresh_from_db()
    assert not case.response_breached and not case.resolution_breached
    assert sla_events(case) == []


def test_a_case_cancelled_before_any_response_is_not_flagged(make_case, household):
    case = opened(make_case, household.head, at=NOW - timedelta(days=30), status="cancelled")
    assert jobs.step_sla(NOW) == 0
    case.refresh_from_db()
    assert not case.response_breached and not case.resolution_breached


def test_flags_only_go_from_false_to_true(make_case, household):
    case = opened(make_case, household.head, at=NOW - timedelta(hours=49),
                  response_breached=True)
    assert jobs.step_sla(NOW) == 0
    assert sla_events(case) == []
    # Answered since: the flag stays (reports stay honest), nothing is written.
    Case.objects.filter(pk=case.pk).update(acknowledged_at=NOW, status="acknowledged")
    assert jobs.step_sla(NOW + timedelta(hours=1)) == 0
    case.refresh_from_db()
    assert case.response_breached


def test_sla_works_in_batches_with_one_audit_entry_each(make_case, household, monkeypatch):
    monkeypatch.setattr(jobs, "SLA_BATCH", 2)
    cases = [opened(make_case, household.head, at=NOW - timedelta(hours=50)) for _ in range(5)]
    before = AuditEntry.objects.filter(object_type="tick", object_id="sla").count()
    assert jobs.step_sla(NOW) == 5
    entries = list(AuditEntry.objects.filter(object_type="tick", object_id="sla")
                   .order_by("seq"))[before:]
    assert [e.changes["events"] for e in entries] == [2, 2, 1]
    assert all(e.actor_username == "tick" and e.actor_id is None for e in entries)
    assert all(len(sla_events(c)) == 1 for c in cases)


def test_sla_killed_between_batches_then_rerun_writes_no_duplicates(make_case, household,
                                                                    monkeypatch):
    monkeypatch.setattr(jobs, "SLA_BATCH", 1)
    cases = [opened(make_case, household.head, at=NOW - timedelta(hours=50)) for _ in range(3)]
    real = CaseEvent.objects.bulk_create
    calls = {"n": 0}

    def dies_on_the_second_batch(objs, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt  # the timer's process is killed mid-step
        return real(objs, *args, **kwargs)

    with mock.patch.object(CaseEvent.objects, "bulk_create", dies_on_the_second_batch), \
            pytest.raises(KeyboardInterrupt):
        jobs.step_sla(NOW)
    # The first batch is whole, the second left nothing half-written.
    assert Case.objects.filter(response_breached=True).count() == 1
    assert CaseEvent.objects.filter(kind="sla").count() == 1
    assert jobs.step_sla(NOW) == 2
    assert all(len(sla_events(c)) == 1 for c in cases)
    assert Case.objects.filter(response_breached=True).count() == 3


# --- 2. permits -------------------------------------------------------------------

def test_it_raises_a_reminder_for_a_permit_expiring_within_the_window(household):
    head = household.head
    set_permit(head, TODAY + timedelta(days=30))
    assert jobs.step_permits(NOW) == 1
    reminder = Reminder.objects.get()
    assert (reminder.kind, reminder.person_id, reminder.grid_id, reminder.due) == (
        "permit_expiry", head.pk, head.grid_id, TODAY + timedelta(days=30))
    assert reminder.done_at is None


@pytest.mark.parametrize("expiry", [TODAY + timedelta(days=31), TODAY - timedelta(days=1), None])
def test_permits_outside_the_window_get_no_reminder(household, expiry):
    set_permit(household.head, expiry)
    assert jobs.step_permits(NOW) == 0
    assert not Reminder.objects.exists()


def test_a_person_who_left_gets_no_reminder(household):
    set_permit(household.head, TODAY + timedelta(days=5), left_on=TODAY - timedelta(days=3))
    assert jobs.step_permits(NOW) == 0
    assert not Reminder.objects.exists()


def test_a_household_that_moved_out_gets_no_reminder(household):
    set_permit(household.head, TODAY + timedelta(days=5))
    Household.objects.filter(pk=household.pk).update(moved_out=TODAY - timedelta(days=1))
    assert jobs.step_permits(NOW) == 0
    assert not Reminder.objects.exists()


def test_a_renewed_permit_closes_its_reminder(household):
    set_permit(household.head, TODAY + timedelta(days=10))
    jobs.step_permits(NOW)
    set_permit(household.head, TODAY + timedelta(days=10 + 365 * 3))
    later = NOW + timedelta(days=1)
    assert jobs.step_permits(later) == 1
    assert Reminder.objects.get().done_at == later


def test_a_person_leaving_closes_their_reminder(household):
    set_permit(household.head, TODAY + timedelta(days=10))
    jobs.step_permits(NOW)
    Person.objects.filter(pk=household.head_id).update(left_on=TODAY)
    assert jobs.step_permits(NOW) == 1
    assert Reminder.objects.get().done_at == NOW


def test_an_expired_unrenewed_permit_keeps_its_reminder_open(household):
    set_permit(household.head, TODAY + timedelta(days=2))
    jobs.step_permits(NOW)
    assert jobs.step_permits(NOW + timedelta(days=10)) == 0
    assert Reminder.objects.get().done_at is None


def test_a_reminder_follows_its_person_to_another_grid(household, grid_b):
    set_permit(household.head, TODAY + timedelta(days=10))
    jobs.step_permits(NOW)
    Person.objects.filter(pk=household.head_id).update(grid=grid_b)
    assert jobs.step_permits(NOW) == 1
    assert Reminder.objects.get().grid_id == grid_b.pk


def test_permits_killed_after_the_first_batch_then_rerun_without_duplicates(
        household, household_b, monkeypatch):
    people = list(Person.objects.filter(household__in=[household, household_b]))
    for person in people:
        set_permit(person, TODAY + timedelta(days=7))
    monkeypatch.setattr(jobs, "PERMIT_BATCH", 1)
    real = Reminder.objects.bulk_create
    calls = {"n": 0}

    def dies_after_the_first_batch(objs, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("killed")
        return real(objs, *args, **kwargs)

    with mock.patch.object(Reminder.objects, "bulk_create", dies_after_the_first_batch), \
            pytest.raises(RuntimeError):
        jobs.step_permits(NOW)
    assert Reminder.objects.count() == 1
    assert jobs.step_permits(NOW) == len(people) - 1
    assert Reminder.objects.count() == len(people) == 4
    assert jobs.step_permits(NOW) == 0


# --- 3. digest --------------------------------------------------------------------

def test_each_worker_gets_their_overdue_due_today_and_unanswered_cases(make_case, household,
                                                                      staff):
    worker = staff["caseworker"]
    overdue = opened(make_case, household.head, at=NOW - timedelta(days=21), owner=worker)
    today = opened(make_case, household.head, at=NOW - timedelta(days=20) + timedelta(hours=3),
                   owner=worker, acknowledged_at=NOW - timedelta(days=19))
    unanswered = opened(make_case, household.head, at=NOW - timedelta(hours=50), owner=worker)
    later = opened(make_case, household.head, at=NOW - timedelta(hours=1), owner=worker)
    assert digest.step_digest(NOW) == 1
    [message] = mail.outbox
    assert message.to == ["caseworker@example.org"]
    body = message.body
    for case in (overdue, today, unanswered):
        assert case.ref in body
        assert f"https://jiayuan.example.org/desk/cases/{case.pk}/" in body
    assert later.ref not in body
    assert "孩子需要入学" not in body  # the summary stays in the system
    assert body.index(overdue.ref) < body.index(unanswered.ref) < body.index(today.ref)
    log = DigestLog.objects.get(user=worker, day=TODAY)
    assert log.sent_at is not None and log.cases == 3


def test_the_digest_is_in_the_station_language(make_case, household, staff, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    opened(make_case, household.head, at=NOW - timedelta(days=21), owner=staff["caseworker"])
    with translation.override("en"):
        digest.step_digest(NOW)
    assert "随迁子女入学" in mail.outbox[0].body
    assert "School place for a migrant child" not in mail.outbox[0].body


def test_unassigned_overdue_cases_go_to_the_station_head(make_case, household, staff):
    case = opened(make_case, household.head, at=NOW - timedelta(days=21))
    assert case.owner_id is None
    digest.step_digest(NOW)
    assert [m.to for m in mail.outbox] == [["head@example.org"]]
    assert case.ref in mail.outbox[0].body


def test_a_head_of_another_community_does_not_get_them(make_case, household, staff):
    from jiayuan.core.models import User
    from jiayuan.places.models import Community

    other = Community.objects.create(name="别的社区", code="OTH")
    User.objects.filter(pk=staff["head"].pk).update(community=other)
    opened(make_case, household.head, at=NOW - timedelta(days=21))
    assert digest.step_digest(NOW) == 0
    assert mail.outbox == []


def test_no_digest_without_items_an_address_or_the_right_to_work_cases(make_case, household,
                                                                      staff):
    from jiayuan.core.models import User

    assert digest.step_digest(NOW) == 0  # nothing to act on: nothing sent, nothing logged
    assert mail.outbox == [] and not DigestLog.objects.exists()
    opened(make_case, household.head, at=NOW - timedelta(days=21), owner=staff["caseworker"])
    User.objects.filter(pk=staff["caseworker"].pk).update(email="")
    User.objects.filter(pk=staff["head"].pk).update(is_active=False)
    assert digest.step_digest(NOW) == 0
    assert mail.outbox == []


def test_the_grid_a_worker_gets_grid_a_reminders_only_name_and_date(household, household_b,
                                                                    staff):
    set_permit(household.head, TODAY + timedelta(days=9))
    set_permit(household_b.head, TODAY + timedelta(days=8))
    jobs.step_permits(NOW)
    digest.step_digest(NOW)
    by_address = {m.to[0]: m.body for m in mail.outbox}
    grid_a = by_address["gridworker@example.org"]
    assert "鄭容哲" in grid_a and "2030-03-13" in grid_a
    assert "马忠华" not in grid_a
    assert "13812345678" not in grid_a and "5678" not in grid_a  # no phone
    assert household.head.id_number_mask not in grid_a  # no ID number
    assert "https://jiayuan.example.org/desk/reminders/" in grid_a
    assert "马忠华" in by_address["outsider@example.org"]
    # Community-wide accounts read reminders on the page, not by e-mail.
    assert "caseworker@example.org" not in by_address and "head@example.org" not in by_address


def test_another_apps_section_is_in_the_digest_and_its_total(make_case, household, staff,
                                                             monkeypatch):
    """Apps above the desk add sections through digest.contribute (care adds the
    duties and follow-ups); a section counting 0 is left out."""
    monkeypatch.setattr(digest, "_contributions", {})

    @digest.contribute("elsewhere", order=1)
    def elsewhere(user, now, today):
        assert (now, today) == (NOW, TODAY)
        if user.username == "caseworker":
            return digest.Section(count=2, title="Things from elsewhere",
                                  lines=["2 things are waiting.", "Both are late."],
                                  link="https://jiayuan.example.org/elsewhere/")
        if user.username == "head":
            return digest.Section(count=0, title="Nothing here", lines=[], link="")
        return None

    opened(make_case, household.head, at=NOW - timedelta(days=21), owner=staff["caseworker"])
    assert digest.step_digest(NOW) == 1  # the head has nothing: a section of 0 is no reason
    [message] = mail.outbox
    assert message.to == ["caseworker@example.org"]
    assert "3 things to act on today (2030-03-04)" in message.subject
    assert ("\n== Things from elsewhere ==\n2 things are waiting.\nBoth are late.\n"
            "https://jiayuan.example.org/elsewhere/\n") in message.body
    assert "Nothing here" not in message.body
    assert DigestLog.objects.get(user=staff["caseworker"]).cases == 1


def test_the_digest_is_audited_as_a_disclosure(household, staff):
    set_permit(household.head, TODAY + timedelta(days=9))
    jobs.step_permits(NOW)
    digest.step_digest(NOW)
    entry = AuditEntry.objects.get(object_type="tick", object_id="digest")
    assert entry.action == "export" and entry.changes["reminders"] == 1
    assert entry.changes["to_user"] == staff["gridworker"].pk


def test_a_mail_failure_for_one_worker_spares_the_others_and_is_retried(make_case, household,
                                                                        staff):
    opened(make_case, household.head, at=NOW - timedelta(days=21), owner=staff["caseworker"])
    opened(make_case, household.head, at=NOW - timedelta(days=21), owner=staff["mediator"])
    real = digest.send_mail

    def refuses_the_caseworker(subject, body, sender, to, **kwargs):
        if to == ["caseworker@example.org"]:
            raise ConnectionRefusedError("mail server down")
        return real(subject, body, sender, to, **kwargs)

    with mock.patch.object(digest, "send_mail", refuses_the_caseworker), \
            pytest.raises(scheduler.JobIncomplete) as failure:
        digest.step_digest(NOW)
    assert (failure.value.done, failure.value.failed) == (1, 1)
    assert [m.to for m in mail.outbox] == [["mediator@example.org"]]
    assert DigestLog.objects.get(user=staff["caseworker"]).sent_at is None
    # The next run retries the one that failed, and only it.
    assert digest.step_digest(NOW + timedelta(minutes=15)) == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["caseworker@example.org",
                                                    "mediator@example.org"]
    assert digest.step_digest(NOW + timedelta(minutes=30)) == 0
    assert len(mail.outbox) == 2


def test_a_run_killed_between_claim_and_send_is_retried(make_case, household, staff):
    opened(make_case, household.head, at=NOW - timedelta(days=21), owner=staff["caseworker"])
    with mock.patch.object(digest, "send_mail", side_effect=KeyboardInterrupt), \
            pytest.raises(KeyboardInterrupt):
        digest.step_digest(NOW)
    assert DigestLog.objects.get().sent_at is None and mail.outbox == []
    assert digest.step_digest(NOW) == 1
    assert len(mail.outbox) == 1 and DigestLog.objects.count() == 1


def test_one_digest_per_day_and_a_new_one_the_next_day(make_case, household, staff):
    opened(make_case, household.head, at=NOW - timedelta(days=21), owner=staff["caseworker"])
    assert digest.step_digest(NOW) == 1
    assert digest.step_digest(NOW + timedelta(hours=10)) == 0
    assert digest.step_digest(NOW + timedelta(days=1)) == 1
    assert len(mail.outbox) == 2
    assert sorted(DigestLog.objects.values_list("day", flat=True)) == [
        TODAY, TODAY + timedelta(days=1)]


def test_the_command_exits_with_status_1_when_a_digest_fails(make_case, household, staff):
    opened(make_case, household.head, at=NOW - timedelta(days=21), owner=staff["caseworker"])
    out = io.StringIO()
    with mock.patch.object(digest, "send_mail", side_effect=OSError("down")), \
            pytest.raises(CommandError) as exc:
        call_command("tick", "--now", NOW.isoformat(), stdout=out)
    assert exc.value.returncode == 1 and "digest: 1 failed" in str(exc.value)
    assert "sla: 1" in out.getvalue() and "digest: 0 (1 failed)" in out.getvalue()


# --- the command ------------------------------------------------------------------

def scenario(make_case: Any, household: Any, household_b: Any, staff: dict[str, Any]) -> None:
    opened(make_case, household.head, at=NOW - timedelta(days=21), owner=staff["caseworker"])
    opened(make_case, household.head, at=NOW - timedelta(hours=50))
    start = NOW - timedelta(days=40)
    opened(make_case, household.head, at=start, status="resolved",
           acknowledged_at=start + timedelta(hours=1), resolved_at=start + timedelta(days=30))
    set_permit(household.head, TODAY + timedelta(days=9))
    set_permit(household_b.head, TODAY + timedelta(days=20))


def test_running_tick_twice_writes_nothing_new(make_case, household, household_b, staff):
    scenario(make_case, household, household_b, staff)
    first = run_tick("--now", NOW.isoformat())
    # duties: the household with three unresolved requests is owed a visit.
    assert first.splitlines() == ["sla: 3", "permits: 2", "duties: 1", "column_reviews: 0",
                                  "living_counts: 0", "reports: 0", "import_checks: 0", "import_commits: 0", "webhooks: 0", "digest: 4", "sessions: 0",
                                  "retention: 0"]
    after_first = counts()
    second = run_tick("--now", (NOW + timedelta(minutes=15)).isoformat())
    assert second.splitlines() == ["sla: 0", "permits: 0", "duties: 0", "column_reviews: 0",
                                   "living_counts: 0", "reports: 0", "import_checks: 0", "import_commits: 0", "webhooks: 0", "digest: 0", "sessions: 0",
                                   "retention: 0"]
    assert counts() == after_first


def test_only_runs_one_step_and_quiet_prints_nothing(make_case, household, household_b, staff):
    scenario(make_case, household, household_b, staff)
    assert run_tick("--only", "permits", "--now", NOW.isoformat()) == "permits: 2\n"
    assert not Case.objects.filter(response_breached=True).exists() and mail.outbox == []
    assert run_tick("--quiet", "--now", NOW.isoformat()) == ""
    assert Case.objects.filter(response_breached=True).count() == 2


@pytest.mark.parametrize("args,message", [
    (["--only", "visits"],
     "There is no step 'visits'; the steps are: sla, permits, duties, column_reviews, living_counts, reports, import_checks, import_commits, webhooks, digest, sessions, retention."),
    (["--now", "next tuesday"], "--now must be an ISO date or date-time"),
])
def test_bad_arguments_are_named_and_change_nothing(make_case, household, household_b, staff,
                                                    args, message):
    scenario(make_case, household, household_b, staff)
    before = counts()
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(".", r"\.")):
        run_tick(*args)
    assert counts() == before


def test_a_naive_now_is_read_in_the_station_time_zone(household):
    set_permit(household.head, TODAY + timedelta(days=30))
    # 2030-03-04 00:30 in Shanghai is still 3 March in UTC: the window is local.
    assert run_tick("--only", "permits", "--now", "2030-03-04T00:30") == "permits: 1\n"


def test_a_second_run_waits_for_nobody_while_the_first_holds_the_lock(make_case, household,
                                                                      household_b, staff):
    scenario(make_case, household, household_b, staff)
    before = counts()
    if connection.vendor == "postgresql":
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_lock(%s)", [scheduler.PG_LOCK_KEY])
            output = run_tick("--now", NOW.isoformat())
        finally:
            other.close()
    else:
        with scheduler.run_lock() as got:
            assert got
            output = run_tick("--now", NOW.isoformat())
    assert output == "tick: another run holds the lock; nothing done.\n"
    assert counts() == before
    with scheduler.run_lock() as got:  # released again
        assert got


# --- 4. the reminder page -----------------------------------------------------------

VIEW = {"head", "caseworker", "gridworker", "mediator", "auditor"}
WORK = {"head", "caseworker", "gridworker", "mediator"}


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def reminder(household: Any) -> Reminder:
    return Reminder.objects.create(kind="permit_expiry", person=household.head,
                                   grid_id=household.grid_id, due=TODAY)


def test_the_reminder_page_gives_each_persona_the_right_answer(reminder, household_b, personas):
    other = Reminder.objects.create(kind="permit_expiry", person=household_b.head,
                                    grid_id=household_b.grid_id, due=TODAY)
    url = reverse("reminder_list")
    for role, user in personas.items():
        response = client_for(user).get(url)
        expected = 200 if role in VIEW or role == "outsider" else 403
        assert response.status_code == expected, f"{role} got {response.status_code}"
        if expected == 200:
            page = response.content.decode()
            # Each grid worker sees their own grid; community-wide accounts both.
            assert ("鄭容哲" in page) == (role != "outsider"), role
            assert ("马忠华" in page) == (role != "gridworker"), role
            mine = reminder if role == "gridworker" else other
            can_mark = role in WORK or role == "outsider"
            assert (reverse("reminder_done", args=[mine.pk]) in page) == can_mark, role


def test_anonymous_visitors_are_sent_to_login(reminder):
    for url, method in ((reverse("reminder_list"), "get"),
                        (reverse("reminder_done", args=[reminder.pk]), "post")):
        response = getattr(Client(), method)(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_marking_done_by_each_persona(reminder, personas):
    url = reverse("reminder_done", args=[reminder.pk])
    for role, user in personas.items():
        Reminder.objects.filter(pk=reminder.pk).update(done_at=None)
        response = client_for(user).post(url)
        done = Reminder.objects.get(pk=reminder.pk).done_at is not None
        if role in WORK:
            assert response.status_code == 302 and done, role
        elif role == "outsider":  # another grid's reminder: exactly like a missing one
            assert response.status_code == 404 and not done
        else:
            assert response.status_code == 403 and not done, role


def test_marking_done_is_audited_without_the_name_and_leaves_the_list(reminder, personas):
    client = client_for(personas["gridworker"])
    response = client.post(reverse("reminder_done", args=[reminder.pk]), follow=True)
    assert "Reminder marked done." in response.content.decode()
    assert "鄭容哲" not in response.content.decode()
    entry = AuditEntry.objects.get(object_type="desk.reminder", object_id=str(reminder.pk))
    assert entry.actor_username == "gridworker" and "done_at" in entry.changes
    assert "鄭容哲" not in entry.object_repr


def test_marking_a_reminder_done_twice_says_so_and_changes_nothing(reminder, personas):
    client = client_for(personas["caseworker"])
    client.post(reverse("reminder_done", args=[reminder.pk]))
    first = Reminder.objects.get(pk=reminder.pk).done_at
    audit_before = AuditEntry.objects.count()
    response = client.post(reverse("reminder_done", args=[reminder.pk]), follow=True)
    assert "already marked done" in response.content.decode()
    assert Reminder.objects.get(pk=reminder.pk).done_at == first
    assert AuditEntry.objects.count() == audit_before


def test_outsider_probing_is_audited_and_missing_ids_are_404(reminder, personas):
    outsider = client_for(personas["outsider"])
    assert outsider.post(reverse("reminder_done", args=[reminder.pk])).status_code == 404
    assert AuditEntry.objects.filter(action="denied", actor_username="outsider",
                                     object_type="desk.reminder").exists()
    caseworker = client_for(personas["caseworker"])
    assert caseworker.post(reverse("reminder_done", args=[987654])).status_code == 404
    assert caseworker.get(reverse("reminder_done", args=[reminder.pk])).status_code == 405


def test_the_reminder_page_runs_a_bounded_number_of_queries(household, personas,
                                                            django_assert_max_num_queries):
    people = list(Person.objects.filter(household=household))
    for i in range(30):
        Reminder.objects.create(kind="permit_expiry", person=people[i % len(people)],
                                grid_id=household.grid_id, due=TODAY + timedelta(days=i))
    client = client_for(personas["caseworker"])
    client.get(reverse("reminder_list"))  # warm the session
    with django_assert_max_num_queries(12):
        response = client.get(reverse("reminder_list"))
    assert response.status_code == 200
    assert response.content.decode().count("reminders/") >= 25  # one page of 25 rows
