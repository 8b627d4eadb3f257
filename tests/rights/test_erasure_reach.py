"""Erasure spares namesakes (rights.erasure_reach): the person's name is replaced
only in rows reachable from them, their numbers everywhere; a visit shared with
other households keeps its text; a business they own lets go of them; the
audit log's entries about a namesake stay; the erasure's own entry reads in
the reader's language."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import translation

from jiayuan.care import services as care
from jiayuan.care.models import Visit
from jiayuan.core import audit
from jiayuan.core.models import AuditAction, AuditEntry
from jiayuan.core.templatetags.audit_display import audit_text
from jiayuan.desk import services as desk
from jiayuan.engage.cards.models import CardBatch
from jiayuan.registry import services as registry
from jiayuan.registry.models import Business, Household
from jiayuan.rights.erasure import ERASED_REPR, erase_person
from jiayuan.rights.erasure_scrub import MARK
from tests.conftest import make_dwelling

NAME = "同名张三丰"
PHONE = "13812340077"


def _household(head: Any, grid: Any, room: str, phone: str) -> Any:
    return registry.household_create(
        actor=head, dwelling=make_dwelling(grid, "7", "1", room), residency="resident",
        moved_in=date(2010, 1, 1),
        head={"name": NAME, "sex": "M", "birth_date": date(1950, 1, 1), "id_number": "",
              "phone": phone, "origin_code": ""})


@pytest.fixture
def pair(head: Any, grid_a: Any, school_item: Any, personas: Any) -> dict[str, Any]:
    """The person and a namesake (same name, another phone), each alone in a
    household, each with a case and a visit naming them; a third household
    visited together with the person's; a business of each."""
    worker = personas["gridworker"]
    with audit.batch():
        mine = _household(head, grid_a, "101", PHONE)
        theirs = _household(head, grid_a, "102", "13900000077")
        neighbour = registry.household_create(
            actor=head, dwelling=make_dwelling(grid_a, "7", "1", "103"), residency="resident",
            moved_in=date(2010, 1, 1),
            head={"name": "邻居李四", "sex": "F", "birth_date": date(1960, 1, 1),
                  "id_number": "", "phone": "", "origin_code": ""})
        person, namesake = mine.head, theirs.head
        case = desk.case_create(actor=head, item=school_item, channel="walk_in",
                                summary=f"{NAME}咨询入学", person=person)
        other_case = desk.case_create(actor=head, item=school_item, channel="walk_in",
                                      summary=f"{NAME}咨询入学", person=namesake)
        alone, _ = care.visit_log(actor=worker, households=[mine], mode="home",
                                  purpose="routine", found=f"{NAME}独居", needs="助餐")
        shared, _ = care.visit_log(actor=worker, households=[mine, neighbour], mode="home",
                                   purpose="routine", found=f"{NAME}与李四都在家，电话{PHONE}",
                                   needs="李四需要轮椅")
        namesake_visit, _ = care.visit_log(actor=worker, households=[theirs], mode="home",
                                           purpose="routine", found=f"{NAME}身体还好")
        shop = Business.objects.create(grid=grid_a, name=f"{NAME}小卖部", kind="restaurant",
                                       owner=person, licence_note=f"负责人{NAME} {PHONE}")
        other_shop = Business.objects.create(grid=grid_a, name=f"{NAME}小卖部",
                                             kind="restaurant", owner=namesake,
                                             licence_note=f"负责人{NAME}")
        # A table unrelated to them, holding their phone number.
        unrelated = CardBatch.objects.create(community=grid_a.community, note=f"回访 {PHONE}")
    return {"person": person, "namesake": namesake, "case": case, "other_case": other_case,
            "alone": alone, "shared": shared, "namesake_visit": namesake_visit,
            "shop": shop, "other_shop": other_shop, "unrelated": unrelated}


def _fresh(obj: Any) -> Any:
    obj.refresh_from_db()
    return obj


