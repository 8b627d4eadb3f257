"""The kept counts of those living here (jiayuan.registry.living_counts) when
a household's dates and one of its members change in two transactions at
once: the household's trigger takes the members FOR SHARE before it reads
them, so whichever comes second reads the other committed, and the counts
stay exact. Without that lock a member was counted out twice."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from jiayuan.registry import living_counts
from jiayuan.registry.models import Household, Person
from tests.locking import needs_postgres, waits_for

pytestmark = [needs_postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def member(household: Any) -> Person:
    living_counts.recount(repair=True)
    return household.members.exclude(pk=household.head_id).order_by("pk").first()


def test_a_member_leaving_while_the_household_moves_out_is_counted_once(
        household: Any, member: Person) -> None:
    today = timezone.localdate()
    outcome = waits_for(
        lambda: Household.objects.filter(pk=household.pk).update(
            moved_out=today + timedelta(days=20)),
        lambda: Person.objects.filter(pk=member.pk).update(left_on=today + timedelta(days=10)))
    assert outcome.error is None and outcome.waited
    assert living_counts.recount() == []


def test_a_household_moving_out_while_a_member_leaves_is_counted_once(
        household: Any, member: Person) -> None:
    today = timezone.localdate()
    outcome = waits_for(
        lambda: Person.objects.filter(pk=member.pk).update(left_on=today + timedelta(days=10)),
        lambda: Household.objects.filter(pk=household.pk).update(
            moved_out=today + timedelta(days=20)))
    assert outcome.error is None and outcome.waited
    assert living_counts.recount() == []
