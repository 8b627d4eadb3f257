"""Writes that race: a visit form resent while the first is still saving
gets the first visit back, a festival day added twice at the same moment is
refused in words (not a 500), and a station's first must-visit settings are
saved one at a time (jiayuan.core.locks)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from jiayuan.care import services as care
from jiayuan.care.models import CareSettings, FestivalDate, Visit
from jiayuan.care.visits import services as visits
from jiayuan.core import locks
from tests.locking import needs_postgres, waits_for


def test_a_visit_resent_while_the_first_is_saving_gets_the_first(
        personas: dict, household: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    worker, key = personas["gridworker"], uuid.uuid4()
    first, created = care.visit_log(actor=worker, households=[household], mode="home",
                                    purpose="routine", idempotency_key=key)
    assert created
    real, calls = visits._resent, []

    def not_saved_yet(actor: Any, idempotency_key: Any) -> Visit | None:
        calls.append(idempotency_key)  # the resend's first look ran before the commit
        return None if len(calls) == 1 else real(actor, idempotency_key)

    monkeypatch.setattr(visits, "_resent", not_saved_yet)
    again, created = care.visit_log(actor=worker, households=[household], mode="home",
                                    purpose="routine", idempotency_key=key)
    assert (again, created) == (first, False)
    assert Visit.objects.count() == 1


def test_a_festival_day_added_twice_at_once_is_refused_in_words(
        personas: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    day = date(timezone.localdate().year, 9, 17)
    care.festival_date_add(actor=personas["head"], festival="chuseok", day=day)
    monkeypatch.setattr(FestivalDate.objects, "filter",
                        lambda *a, **kw: FestivalDate.objects.none())
    with pytest.raises(ValidationError) as refused:
        care.festival_date_add(actor=personas["head"], festival="chuseok", day=day)
    assert "date" in refused.value.message_dict
    monkeypatch.undo()
    assert FestivalDate.objects.filter(festival="chuseok", date=day).count() == 1


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_the_first_settings_are_saved_one_at_a_time(personas: dict) -> None:
    head = personas["head"]
    name = locks.per_community(locks.CARE_SETTINGS, head.community_id)
    outcome = waits_for(lambda: locks.hold(name), lambda: care.settings_save(
        actor=head, community_id=head.community_id, values={"dispute_due": 30}))
    assert outcome.error is None, outcome.error
    assert outcome.waited
    assert CareSettings.objects.filter(community_id=head.community_id).count() == 1