def test_a_namesakes_text_stays_while_theirs_is_scrubbed(pair, head):
    erase_person(actor=head, person=pair["person"], reason="request")
    assert _fresh(pair["case"]).summary == f"{MARK}咨询入学"
    assert _fresh(pair["other_case"]).summary == f"{NAME}咨询入学"
    assert _fresh(pair["namesake_visit"]).found == f"{NAME}身体还好"
    assert _fresh(pair["namesake"]).name == NAME
    # Their number is theirs alone: replaced in a table nothing links to them.
    assert _fresh(pair["unrelated"]).note == f"回访 {MARK}"


def test_a_visit_of_their_household_alone_is_blanked_a_shared_one_only_loses_them(pair, head):
    erase_person(actor=head, person=pair["person"], reason="request")
    alone, shared = _fresh(pair["alone"]), _fresh(pair["shared"])
    assert (alone.found, alone.needs) == ("", "")
    # The neighbour's household was visited too: what it says about them stays.
    assert (shared.found, shared.needs) == (f"{MARK}与李四都在家，电话{MARK}", "李四需要轮椅")


def test_a_business_they_own_lets_go_of_them(pair, head):
    erase_person(actor=head, person=pair["person"], reason="request")
    shop, other_shop = _fresh(pair["shop"]), _fresh(pair["other_shop"])
    assert (shop.owner_id, shop.name, shop.licence_note) == (
        None, f"{MARK}小卖部", f"负责人{MARK} {MARK}")
    assert (other_shop.owner_id, other_shop.name, other_shop.licence_note) == (
        pair["namesake"].pk, f"{NAME}小卖部", f"负责人{NAME}")


def test_a_namesakes_audit_entries_stay_and_the_chain_verifies(pair, head):
    namesake = pair["namesake"]
    for case in (pair["case"], pair["other_case"]):
        audit.record(AuditAction.UPDATE, actor=head, obj=case, changes={"note": f"{NAME}来电"})
    about_namesake = AuditEntry.objects.filter(
        object_type="registry.person", object_id=str(namesake.pk), object_repr=NAME)
    their_case = AuditEntry.objects.filter(object_type="desk.case",
                                           object_id=str(pair["other_case"].pk))
    assert about_namesake.exists() and their_case.exists()
    before = {e.seq: (e.object_repr, e.changes) for e in [*about_namesake, *their_case]}
    erase_person(actor=head, person=pair["person"], reason="request")
    after = {e.seq: (e.object_repr, e.changes) for e in AuditEntry.objects.filter(
        seq__in=before, redacted=False)}
    assert after == before
    # The person's own entries naming them are redacted: their row's, their case's.
    own = AuditEntry.objects.filter(object_type="desk.case", object_id=str(pair["case"].pk),
                                    action="update")
    assert own.get().redacted
    assert AuditEntry.objects.filter(object_type="registry.person",
                                     object_id=str(pair["person"].pk), action="create"
                                     ).get().redacted
    call_command("verify_audit")


def test_the_erasure_entry_reads_in_the_readers_language(pair, head):
    person = pair["person"]
    with translation.override("en"):
        erase_person(actor=head, person=person, reason="request")
    entry = AuditEntry.objects.get(object_type="registry.person", object_id=str(person.pk),
                                   action="delete")
    assert entry.object_repr == ERASED_REPR == "Erased person"
    with translation.override("zh-hans"):
        assert audit_text(entry.object_repr) == "已删除人员"
    with translation.override("en"):
        assert audit_text(entry.object_repr) == "Erased person"


def test_shared_visits_of_a_household_with_other_members_keep_their_text(pair, head):
    """Not alone: the household keeps everything but their name and numbers."""
    mine = pair["person"].household
    spouse = registry.person_create(actor=head, household=mine, name="王五", sex="F",
                                    birth_date=date(1955, 1, 1), relation="spouse",
                                    id_number="", phone="", origin_code="")
    Household.objects.filter(pk=mine.pk).update(head=spouse)
    erase_person(actor=head, person=pair["person"], reason="request")
    alone = Visit.objects.get(pk=pair["alone"].pk)
    assert (alone.found, alone.needs) == (f"{MARK}独居", "助餐")

