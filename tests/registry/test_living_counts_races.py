"""The kept counts of those living here (jiayuan.registry.living_counts) when
a household's dates and one of its members change in two transactions at
once: the household's trigger takes the members FOR SHARE before it reads
them, so whichever comes second reads the other committed, and the counts
stay exact. Without that lock a member was counted out twice. Likewise a
person created in, or moved to, a household another transaction changes:
the person's trigger takes the household FOR SHARE before reading it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from jiayuan.registry import living_counts, services
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


def test_a_person_created_while_the_household_changes_residency_is_counted_once(
        household: Any, member: Person, head: Any) -> None:
    # The person's trigger takes the household FOR SHARE before reading it:
    # it waits for the change and reads the household as changed.
    outcome = waits_for(
        lambda: Household.objects.filter(pk=household.pk).update(residency="floating"),
        lambda: services.person_create(actor=head, household=household, name="郑小",
                                       sex="F", relation="other_relative",
                                       id_number="", phone=""))
    assert outcome.error is None and outcome.waited
    assert living_counts.recount() == []


def test_a_person_moved_while_the_new_household_moves_out_is_counted_once(
        household: Any, member: Person, dwelling_a2: Any, head: Any) -> None:
    other = services.household_create(
        actor=head, dwelling=dwelling_a2, residency="registered", moved_in=date(2010, 1, 1),
        head={"name": "李四", "sex": "M", "birth_date": date(1970, 1, 1), "phone": "",
              "id_number": "", "origin_code": ""})
    living_counts.recount(repair=True)
    today = timezone.localdate()
    # Raw SQL, no service's lock: the trigger alone keeps the counts.
    outcome = waits_for(
        lambda: Household.objects.filter(pk=other.pk).update(
            moved_out=today + timedelta(days=5)),
        lambda: Person.objects.filter(pk=member.pk).update(household_id=other.pk))
    assert outcome.error is None and outcome.waited
    assert living_counts.recount() == []


def test_a_repair_while_the_counts_are_folded_counts_once(household: Any) -> None:
    # compact deletes the rows and inserts them folded; a repair's DELETE
    # skipped those it had not seen, and they were counted twice.
    today = timezone.localdate()
    living_counts.recount(repair=True, since=today - timedelta(days=10))
    outcome = waits_for(
        lambda: living_counts.compact(today=today),
        lambda: living_counts.recount(repair=True, since=today - timedelta(days=1)))
    assert outcome.error is None and outcome.waited
    assert living_counts.recount() == []
