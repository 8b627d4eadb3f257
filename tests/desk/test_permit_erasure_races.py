"""A permit case resolved while its requester is erased (PostgreSQL): both
lock the requester's household and person before the case (desk.transition,
rights.erase_person), so one waits for the other and neither is chosen as a
deadlock's victim."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from jiayuan.desk import services
from jiayuan.desk.models import ServiceItem
from jiayuan.desk.services import casework
from jiayuan.rights import erasure
from tests.locking import Meeting, needs_postgres, run_together

pytestmark = [needs_postgres, pytest.mark.django_db(transaction=True)]


def test_a_permit_resolved_while_its_requester_is_erased_does_not_deadlock(
        make_case: Any, household: Any, category: Any, personas: Any, monkeypatch: Any) -> None:
    item = ServiceItem.objects.create(category=category, code="residence-permit",
                                      name_zh_hans="居住证办理",
                                      name_en="Applying for a residence permit")
    person = household.members.get(name="金英姬")
    case = make_case(person=person, item=item, summary="办理居住证")
    # Each meets the other once it holds its first row of the two: the
    # resolution held the case and wanted the person (for the permit), the
    # erasure held the person and wanted the case (to blank it): a deadlock.
    meeting, real_claim, real_lock = Meeting(), casework._claim, erasure.lock_person

    def claim(*args: Any) -> Any:
        locked = real_claim(*args)
        meeting.arrive()
        return locked

    def lock_person(person_id: int) -> Any:
        locked = real_lock(person_id)
        meeting.arrive()
        return locked

    monkeypatch.setattr(casework, "_claim", claim)
    monkeypatch.setattr(erasure, "lock_person", lock_person)
    _results, errors = run_together(
        lambda: services.transition(actor=personas["caseworker"], case=case, action="resolve",
                                    version=case.version, outcome="certificate",
                                    outcome_quantity=1, permit_number="320500-2026-0042",
                                    permit_expiry=timezone.localdate() + timedelta(days=365)),
        lambda: erasure.erase_person(actor=personas["head"], person=person, reason="request"))
    # The resolution after the erasure is refused in words (nothing more is
    # recorded about an erased person); never a database error.
    assert all(isinstance(e, ValidationError) for e in errors), errors
    assert len(errors) <= 1
    person.refresh_from_db()
    assert person.is_erased
