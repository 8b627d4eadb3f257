"""The six must-visit duties: each rule raises exactly one duty, a qualifying
visit closes it, a second tick writes nothing, a killed tick leaves no half."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone

from jiayuan.care import services as care
from jiayuan.care.choices import DutyRule, DutyStatus
from jiayuan.care.duties import engine as duties
from jiayuan.care.models import CareSettings, Duty, FestivalDate
from jiayuan.registry.models import Circumstance


@pytest.fixture
def now() -> Any:
    return timezone.now()


@pytest.fixture
def today(now: Any) -> date:
    return timezone.localdate(now)


def circumstance(household: Any, kind: str, started: date, ended: date | None = None) -> Any:
    return Circumstance.objects.create(household=household, person=household.head, kind=kind,
                                       started=started, ended=ended)


def dispute_with(household: Any, actor: Any) -> Any:
    d = care.dispute_create(actor=actor, kind="neighbours", source="walk_in",
                            summary="楼上漏水")
    care.party_add(actor=actor, dispute=d, role="applicant", person=household.head)
    return d


def visit(actor: Any, household: Any, mode: str = "home", when: Any = None) -> Any:
    v, _created = care.visit_log(actor=actor, households=[household], mode=mode,
                                 purpose="duty", visited_at=when)
    return v


def raise_condition(rule: str, household: Any, head: Any, today: date,
                    make_case: Any) -> None:
    if rule == DutyRule.DISPUTE:
        dispute_with(household, head)
    elif rule == DutyRule.ILLNESS:
        circumstance(household, "serious_illness", today - timedelta(days=3))
    elif rule == DutyRule.REPEAT:
        make_case(person=household.head)
        make_case(person=household.head)  # the same request again within 30 days
    elif rule == DutyRule.HARDSHIP:
        circumstance(household, "hardship", today - timedelta(days=40))
    elif rule == DutyRule.DISABILITY:
        circumstance(household, "disability", date(2001, 1, 1))
    elif rule == DutyRule.FESTIVAL:
        FestivalDate.objects.create(festival="chuseok", date=today + timedelta(days=5))


@pytest.mark.parametrize("rule", DutyRule.values)
def test_each_rule_raises_one_duty_and_a_visit_closes_it(rule: str, household: Any,
                                                         personas: dict, make_case: Any,
                                                         now: Any, today: date) -> None:
    head, worker = personas["head"], personas["gridworker"]
    assert duties.run(now) == 0
    raise_condition(rule, household, head, today, make_case)

    written = duties.run(now)
    duty = Duty.objects.get()
    assert written == 1
    assert (duty.rule, duty.household, duty.status) == (rule, household, DutyStatus.OPEN)
    assert duty.assignee == worker  # the grid worker of grid A answers for it
    expected_due = (today + timedelta(days=5) if rule == DutyRule.FESTIVAL
                    else today + timedelta(days=CareSettings().due_days(rule)))
    assert duty.due == expected_due

    assert duties.run(now) == 0  # idempotent
    assert Duty.objects.count() == 1

    visit(worker, household, mode="phone")  # a phone call is not a visit
    duty.refresh_from_db()
    assert duty.status == DutyStatus.OPEN
    v = visit(worker, household)
    duty.refresh_from_db()
    assert (duty.status, duty.visit, duty.closed_on, duty.on_time) == (
        DutyStatus.DONE, v, today, True)
    assert duties.run(now) == 0  # fulfilled: nothing new until it comes round again


def test_duty_recurs_while_the_condition_lasts(household: Any, personas: dict, now: Any,
                                               today: date) -> None:
    circumstance(household, "disability", date(2001, 1, 1))
    duties.run(now)
    visit(personas["gridworker"], household)
    every = CareSettings().disability_every
    assert duties.run(now + timedelta(days=every - 1)) == 0
    assert duties.run(now + timedelta(days=every)) == 1
    assert list(Duty.objects.values_list("status", flat=True).order_by("id")) == [
        DutyStatus.DONE, DutyStatus.OPEN]


def test_settings_of_the_community_apply(household: Any, personas: dict, make_case: Any,
                                         green_item: Any, now: Any, today: date) -> None:
    make_case(person=household.head)
    make_case(person=household.head, item=green_item)  # another service: not a repeat
    assert duties.run(now) == 0  # 2 unresolved < 3
    care.settings_save(actor=personas["head"], community_id=household.grid.community_id,
                       values={"repeat_open": 2, "repeat_due": 3})
    assert duties.run(now) == 1
    duty = Duty.objects.get()
    assert (duty.rule, duty.due, duty.detail["open"]) == (DutyRule.REPEAT,
                                                          today + timedelta(days=3), 2)


def test_duty_lapses_when_the_reason_ends(household: Any, personas: dict, now: Any,
                                          today: date) -> None:
    head = personas["head"]
    d = dispute_with(household, head)
    duties.run(now)
    care.dispute_close(actor=head, dispute=d, outcome="withdrawn")
    assert duties.run(now) == 1
    duty = Duty.objects.get()
    assert (duty.status, duty.closed_on) == (DutyStatus.LAPSED, today)
    assert duties.run(now) == 0


def test_ended_circumstance_and_moved_household_raise_nothing(
        household: Any, now: Any, today: date) -> None:
    circumstance(household, "serious_illness", date(2020, 1, 1), ended=today - timedelta(1))
    circumstance(household, "hardship", today + timedelta(days=10))  # not yet
    assert duties.run(now) == 0
    circumstance(household, "disability", date(2001, 1, 1))
    household.moved_out = today
    household.save()
    assert duties.run(now) == 0


def test_festival_only_from_what_the_household_declared(household: Any, household_b: Any,
                                                        now: Any, today: date) -> None:
    # household celebrates chuseok and spring_festival; household_b declared none,
    # whatever anyone might guess from its members.
    FestivalDate.objects.create(festival="eid_al_fitr", date=today + timedelta(days=3))
    assert duties.run(now) == 0
    FestivalDate.objects.create(festival="spring_festival", date=today + timedelta(days=3))
    FestivalDate.objects.create(festival="chuseok", date=today + timedelta(days=60))
    assert duties.run(now) == 1
    duty = Duty.objects.get()
    assert (duty.household, duty.key) == (household,
                                          f"spring_festival:{today + timedelta(days=3)}")
    # After the festival, an unvisited duty lapses — and counts as missed.
    later = now + timedelta(days=3 + duties.FESTIVAL_GRACE_DAYS + 1)
    assert duties.run(later) == 1
    duty.refresh_from_db()
    assert duty.status == DutyStatus.LAPSED and duty.closed_on > duty.due


def test_a_visit_before_the_duty_was_raised_does_not_close_it(household: Any, personas: dict,
                                                              now: Any) -> None:
    worker = personas["gridworker"]
    visit(worker, household, when=now - timedelta(days=2))
    circumstance(household, "serious_illness", timezone.localdate(now) - timedelta(days=1))
    duties.run(now)
    assert Duty.objects.get().status == DutyStatus.OPEN


def test_tick_killed_midway_then_rerun_completes_without_duplicates(
        household: Any, household_b: Any, personas: dict, now: Any, today: date,
        monkeypatch: Any) -> None:
    for h in (household, household_b):
        circumstance(h, "disability", date(2001, 1, 1))
        circumstance(h, "hardship", date(2020, 1, 1))
    monkeypatch.setattr(duties, "BATCH", 1)
    real = Duty.objects.bulk_create
    calls = {"n": 0}

    def dying(objs: Any, *args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt("killed")
        return real(objs, *args, **kwargs)

    with mock.patch.object(Duty.objects, "bulk_create", dying), \
            pytest.raises(KeyboardInterrupt):
        duties.run(now)
    assert Duty.objects.count() == 2  # whole batches only
    assert duties.run(now) == 2
    assert Duty.objects.count() == 4
    assert duties.run(now) == 0
    assert sorted(Duty.objects.values_list("household_id", "rule")) == sorted(
        [(household.pk, "disability"), (household.pk, "hardship"),
         (household_b.pk, "disability"), (household_b.pk, "hardship")])


def test_the_database_refuses_a_second_open_duty(household: Any, now: Any) -> None:
    from django.db import IntegrityError, transaction

    circumstance(household, "disability", date(2001, 1, 1))
    duties.run(now)
    d = Duty.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Duty.objects.create(household=household, grid_id=d.grid_id, rule=d.rule,
                            raised_on=d.raised_on, due=d.due)


def test_tick_command_runs_the_duties_step_twice(household: Any, now: Any) -> None:
    circumstance(household, "serious_illness", date(2020, 1, 1))
    call_command("tick", "--only", "duties", "--quiet")
    call_command("tick", "--only", "duties", "--quiet")
    assert Duty.objects.count() == 1


def test_the_daily_digest_counts_the_workers_duties_without_reasons(
        household: Any, personas: dict, now: Any, today: date, settings: Any) -> None:
    from django.core import mail
    from django.utils import translation

    from jiayuan.desk import digest

    settings.LANGUAGE_CODE = "en"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    worker = personas["gridworker"]
    worker.email = "gw@example.org"
    worker.save()
    circumstance(household, "serious_illness", date(2020, 1, 1))
    duties.run(now - timedelta(days=30))  # raised a month ago: overdue now
    with translation.override("en"):
        assert digest.step_digest(now) == 1
    body = mail.outbox[0].body
    assert "1 household is owed a visit that is overdue." in body
    assert "/care/duties/" in body
    assert "illness" not in body.lower() and household.head.name not in body


def test_a_household_moving_grid_takes_its_visits_and_open_duties_along(
        household: Any, personas: dict, dwelling_b: Any, now: Any, today: date) -> None:
    from jiayuan.care.models import Visit
    from jiayuan.registry import services as registry

    worker, outsider = personas["gridworker"], personas["outsider"]
    v = visit(worker, household)
    circumstance(household, "disability", date(2001, 1, 1))
    duties.run(now)
    registry.household_move(actor=personas["head"], household=household, dwelling=dwelling_b,
                            on=today)
    duty = Duty.objects.get()
    assert (duty.grid_id, duty.assignee) == (dwelling_b.grid_id, outsider)
    assert Visit.objects.get(pk=v.pk).grid_id == dwelling_b.grid_id


def test_a_festival_duty_lapses_when_the_household_or_the_calendar_changes_its_mind(
        household: Any, personas: dict, now: Any, today: date) -> None:
    from jiayuan.registry.models import Household

    day = today + timedelta(days=5)
    wrong = FestivalDate.objects.create(festival="chuseok", date=day)
    FestivalDate.objects.create(festival="spring_festival", date=day)
    assert duties.run(now) == 2
    # The station corrects the Chuseok date: the old duty lapses, a new one is raised.
    care.festival_date_delete(actor=personas["head"], row=wrong)
    FestivalDate.objects.create(festival="chuseok", date=day + timedelta(days=1))
    assert duties.run(now) == 2
    assert sorted(Duty.objects.filter(status=DutyStatus.OPEN).values_list("key", flat=True)) \
        == sorted([f"chuseok:{day + timedelta(days=1)}", f"spring_festival:{day}"])
    # The household no longer declares the Spring Festival.
    Household.objects.filter(pk=household.pk).update(festivals=["chuseok"])
    assert duties.run(now) == 1
    assert list(Duty.objects.filter(status=DutyStatus.OPEN).values_list("key", flat=True)) \
        == [f"chuseok:{day + timedelta(days=1)}"]


def test_each_tick_batch_is_audited_without_saying_who(household: Any, now: Any) -> None:
    from jiayuan.core.models import AuditEntry

    circumstance(household, "disability", date(2001, 1, 1))
    duties.run(now)
    entry = AuditEntry.objects.get(object_type="care.duty")
    assert entry.changes == {"rule": "disability", "count": 1}
    assert entry.actor_username == "tick"
