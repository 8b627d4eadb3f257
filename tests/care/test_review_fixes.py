"""Defects a review found: a visit across grids, ids that crash int(), a
member who left, a lapsed duty blocking a new episode."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from jiayuan.care import services as care
from jiayuan.care.choices import DutyStatus
from jiayuan.care.duties import engine as duties
from jiayuan.care.models import Duty, Visit
from jiayuan.core.access import as_id
from jiayuan.registry.models import Circumstance


def test_a_visit_to_households_of_two_grids_is_refused(household: Any, household_b: Any,
                                                      personas: dict) -> None:
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationError, match="different grids"):
        care.visit_log(actor=personas["caseworker"], households=[household, household_b],
                       mode="home", purpose="routine")
    assert not Visit.objects.exists()


@pytest.mark.parametrize("raw", ["²", "٣", "1e3", "-4", "0", str(10**24), "", None, " 7 "])
def test_as_id_takes_only_ascii_keys_in_range(raw: Any) -> None:
    expected = 7 if raw == " 7 " else None
    assert as_id(raw) == expected


@pytest.mark.parametrize(("url", "data"), [
    ("visit_new", {"households": "²", "mode": "home", "purpose": "routine"}),
    ("visit_new", {"households": str(10**24), "mode": "home", "purpose": "routine"}),
    ("visit_new", {"business": "²", "mode": "shop", "purpose": "merchant"}),
    ("dispute_new", {"household": "²", "kind": "family", "source": "walk_in",
                     "summary": "x"}),
    ("pairing_new", {"household": "²", "helper_person": "²", "helper_kind": "volunteer"}),
])
def test_odd_ids_get_a_message_not_a_server_error(client: Any, personas: dict, url: str,
                                                  data: dict) -> None:
    client.force_login(personas["head"])
    response = client.post(reverse(url), data)
    assert response.status_code in (200, 400)
    assert not Visit.objects.exists()


def test_a_member_who_left_raises_no_duty(household: Any, personas: dict) -> None:
    from jiayuan.registry import services as registry

    spouse = household.members.get(relation="spouse")
    Circumstance.objects.create(household=household, person=spouse, kind="serious_illness",
                                started=date(2020, 1, 1))
    now = timezone.now()
    duties.run(now)
    assert Duty.objects.get().status == DutyStatus.OPEN
    registry.person_leave(actor=personas["head"], person=spouse,
                          on=timezone.localdate() - timedelta(days=1))
    duties.run(now)
    assert Duty.objects.get().status == DutyStatus.LAPSED


def test_a_lapsed_duty_does_not_hold_back_a_new_dispute(household: Any,
                                                        personas: dict) -> None:
    head, now = personas["head"], timezone.now()
    first = care.dispute_create(actor=head, kind="neighbours", source="walk_in", summary="一")
    care.party_add(actor=head, dispute=first, role="applicant", household=household)
    duties.run(now)
    care.dispute_close(actor=head, dispute=first, outcome="withdrawn")
    duties.run(now)
    second = care.dispute_create(actor=head, kind="neighbours", source="walk_in", summary="二")
    care.party_add(actor=head, dispute=second, role="applicant", household=household)
    assert duties.run(now + timedelta(days=3)) == 1
    assert list(Duty.objects.order_by("id").values_list("status", flat=True)) == [
        DutyStatus.LAPSED, DutyStatus.OPEN]
