"""The desk's rules, called on the services directly (no view in between):
each test fails if its rule is taken out of the service or selector."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone, translation

from jiayuan.core.models import AuditEntry
from jiayuan.desk import selectors, services, workflow
from jiayuan.desk.choices import EventKind, ReminderKind, Status
from jiayuan.desk.models import Case, DeskSettings, Reminder, ServiceItem
from jiayuan.registry.models import Consent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


# --- on-site (三必到) ----------------------------------------------------------------

def test_it_forces_onsite_from_the_service_item(make_case: Any, household: Any,
                                                onsite_item: ServiceItem) -> None:
    case = make_case(person=household.head, item=onsite_item, needs_onsite=False)
    assert case.needs_onsite is True


def test_it_keeps_onsite_when_the_worker_asks_for_it(make_case: Any, household: Any) -> None:
    assert make_case(person=household.head, needs_onsite=True).needs_onsite is True
    assert make_case(person=household.head).needs_onsite is False


def test_it_refuses_to_resolve_an_onsite_case_without_the_contact(
        make_case: Any, household: Any, onsite_item: ServiceItem, personas: dict) -> None:
    cw = personas["caseworker"]
    case = make_case(person=household.head, item=onsite_item, needs_onsite=False)
    with pytest.raises(ValidationError) as exc:
        services.transition(actor=cw, case=case, action="resolve", version=case.version,
                            outcome="answered")
    assert exc.value.code == "onsite"
    case.refresh_from_db()
    assert case.status == Status.NEW
    services.add_note(actor=cw, case=case, kind=EventKind.ONSITE, text="上门查看")
    done = services.transition(actor=cw, case=case, action="resolve", version=case.version,
                               outcome="answered")
    assert done.status == Status.RESOLVED


def test_an_onsite_case_from_before_the_rule_still_needs_the_contact(
        make_case: Any, household: Any, onsite_item: ServiceItem, personas: dict) -> None:
    # A row written before case_create forced it (needs_onsite False): the
    # service item decides.
    case = make_case(person=household.head, item=onsite_item)
    Case.objects.filter(pk=case.pk).update(needs_onsite=False)
    case.refresh_from_db()
    with pytest.raises(ValidationError, match="三必到"):
        services.transition(actor=personas["caseworker"], case=case, action="resolve",
                            version=case.version, outcome="answered")


# --- one workflow ---------------------------------------------------------------------

def test_apply_refuses_a_move_the_table_does_not_hold(case: Case) -> None:
    with pytest.raises(workflow.NotAllowed):
        workflow.apply(case, "resume")
    with pytest.raises(workflow.NotAllowed):
        workflow.apply(case, "close")
    with pytest.raises(workflow.NotAllowed):
        workflow.apply(case, "no_such_action")
    case.refresh_from_db()
    assert case.status == Status.NEW and not case.events.filter(kind=EventKind.STATUS).exists()


def test_apply_moves_sets_the_dates_and_writes_the_timeline(case: Case,
                                                           personas: dict) -> None:
    old = workflow.apply(case, "start", actor=personas["caseworker"])
    case.refresh_from_db()
    assert (old, case.status) == (Status.NEW, Status.IN_PROGRESS)
    assert case.acknowledged_at is not None
    event = case.events.get(kind=EventKind.STATUS)
    assert (event.from_status, event.to_status, event.actor) == (
        Status.NEW, Status.IN_PROGRESS, personas["caseworker"])


def test_referring_a_new_case_is_a_move_of_the_table(case: Case, education: Any,
                                                     personas: dict) -> None:
    assert workflow.can(Status.NEW, "wait_department")
    Consent.objects.create(person=case.person, purpose="referral", status="given",
                           department=education, recorded_on=date(2026, 1, 5),
                           evidence="签字", recorded_by=personas["head"])
    services.referral_create(actor=personas["caseworker"], case=case, department=education,
                             message="请协助入学", version=case.version)
    case.refresh_from_db()
    assert case.status == Status.WAITING_DEPARTMENT and case.acknowledged_at is not None


def test_each_flow_moves_only_through_the_table(case: Case, education: Any,
                                                personas: dict) -> None:
    """Referral sent -> answered -> resolved -> follow-up call: every status
    entry on the timeline is a move of the table."""
    cw = personas["caseworker"]
    Consent.objects.create(person=case.person, purpose="referral", status="given",
                           department=education, recorded_on=date(2026, 1, 5),
                           evidence="签字", recorded_by=personas["head"])
    referral = services.referral_create(actor=cw, case=case, department=education,
                                        message="请协助入学", version=case.version)
    services.referral_answer(token=services.referral_token(referral), name="李老师",
                             answer="已安排学位")
    case.refresh_from_db()
    assert case.status == Status.IN_PROGRESS
    case = services.transition(actor=cw, case=case, action="resolve", version=case.version,
                               outcome="school_place", outcome_quantity=1)
    services.record_follow_up(actor=cw, case=case, reached=True, satisfaction=5)
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    moves = list(case.events.filter(kind=EventKind.STATUS).order_by("id")
                 .values_list("from_status", "to_status"))
    assert moves == [(Status.NEW, Status.WAITING_DEPARTMENT),
                     (Status.WAITING_DEPARTMENT, Status.IN_PROGRESS),
                     (Status.IN_PROGRESS, Status.RESOLVED), (Status.RESOLVED, Status.CLOSED)]
    targets = {(a.target, s) for a in workflow.ACTIONS.values() for s in a.sources}
    assert all((to, frm) in targets for frm, to in moves)


_STATUS_WRITE = re.compile(
    r"(case|locked)\.status\s*=(?!=)|\.status\s*,\s*\w+\.\w+\s*=\s*Status\."
    r"|Case\.objects[^\n]*\.update\([^)]*\bstatus=")


def test_no_module_writes_a_case_status_outside_the_workflow() -> None:
    root = Path(__file__).resolve().parents[2] / "jiayuan"
    offenders = []
    for path in root.rglob("*.py"):
        if "migrations" in path.parts or path.name == "workflow.py":
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if _STATUS_WRITE.search(line):
                offenders.append(f"{path.relative_to(root)}:{n}: {line.strip()}")
    assert offenders == []


# --- one repeat threshold ---------------------------------------------------------------

def test_the_threshold_is_the_deployments_until_the_head_sets_one(
        community: Any, personas: dict, settings: Any) -> None:
    settings.DESK_REPEAT_OPEN, settings.DESK_REPEAT_DAYS = 3, 30
    assert selectors.repeat_threshold(community.pk) == selectors.RepeatThreshold(3, 30)
    services.repeat_threshold_save(actor=personas["head"], community_id=community.pk,
                                   repeat_open=2, repeat_days=10)
    assert selectors.repeat_threshold(community.pk) == selectors.RepeatThreshold(2, 10)
    assert selectors.repeat_thresholds() == {community.pk: selectors.RepeatThreshold(2, 10)}
    assert AuditEntry.objects.filter(object_type="desk.desksettings").exists()


def test_only_a_head_of_the_community_sets_the_threshold(community: Any,
                                                         personas: dict) -> None:
    with pytest.raises(PermissionDenied):
        services.repeat_threshold_save(actor=personas["caseworker"],
                                       community_id=community.pk, repeat_open=2)
    with pytest.raises(ValidationError) as exc:
        services.repeat_threshold_save(actor=personas["head"], community_id=community.pk,
                                       repeat_open=0)
    assert "repeat_open" in exc.value.error_dict
    assert not DeskSettings.objects.exists()


def test_a_repeat_is_counted_in_the_communitys_window(make_case: Any, household: Any,
                                                     personas: dict, community: Any) -> None:
    now = timezone.now()
    make_case(person=household.head, opened_at=now - timedelta(days=5))
    assert make_case(person=household.head, opened_at=now).is_repeat is True
    services.repeat_threshold_save(actor=personas["head"], community_id=community.pk,
                                   repeat_open=3, repeat_days=3)
    assert make_case(person=household.head, opened_at=now + timedelta(days=7)).is_repeat \
        is False


def test_the_desk_flag_counts_the_communitys_threshold(make_case: Any, household: Any,
                                                       green_item: Any, personas: dict,
                                                       community: Any) -> None:
    make_case(person=household.head)
    make_case(person=household.head, item=green_item)
    assert selectors.repeat_flags(household) == []
    services.repeat_threshold_save(actor=personas["head"], community_id=community.pk,
                                   repeat_open=2)
    assert selectors.repeat_flags(household) == ["2 requests unresolved"]


# --- catalogue and reminders ------------------------------------------------------------

def test_the_catalogue_is_saved_by_the_head_only_and_audited(school_item: ServiceItem,
                                                             personas: dict) -> None:
    school_item.resolution_days = 15
    with pytest.raises(PermissionDenied):
        services.catalogue_save(actor=personas["caseworker"], instance=school_item)
    assert ServiceItem.objects.get(pk=school_item.pk).resolution_days == 20
    assert services.catalogue_save(actor=personas["head"], instance=school_item) is True
    assert ServiceItem.objects.get(pk=school_item.pk).resolution_days == 15
    entry = AuditEntry.objects.get(object_type="desk.serviceitem", action="update")
    assert entry.changes["resolution_days"] == [20, 15]
    assert services.catalogue_save(actor=personas["head"], instance=school_item) is False


def test_a_reminder_is_marked_done_once_and_only_in_scope(household: Any,
                                                          personas: dict) -> None:
    reminder = Reminder.objects.create(kind=ReminderKind.PERMIT_EXPIRY, person=household.head,
                                       grid_id=household.grid_id,
                                       due=timezone.localdate() + timedelta(days=10))
    with pytest.raises(Http404):
        services.reminder_mark_done(actor=personas["outsider"], reminder=reminder)
    with pytest.raises(PermissionDenied):
        services.reminder_mark_done(actor=personas["auditor"], reminder=reminder)
    assert services.reminder_mark_done(actor=personas["caseworker"], reminder=reminder)
    assert not services.reminder_mark_done(actor=personas["caseworker"], reminder=reminder)
    assert Reminder.objects.get().done_at is not None
