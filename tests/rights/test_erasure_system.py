"""The system's erasure (rights.erasure, actor None) and retention's rule that
uses it: archived households anonymised RETENTION_ANONYMISE_YEARS after
archiving. The clock is fixed: every moment is passed in."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from jiayuan.core import scheduler
from jiayuan.core.models import AuditEntry
from jiayuan.desk import services as desk
from jiayuan.desk.models import CaseEvent, Referral
from jiayuan.registry import services as registry
from jiayuan.registry.models import Consent, Household, Person
from jiayuan.rights import retention
from jiayuan.rights.erasure import erase_person

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2030, 3, 31, 10, 0, tzinfo=TZ)
RULE = "anonymise_households"


def rule() -> retention.Rule:
    return next(r for r in retention.RULES if r.name == RULE)


@pytest.fixture
def archived(head: Any, household: Any, household_b: Any, settings: Any) -> tuple[Any, Any]:
    """郑容哲's household (three people) archived on the boundary day, 5 years
    before NOW; 马忠华's a day later. Both with a note."""
    settings.RETENTION_ANONYMISE_YEARS = 5
    for h in (household, household_b):
        registry.household_move_out(actor=head, household=h, on=date(2024, 6, 1))
    Household.objects.filter(pk=household.pk).update(archived_on=date(2025, 3, 31),
                                                     note="老郑家，孙子上学")
    Household.objects.filter(pk=household_b.pk).update(archived_on=date(2025, 4, 1),
                                                       note="马家")
    return household, household_b


@pytest.mark.parametrize("reason", ["request", "purpose", "consent", "unlawful"])
def test_the_system_erases_only_on_the_retention_ground(household, reason):
    person = Person.objects.get(household=household, name="金英姬")
    with pytest.raises(ValidationError) as info:
        erase_person(actor=None, person=person, reason=reason)
    assert "reason" in info.value.message_dict
    person.refresh_from_db()
    assert not person.is_erased


def test_the_systems_erasure_withdraws_referrals_as_the_system(household, head, education,
                                                               school_item, personas):
    wife = Person.objects.get(household=household, name="金英姬")
    consent = registry.consent_record(actor=head, person=wife, purpose="referral",
                                      recorded_on=date(2026, 1, 5), department=education)
    case = desk.case_create(actor=head, item=school_item, channel="walk_in", summary="入学",
                            person=wife)
    referral = desk.referral_create(actor=personas["caseworker"], case=case,
                                    department=education, message="请安排",
                                    version=case.version)
    assert referral.consent_id == consent.pk
    erase_person(actor=None, person=wife, reason="retention")
    referral.refresh_from_db()
    assert referral.status == "withdrawn"
    event = CaseEvent.objects.get(case=case, code="referral_consent_withdrawn")
    assert event.actor_id is None
    written = AuditEntry.objects.filter(object_type__in=[
        "registry.consent", "desk.referral", "registry.person"], action__in=["update", "delete"],
        seq__gt=AuditEntry.objects.get(object_type="desk.referral", action="create").seq)
    assert written.count() >= 3
    assert {(e.actor_id, e.actor_username) for e in written} == {(None, scheduler.ACTOR)}
    assert Consent.objects.get(pk=consent.pk).status == "withdrawn"
    assert Referral.objects.get(pk=referral.pk).status == "withdrawn"
    call_command("verify_audit")


def test_an_archived_household_is_due_on_the_day_its_period_ends(archived):
    due, later = archived
    assert list(rule().due(NOW)) == [due]
    lines = {line.name: line for line in retention.report(NOW)}
    assert (lines[RULE].due_now, lines[RULE].oldest) == (1, date(2025, 3, 31))
    assert lines[RULE].due_soon == 2
    # The report changes nothing.
    assert rule().due(NOW).count() == 1


def test_it_erases_every_person_and_the_note_with_one_entry_per_run(archived):
    due, later = archived
    assert rule().apply(NOW) == 1
    assert all(p.is_erased for p in Person.objects.filter(household=due))
    assert Person.objects.filter(household=due).count() == 3
    due.refresh_from_db()
    assert due.note == ""
    # The household a day younger keeps everything.
    later.refresh_from_db()
    assert later.note == "马家" and not later.head.is_erased
    [entry] = AuditEntry.objects.filter(object_type=retention.OBJECT_TYPE, object_id=RULE)
    assert entry.actor_username == scheduler.ACTOR and entry.actor_id is None
    assert entry.changes == {"rule": RULE, "count": 1, "dated_up_to": "2025-03-31"}
    erasures = AuditEntry.objects.filter(object_type="registry.person", action="delete",
                                         changes__has_key="erased")
    assert erasures.count() == 3
    assert {(e.actor_username, e.changes["erased"]) for e in erasures} == {
        (scheduler.ACTOR, "retention")}
    # Done: a second run finds nothing and writes nothing.
    seq = AuditEntry.objects.order_by("-seq").first().seq
    assert rule().apply(NOW) == 0
    assert AuditEntry.objects.order_by("-seq").first().seq == seq
    call_command("verify_audit")


def test_tick_runs_the_rule(archived):
    call_command("tick", "--only", "retention", "--now", NOW.isoformat())
    due, _ = archived
    assert all(p.is_erased for p in Person.objects.filter(household=due))
    assert AuditEntry.objects.filter(object_type=retention.OBJECT_TYPE, object_id=RULE).count() == 1
