"""What erasure reaches beyond the person's own rows, and what it leaves to
others: the cases called in from their phone and the suggestions left with it
lose their name; a mask of their number (138****1961, shared by many) is
replaced only in the rows reached from them, and another resident whose phone
has the same mask keeps their text and their audit entries."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.management import call_command

from jiayuan.civic.suggestions import services as suggestions
from jiayuan.civic.suggestions.models import Suggestion
from jiayuan.core import audit
from jiayuan.core.crypto import encrypt
from jiayuan.core.models import AuditAction, AuditEntry
from jiayuan.desk import services as desk
from jiayuan.desk.models import Case, CaseEvent
from jiayuan.lib.phone import mask_phone
from jiayuan.registry import services as registry
from jiayuan.rights.erasure import erase_person
from jiayuan.rights.erasure_scrub import MARK
from tests.conftest import make_dwelling

NAME = "来电人欧阳娜娜"
PHONE = "13812341961"
# Another resident: another number with the same mask.
OTHER_PHONE = "13899991961"
MASK = mask_phone(PHONE)


def _head(actor: Any, grid: Any, room: str, name: str, phone: str) -> Any:
    return registry.household_create(
        actor=actor, dwelling=make_dwelling(grid, "9", "1", room), residency="resident",
        moved_in=date(2010, 1, 1),
        head={"name": name, "sex": "F", "birth_date": date(1970, 1, 1), "id_number": "",
              "phone": phone, "origin_code": ""}).head


@pytest.fixture
def world(head: Any, grid_a: Any, school_item: Any) -> dict[str, Any]:
    with audit.batch():
        person = _head(head, grid_a, "101", NAME, PHONE)
        other = _head(head, grid_a, "102", "邻居王芳", OTHER_PHONE)
        # Called in from their phone, linked to no one.
        called = desk.case_create(actor=head, item=school_item, channel="hotline",
                                  summary=f"{NAME}反映楼道灯坏了", caller_name=NAME,
                                  caller_phone=PHONE)
        event = desk.add_note(actor=head, case=called, kind="call",
                              text=f"回电{NAME}，已派人")
        # A suggestion left with their phone as the contact.
        idea = suggestions.suggestion_create(actor=head, title=f"{NAME}建议加装路灯",
                                             body=f"{NAME}说晚上太黑", category="other",
                                             grid=grid_a)
        Suggestion.objects.filter(pk=idea.pk).update(
            contact_name=NAME, contact_phone_enc=encrypt(PHONE), contact_phone_mask=MASK)
        # Their own case naming their mask, and the other resident's.
        own = desk.case_create(actor=head, item=school_item, channel="walk_in",
                               summary=f"请回拨{MASK}", person=person)
        theirs = desk.case_create(actor=head, item=school_item, channel="walk_in",
                                  summary=f"请回拨{MASK}", person=other)
        entry = audit.record(AuditAction.UPDATE, actor=head, obj=other,
                             object_repr=f"回拨{MASK}", changes={"note": f"回拨{MASK}"})
    assert person.phone_mask == other.phone_mask == MASK
    return {"person": person, "other": other, "called": called, "event": event,
            "idea": idea, "own": own, "theirs": theirs, "entry": entry}


def test_the_cases_called_in_from_their_phone_lose_their_name(world, head):
    erase_person(actor=head, person=world["person"], reason="request",
                 version=world["person"].version)
    called = Case.objects.get(pk=world["called"].pk)
    assert NAME not in called.summary and MARK in called.summary
    assert called.caller_name == "" and called.caller_phone_hash == ""
    text = CaseEvent.objects.get(pk=world["event"].pk).text
    assert NAME not in text and MARK in text


def test_a_suggestion_left_with_their_phone_loses_their_name(world, head):
    erase_person(actor=head, person=world["person"], reason="request",
                 version=world["person"].version)
    idea = Suggestion.objects.get(pk=world["idea"].pk)
    assert NAME not in idea.title and NAME not in idea.body
    assert idea.contact_name == "" and idea.contact_phone_enc == ""


def test_a_shared_mask_is_replaced_only_where_it_is_theirs(world, head):
    erase_person(actor=head, person=world["person"], reason="request",
                 version=world["person"].version)
    assert Case.objects.get(pk=world["own"].pk).summary == f"请回拨{MARK}"
    # The other resident's text and entries keep their mask.
    assert Case.objects.get(pk=world["theirs"].pk).summary == f"请回拨{MASK}"
    entry = AuditEntry.objects.get(pk=world["entry"].pk)
    assert not entry.redacted and entry.object_repr == f"回拨{MASK}"
    world["other"].refresh_from_db()
    assert world["other"].phone_mask == MASK
    call_command("verify_audit")
