"""Activity pages: the check-in endpoint (idempotent, JSON for the queue),
query counts of the list and the activity page, the portal's sign-up, its
flood limit and its token page."""

from __future__ import annotations

import time
from datetime import date, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jiayuan.core.models import AuditAction, AuditEntry
from jiayuan.desk.portal.forms import issue_stamp
from jiayuan.engage.activities import services as s
from jiayuan.engage.activities.models import ActivitySession, SignUp
from jiayuan.places.models import Grid
from tests.conftest import station_moment
from tests.engage.test_activities_services import make_session, portal

DAY = date(2027, 5, 10)


@pytest.fixture
def clock() -> Any:
    with time_machine.travel(station_moment(DAY), tick=True):
        yield station_moment(DAY)


def staff(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_check_in_queue_endpoint_is_idempotent(personas: Any, grid_a: Grid,
                                                   clock: Any) -> None:
    head = personas["head"]
    session = make_session(head, grid_a, clock)
    (a,) = portal(session, "甲")
    client = staff(personas["gridworker"])
    url = reverse("session_mark", args=[session.pk])
    first = client.post(url, {"signup": a.pk}, HTTP_ACCEPT="application/json")
    again = client.post(url, {"code": a.token}, HTTP_ACCEPT="application/json")
    assert first.status_code == again.status_code == 200
    assert first.json()["count"] == again.json()["count"] == 1
    a.refresh_from_db()
    assert a.attended_at is not None
    bad = client.post(url, {"code": "nope"}, HTTP_ACCEPT="application/json")
    assert bad.status_code == 400 and bad.json()["error"]


def test_a_queued_check_in_keeps_the_time_of_its_tap(personas: Any, grid_a: Grid,
                                                     clock: Any) -> None:
    session = make_session(personas["head"], grid_a, clock)
    a, b = portal(session, "甲", "乙")
    client = staff(personas["gridworker"])
    url = reverse("session_mark", args=[session.pk])
    tapped = timezone.now() - timedelta(minutes=40)
    for _ in range(2):  # sent again after a lost answer: still the first tap's time
        r = client.post(url, {"signup": a.pk, "at": str(int(tapped.timestamp() * 1000))},
                        HTTP_ACCEPT="application/json")
        assert r.status_code == 200 and r.json()["count"] == 1
    future = timezone.now() + timedelta(hours=1)  # a phone's clock far ahead: not believed
    client.post(url, {"code": b.token, "at": str(int(future.timestamp() * 1000))},
                HTTP_ACCEPT="application/json")
    a.refresh_from_db()
    b.refresh_from_db()
    assert abs((a.attended_at - tapped).total_seconds()) < 0.01
    assert b.attended_at is not None
    assert abs((b.attended_at - timezone.now()).total_seconds()) < 60
    assert AuditEntry.objects.filter(object_type="engage.signup", object_id=str(a.pk),
                                     action=AuditAction.UPDATE).count() == 1


def test_the_check_in_page_opens_from_the_door_token(personas: Any, grid_a: Grid,
                                                      clock: Any) -> None:
    session = make_session(personas["head"], grid_a, clock)
    portal(session, "甲")
    r = staff(personas["gridworker"]).get(reverse("checkin", args=[session.checkin_token]))
    assert r.status_code == 200 and "甲".encode() in r.content
    assert staff(personas["outsider"]).get(
        reverse("checkin", args=[session.checkin_token])).status_code == 404


def test_the_activity_page_costs_the_same_whatever_the_sign_ups(
        personas: Any, grid_a: Grid, household: Any, clock: Any,
        django_assert_max_num_queries: Any) -> None:
    head = personas["head"]
    session = make_session(head, grid_a, clock, capacity=3)
    client = staff(head)
    url = reverse("activity_detail", args=[session.activity_id])
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200
    for i in range(5):
        portal(session, f"人{i}", phone=f"1381234000{i}")
    s.signup_staff(actor=head, session=session, person=household.head)
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(18):
        assert client.get(reverse("session_detail", args=[session.pk])).status_code == 200


def test_the_list_costs_the_same_whatever_the_activities(
        personas: Any, grid_a: Grid, clock: Any, django_assert_max_num_queries: Any) -> None:
    head = personas["head"]
    client = staff(head)
    for _ in range(4):
        portal(make_session(head, grid_a, clock), "甲")
    with django_assert_max_num_queries(10):
        r = client.get(reverse("activity_list"))
    assert r.status_code == 200 and r.content.count("第七届邻里文化节".encode()) == 4


def _form(session: ActivitySession, **kw: Any) -> dict[str, Any]:
    return {"session": session.pk, "names": "甲\n乙", "phone": "13812345670",
            "photo_consent": "on", "stamp": issue_stamp(now=time.time() - 10), **kw}


def test_a_household_signs_up_on_the_portal_and_cancels(personas: Any, grid_a: Grid,
                                                        clock: Any) -> None:
    session = make_session(personas["head"], grid_a, clock, capacity=2)
    (w,) = portal(session, "丙", phone="13812340009")
    client = Client()
    r = client.post(reverse("portal_activity", args=[session.activity_id]), _form(session))
    assert r.status_code == 302
    made = SignUp.objects.filter(phone_hash__isnull=False, name__in=["甲", "乙"])
    assert made.count() == 2
    page = client.get(r["Location"])
    assert page.status_code == 200 and "乙".encode() in page.content
    w.refresh_from_db()
    assert w.status == "confirmed"  # the first portal sign-up came before the household's
    first = made.order_by("pk").first()
    assert first is not None
    r = client.post(reverse("portal_signup_status", args=[first.token]))
    assert r.status_code == 302
    first.refresh_from_db()
    assert first.status == "cancelled"


def test_a_portal_flood_gets_a_clear_429(personas: Any, grid_a: Grid, clock: Any,
                                         settings: Any) -> None:
    settings.PORTAL_MAX_PER_SOURCE_HOUR = 1
    session = make_session(personas["head"], grid_a, clock, capacity=None)
    client = Client()
    url = reverse("portal_activity", args=[session.activity_id])
    assert client.post(url, _form(session)).status_code == 302
    r = client.post(url, _form(session, names="丁", phone="13812345671"))
    assert r.status_code == 429 and SignUp.objects.count() == 2


def test_the_honeypot_saves_nothing_and_an_unknown_token_is_404(
        personas: Any, grid_a: Grid, clock: Any) -> None:
    session = make_session(personas["head"], grid_a, clock)
    client = Client()
    r = client.post(reverse("portal_activity", args=[session.activity_id]),
                    _form(session, website="http://spam"))
    assert r.status_code == 302 and not SignUp.objects.exists()
    assert client.get(reverse("portal_signup_status", args=["nope"])).status_code == 404


def test_a_forged_session_of_another_activity_is_refused(personas: Any, grid_a: Grid,
                                                         clock: Any) -> None:
    session = make_session(personas["head"], grid_a, clock)
    other = make_session(personas["head"], grid_a, clock + timedelta(days=1))
    r = Client().post(reverse("portal_activity", args=[session.activity_id]), _form(other))
    assert r.status_code == 400 and not SignUp.objects.exists()


def test_staff_who_may_see_phones_reveal_a_portal_sign_ups_number_audited(
        personas: Any, grid_a: Grid, clock: Any) -> None:
    session = make_session(personas["head"], grid_a, clock)
    (a,) = portal(session, "甲", phone="13812345678")
    (b,) = portal(make_session(personas["head"], grid_a, clock), "乙", phone="13812340009")
    worker = staff(personas["gridworker"])
    url = reverse("session_signup_phone", args=[session.pk, a.pk])
    page = worker.get(reverse("session_detail", args=[session.pk])).content.decode()
    assert a.phone_mask in page and "13812345678" not in page and url in page

    r = worker.post(url)
    assert r.status_code == 200 and "13812345678" in r.content.decode()
    assert AuditEntry.objects.filter(object_type="engage.signup", object_id=str(a.pk),
                                     action=AuditAction.REVEAL,
                                     actor_id=personas["gridworker"].pk).count() == 1
    # Another session's sign-up under this session's address: 404, nothing shown.
    forged = worker.post(reverse("session_signup_phone", args=[session.pk, b.pk]))
    assert forged.status_code == 404 and b"13812340009" not in forged.content
    # A coordinator runs activities but may not see phones: no button, 403.
    coordinator = staff(personas["coordinator"])
    page = coordinator.get(reverse("session_detail", args=[session.pk])).content.decode()
    assert a.phone_mask in page and url not in page
    assert coordinator.post(url).status_code == 403
