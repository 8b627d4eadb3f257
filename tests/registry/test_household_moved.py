"""A household that moves to another grid takes its records along: the
registry sends `household_moved`, and desk, care and engage move their own rows."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from jiayuan.care.models import Duty, Pairing, Visit
from jiayuan.desk.models import Case
from jiayuan.engage.activities import services as activities
from jiayuan.engage.models import LiaisonArea, SignUp, Volunteer
from jiayuan.engage.volunteers import services as volunteers
from jiayuan.registry import services, signals


def _visit(worker: Any, *households: Any) -> Visit:
    v = Visit.objects.create(community=households[0].dwelling.grid.community,
                             grid_id=households[0].grid_id, mode="home", purpose="duty",
                             created_by=worker)
    v.households.add(*households)
    return v


def _duty(household: Any, status: str, key: str) -> Duty:
    today = timezone.localdate()
    return Duty.objects.create(household=household, grid_id=household.grid_id,
                               rule="disability", key=key, raised_on=today,
                               due=today + timedelta(days=30), status=status)


def test_it_takes_the_households_case_visit_pairing_and_open_duty_along(
        household: Any, household_b: Any, personas: dict, dwelling_b: Any,
        make_case: Any) -> None:
    worker, outsider = personas["gridworker"], personas["outsider"]
    old_grid = household.grid_id
    case = make_case(person=household.head)
    alone = _visit(worker, household)
    shared = _visit(worker, household, household_b)
    pairing = Pairing.objects.create(community=dwelling_b.grid.community, grid_id=old_grid,
                                     household=household, helper_kind="staff",
                                     helper_user=worker, goals="陪伴", created_by=worker)
    open_duty = _duty(household, "open", "a")
    done_duty = _duty(household, "done", "b")

    services.household_move(actor=personas["head"], household=household, dwelling=dwelling_b,
                            on=date(2025, 3, 1))

    new_grid = dwelling_b.grid_id
    assert Case.objects.get(pk=case.pk).grid_id == new_grid
    assert Visit.objects.get(pk=alone.pk).grid_id == new_grid
    assert Visit.objects.get(pk=shared.pk).grid_id == old_grid  # shared with others: stays
    assert Pairing.objects.get(pk=pairing.pk).grid_id == new_grid
    open_duty.refresh_from_db()
    assert (open_duty.grid_id, open_duty.assignee) == (new_grid, outsider)
    assert Duty.objects.get(pk=done_duty.pk).grid_id == old_grid


def test_it_sends_household_moved_inside_the_move(household: Any, personas: dict,
                                                  dwelling_b: Any) -> None:
    seen: list[tuple[Any, int, int]] = []

    def receiver(sender: Any, *, household: Any, old_grid_id: int, new_grid_id: int,
                 **kwargs: Any) -> None:
        seen.append((household.pk, old_grid_id, new_grid_id))

    old_grid = household.grid_id
    signals.household_moved.connect(receiver)
    try:
        services.household_move(actor=personas["head"], household=household,
                                dwelling=dwelling_b, on=date(2025, 3, 1))
    finally:
        signals.household_moved.disconnect(receiver)
    assert seen == [(household.pk, old_grid, dwelling_b.grid_id)]


def test_engage_takes_the_households_volunteer_sign_ups_and_liaison_area_along(
        household: Any, household_b: Any, personas: dict, dwelling_b: Any,
        grid_a: Any) -> None:
    head = personas["head"]
    old_grid, new_grid = household.grid_id, dwelling_b.grid_id
    vol = volunteers.volunteer_register(actor=head, person=household.head,
                                        roles=["liaison"])
    other = volunteers.volunteer_register(actor=head, person=household_b.head,
                                          roles=["liaison"])
    area = volunteers.liaison_area_add(actor=head, volunteer=other, household=household)
    building = volunteers.liaison_area_add(actor=head, volunteer=other,
                                           building=household.dwelling.building)
    activity = activities.activity_create(actor=head, kind="festival", title="文化节",
                                          grid=grid_a, edition=7, published=True)
    start = timezone.now() + timedelta(days=3)
    session = activities.session_add(actor=head, activity=activity, starts_at=start,
                                     ends_at=start + timedelta(hours=2), place="广场",
                                     capacity=5)
    member = activities.signup_staff(actor=head, session=session, person=household.head)
    (walk_in,) = activities.signup_portal(session=session, names=["甲"], phone="13812340000",
                                          photo_consent=False, source="src")
    assert member.grid_id == vol.grid_id == area.grid_id == old_grid

    services.household_move(actor=head, household=household, dwelling=dwelling_b,
                            on=date(2025, 3, 1))

    assert Volunteer.objects.get(pk=vol.pk).grid_id == new_grid
    assert SignUp.objects.get(pk=member.pk).grid_id == new_grid
    assert LiaisonArea.objects.get(pk=area.pk).grid_id == new_grid
    assert LiaisonArea.objects.get(pk=building.pk).grid_id == old_grid  # a building stays
    assert SignUp.objects.get(pk=walk_in.pk).grid_id == old_grid  # the activity's
    assert Volunteer.objects.get(pk=other.pk).grid_id == household_b.grid_id
