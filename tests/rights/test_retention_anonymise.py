"""Retention's anonymisation of archived households, household by household:
the last member's erasure clears what the household's own rows say; each
person's erasure is a transaction of its own (a household that fails is
logged and left for the next run, which erases who is left; the others are
committed); a run takes at most
ANONYMISE_PER_RUN households. The clock is fixed: every moment is passed in."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from jiayuan.care import services as care
from jiayuan.care.models import Pairing, Visit
from jiayuan.core import audit
from jiayuan.core.models import AuditEntry
from jiayuan.registry import services as registry
from jiayuan.registry.models import Household, Person
from jiayuan.rights import retention

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2030, 3, 31, 10, 0, tzinfo=TZ)
RULE = "anonymise_households"


def rule() -> retention.Rule:
    return next(r for r in retention.RULES if r.name == RULE)


@pytest.fixture
def archived(head: Any, household: Any, household_b: Any, personas: Any,
             settings: Any) -> tuple[Any, Any, Any]:
    """郑容哲's household (three people) with a visit of its own and a pairing,
    and 马忠华's: both archived 5 years before NOW."""
    settings.RETENTION_ANONYMISE_YEARS = 5
    with audit.batch():
        visit, _ = care.visit_log(actor=personas["gridworker"], households=[household],
                                  mode="home", purpose="routine", found="老人独居，行动不便",
                                  needs="助餐", sensitive_note="有抑郁病史")
        pairing = care.pairing_create(actor=head, household=household, helper_kind="staff",
                                      helper_user=personas["gridworker"], goals="每周陪护两次")
    for h in (household, household_b):
        registry.household_move_out(actor=head, household=h, on=date(2024, 6, 1))
    Household.objects.filter(pk=household.pk).update(archived_on=date(2025, 3, 1), note="郑家")
    Household.objects.filter(pk=household_b.pk).update(archived_on=date(2025, 3, 2),
                                                       note="马家")
    return household, household_b, {"visit": visit, "pairing": pairing}


def test_the_last_members_erasure_clears_the_households_own_text(archived):
    household, _, rows = archived
    assert rule().apply(NOW) == 2
    assert all(p.is_erased for p in Person.objects.filter(household=household))
    visit = Visit.objects.get(pk=rows["visit"].pk)
    assert (visit.found, visit.needs, visit.sensitive_note) == ("", "", "")
    assert "每周陪护" not in Pairing.objects.get(pk=rows["pairing"].pk).goals
    household.refresh_from_db()
    assert (household.note, household.festivals) == ("", [])
    call_command("verify_audit")


def test_a_household_that_fails_does_not_stop_the_others(archived, monkeypatch, caplog):
    household, other, _ = archived
    real = retention.erase_person

    def erase(*, person: Person, **kwargs: Any) -> Any:
        # The head is erased last: the members before it stay erased (each
        # erasure is a transaction of its own), the head waits for next run.
        if person.pk == household.head_id:
            raise RuntimeError("boom")
        return real(person=person, **kwargs)

    monkeypatch.setattr(retention, "erase_person", erase)
    with caplog.at_level(logging.ERROR, logger=retention.__name__):
        assert rule().apply(NOW) == 1
    erased = {p.pk: p.is_erased for p in Person.objects.filter(household=household)}
    assert erased.pop(household.head_id) is False and all(erased.values())
    household.refresh_from_db()
    assert household.note == "郑家"
    assert all(p.is_erased for p in Person.objects.filter(household=other))
    [record] = [r for r in caplog.records if r.name == retention.__name__]
    assert record.exc_info and "鄭容哲" not in record.getMessage()
    [entry] = AuditEntry.objects.filter(object_type=retention.OBJECT_TYPE, object_id=RULE)
    assert entry.changes["count"] == 1
    # Still due: the next run tries it again.
    assert list(rule().due(NOW)) == [household]
    monkeypatch.setattr(retention, "erase_person", real)
    assert rule().apply(NOW) == 1
    assert all(p.is_erased for p in Person.objects.filter(household=household))
    call_command("verify_audit")


def test_a_run_takes_at_most_its_share_the_oldest_first(archived, monkeypatch):
    household, other, _ = archived
    monkeypatch.setattr(retention, "ANONYMISE_PER_RUN", 1)
    assert rule().apply(NOW) == 1
    assert all(p.is_erased for p in Person.objects.filter(household=household))
    assert not other.head.is_erased
    # The report still counts what is due now, beyond the run's share.
    assert {line.name: line.due_now for line in retention.report(NOW)}[RULE] == 1
    assert rule().apply(NOW) == 1
    other.head.refresh_from_db()
    assert other.head.is_erased
    assert rule().apply(NOW) == 0
