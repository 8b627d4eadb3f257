"""Activity services called directly: the waiting list and its promotion,
capacity, duplicates, crediting hours once; every refusal saves nothing."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import translation

from jiayuan.engage.activities import services as s
from jiayuan.engage.activities import services_attendance as att
from jiayuan.engage.activities.models import Activity, ActivitySession, SignUp
from jiayuan.engage.activities.selectors import residency_figures
from jiayuan.engage.choices import SignUpStatus
from jiayuan.engage.volunteers.models import HoursEntry, Volunteer
from jiayuan.places.models import Grid
from jiayuan.registry.models import Person
from tests.conftest import station_moment

DAY = date(2027, 5, 10)


@pytest.fixture
def clock() -> Any:
    with time_machine.travel(station_moment(DAY), tick=False), translation.override("en"):
        yield station_moment(DAY)


def make_session(actor: Any, grid: Grid | None, now: datetime, capacity: int | None = 2,
                 **kw: Any) -> ActivitySession:
    activity = s.activity_create(actor=actor, kind=kw.pop("kind", "festival"),
                                 title="第七届邻里文化节", grid=grid, edition=7,
                                 published=kw.pop("published", True))
    start = kw.pop("starts_at", now + timedelta(days=3))
    return s.session_add(actor=actor, activity=activity, starts_at=start,
                         ends_at=start + timedelta(hours=2), place="社区广场",
                         capacity=capacity)


def portal(session: ActivitySession, *names: str, phone: str = "13812340000") -> list[SignUp]:
    return s.signup_portal(session=session, names=list(names), phone=phone,
                           photo_consent=True, source="src")


def test_it_confirms_until_full_then_waits(personas: Any, grid_a: Grid, household: Any,
                                           clock: Any) -> None:
    session = make_session(personas["head"], grid_a, clock)
    a, b = portal(session, "甲", "乙")
    (c,) = portal(session, "丙", phone="13812340001")
    assert (a.status, b.status, c.status) == ("confirmed", "confirmed", "waiting")
    assert a.phone_mask and "1234" not in a.phone_mask[3:7] and a.token != b.token


def test_a_cancellation_promotes_the_first_waiting(personas: Any, grid_a: Grid,
                                                   clock: Any) -> None:
    session = make_session(personas["head"], grid_a, clock, capacity=1)
    (a,) = portal(session, "甲")
    (b,) = portal(session, "乙", phone="13812340001")
    (c,) = portal(session, "丙", phone="13812340002")
    promoted = s.signup_cancel(actor=None, signup=a)
    assert [p.pk for p in promoted] == [b.pk]
    b.refresh_from_db()
    c.refresh_from_db()
    assert b.status == "confirmed" and b.promoted_at == clock
    assert c.status == "waiting"


def test_two_cancellations_promote_exactly_two(personas: Any, grid_a: Grid,
                                               clock: Any) -> None:
    session = make_session(personas["head"], grid_a, clock, capacity=2)
    first = portal(session, "甲", "乙")
    waiting = portal(session, "丙", "丁", "戊", phone="13812340001")
    assert {w.status for w in waiting} == {"waiting"}
    s.signup_cancel(actor=personas["head"], signup=first[0])
    s.signup_cancel(actor=None, signup=first[1])
    statuses = dict(SignUp.objects.filter(session=session).values_list("name", "status"))
    assert statuses == {"甲": "cancelled", "乙": "cancelled", "丙": "confirmed",
                        "丁": "confirmed", "戊": "waiting"}
    assert SignUp.objects.filter(session=session, status="confirmed").count() == 2


def test_the_same_resident_twice_is_refused(personas: Any, grid_a: Grid, household: Any,
                                            clock: Any) -> None:
    head = personas["head"]
    session = make_session(head, grid_a, clock)
    person = household.head
    s.signup_staff(actor=head, session=session, person=person)
    with pytest.raises(ValidationError, match="already signed up"):
        s.signup_staff(actor=head, session=session, person=person)
    with pytest.raises(ValidationError, match="Already signed up"):
        portal(session, "甲")
        portal(session, "甲")
    assert SignUp.objects.filter(session=session).count() == 2


def test_a_cancelled_or_unpublished_session_takes_no_sign_ups(personas: Any, grid_a: Grid,
                                                              household: Any,
                                                              clock: Any) -> None:
    head = personas["head"]
    session = make_session(head, grid_a, clock)
    s.session_cancel(actor=head, session=session)
    with pytest.raises(ValidationError, match="cancelled"):
        s.signup_staff(actor=head, session=session, person=household.head)
    hidden = make_session(head, grid_a, clock, published=False)
    with pytest.raises(ValidationError, match="not open"):
        portal(hidden, "甲")
    assert not SignUp.objects.exists()


def test_a_resident_out_of_scope_is_refused(personas: Any, grid_a: Grid, household_b: Any,
                                            clock: Any) -> None:
    session = make_session(personas["head"], grid_a, clock)
    with pytest.raises(ValidationError, match="not in your grids"):
        s.signup_staff(actor=personas["gridworker"], session=session,
                       person=household_b.head)


def test_a_session_ending_before_it_starts_is_refused(personas: Any, grid_a: Grid,
                                                      clock: Any) -> None:
    head = personas["head"]
    activity = s.activity_create(actor=head, kind="legal", title="普法讲座", grid=grid_a)
    with pytest.raises(ValidationError, match="ends before"):
        s.session_add(actor=head, activity=activity, starts_at=clock,
                      ends_at=clock - timedelta(hours=1), place="会议室")
    assert not ActivitySession.objects.exists()


def test_a_grid_worker_cannot_run_an_activity_of_another_grid(personas: Any, grid_b: Grid,
                                                               clock: Any) -> None:
    with pytest.raises(ValidationError, match="not in your grids"):
        s.activity_create(actor=personas["gridworker"], kind="sports", title="篮球",
                          grid=grid_b)
    assert not Activity.objects.exists()


def test_the_portal_flood_is_refused(personas: Any, grid_a: Grid, clock: Any,
                                     settings: Any) -> None:
    settings.PORTAL_MAX_PER_SOURCE_HOUR = 2
    session = make_session(personas["head"], grid_a, clock, capacity=None)
    portal(session, "甲", phone="13812340001")
    with time_machine.travel(clock + timedelta(seconds=1), tick=False):
        portal(session, "乙", phone="13812340002")
    with time_machine.travel(clock + timedelta(seconds=2), tick=False), \
            pytest.raises(ValidationError, match="Too many"):
        portal(session, "丙", phone="13812340003")
    assert SignUp.objects.count() == 2


def test_names_sent_together_count_once_and_the_portal_ceiling_holds(
        personas: Any, grid_a: Grid, clock: Any, settings: Any) -> None:
    settings.PORTAL_MAX_PER_SOURCE_HOUR, settings.PORTAL_MAX_PER_HOUR = 2, 3
    session = make_session(personas["head"], grid_a, clock, capacity=None)
    assert len(portal(session, "甲", "乙", "丙")) == 3  # one submission of three names
    assert s.portal_signups_allowed("src")  # one of two used
    for n, phone in ((1, "13812340001"), (2, "13812340002")):
        with time_machine.travel(clock + timedelta(seconds=n), tick=False):
            s.signup_portal(session=session, names=[f"丁{n}"], phone=phone,
                            photo_consent=False, source=f"elsewhere{n}")
    assert not s.portal_signups_allowed("a-new-address")  # three submissions in the hour
    with time_machine.travel(clock + timedelta(hours=1, seconds=1), tick=False):
        assert s.portal_signups_allowed("a-new-address")


def test_check_in_is_idempotent_and_only_for_this_session(personas: Any, grid_a: Grid,
                                                          clock: Any) -> None:
    head = personas["head"]
    session = make_session(head, grid_a, clock, capacity=1)
    other = make_session(head, grid_a, clock)
    (a,) = portal(session, "甲")
    (b,) = portal(session, "乙", phone="13812340001")
    (x,) = portal(other, "丙")
    first = att.attendance_mark(actor=head, session=session, signup_id=a.pk)
    again = att.attendance_mark(actor=head, session=session, token=a.token)
    assert first.attended_at == again.attended_at == clock
    with pytest.raises(ValidationError, match="not one of this session"):
        att.attendance_mark(actor=head, session=session, signup_id=x.pk)
    with pytest.raises(ValidationError, match="waiting list"):
        att.attendance_mark(actor=head, session=session, signup_id=b.pk)
    x.refresh_from_db()
    assert x.attended_at is None


def test_served_hours_are_credited_once(personas: Any, grid_a: Grid, household: Any,
                                        clock: Any) -> None:
    head = personas["head"]
    session = make_session(head, grid_a, clock, starts_at=clock - timedelta(hours=3))
    volunteer = Volunteer.objects.create(community=grid_a.community, grid=grid_a,
                                         person=household.head)
    row = att.session_volunteer_add(actor=head, session=session, volunteer=volunteer)
    with pytest.raises(ValidationError, match="already"):
        att.session_volunteer_add(actor=head, session=session, volunteer=volunteer)
    entry = att.session_volunteer_served(actor=head, row=row)
    assert entry.hours == Decimal("2.00") and entry.session_id == session.pk
    with pytest.raises(ValidationError, match="credited already"):
        att.session_volunteer_served(actor=head, row=row)
    assert HoursEntry.objects.filter(volunteer=volunteer).count() == 1


def test_figures_count_confirmed_participants_by_residency(personas: Any, grid_a: Grid,
                                                           household: Any,
                                                           clock: Any) -> None:
    head = personas["head"]
    session = make_session(head, grid_a, clock, capacity=None)
    for p in Person.objects.filter(household=household)[:2]:
        s.signup_staff(actor=head, session=session, person=p)
    portal(session, "甲")
    figures = dict(residency_figures(session.activity))
    assert sum(figures.values()) == 3
    assert 2 in figures.values() and 1 in figures.values()


def test_a_waiting_sign_up_says_so(personas: Any, grid_a: Grid, household: Any,
                                   clock: Any) -> None:
    head = personas["head"]
    session = make_session(head, grid_a, clock, capacity=1)
    portal(session, "甲")
    signup = s.signup_staff(actor=head, session=session, person=household.head)
    assert signup.status == SignUpStatus.WAITING
