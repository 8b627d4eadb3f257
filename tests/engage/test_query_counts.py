"""Query counts of the participation pages as their rows grow (issue 16,
bench/engage_district.py measures them at district scale): the volunteer
list with the year's hours, a volunteer's page and an activity's page cost
the same however long the ledger or the list of sessions."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from jiayuan.core.roles import Role
from jiayuan.engage.activities import services as activities
from jiayuan.engage.choices import HoursSource, VolunteerRole
from jiayuan.engage.volunteers import services
from jiayuan.engage.volunteers.ledger import hours_credit, hours_reverse
from jiayuan.engage.volunteers.models import HoursEntry, Volunteer
from jiayuan.places.models import Grid
from tests.conftest import make_user, station_moment
from tests.engage.test_activities_services import make_session, portal

DAY = date(2027, 3, 10)


@pytest.fixture(autouse=True)
def clock() -> Any:
    with time_machine.travel(station_moment(DAY), tick=False), translation.override("en"):
        yield


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def volunteer(head: Any, community: Any, username: str) -> Volunteer:
    return services.volunteer_register(actor=head, user=make_user(username, Role.GRIDWORKER,
                                                                  community),
                                       roles=[VolunteerRole.SERVICE])


def credit(head: Any, v: Volunteer, on: date, hours: str) -> HoursEntry:
    return hours_credit(actor=head, volunteer=v, on=on, hours=Decimal(hours),
                        source=HoursSource.STAFF)


def more_entries(head: Any, v: Volunteer, n: int) -> None:
    """n entries of one hour, on n days before DAY (this year and last)."""
    for k in range(n):
        credit(head, v, DAY - timedelta(days=1 + k * 3), "1")


def get(client: Client, url: str) -> tuple[Any, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return response, [q["sql"] for q in ctx.captured_queries]


def test_the_list_sums_the_year_and_costs_the_same_whatever_the_ledger(
        head: Any, community: Any) -> None:
    a, b, c = (volunteer(head, community, name) for name in ("va", "vb", "vc"))
    credit(head, a, DAY - timedelta(days=1), "2")
    credit(head, a, date(2027, 1, 1), "1")  # the year's first day counts
    hours_reverse(actor=head, entry=credit(head, a, DAY - timedelta(days=2), "3"),
                  reason="录错")
    credit(head, a, date(2026, 12, 31), "5")  # last year's does not
    credit(head, b, DAY - timedelta(days=3), "4")
    client = login(head)
    client.get(reverse("volunteer_list"))  # warm the session and caches
    page, few = get(client, reverse("volunteer_list"))
    assert [(v.pk, v.year_hours) for v, _name, _tier in page.context["rows"]] == [
        (b.pk, Decimal("4")), (a.pk, Decimal("3")), (c.pk, Decimal("0"))]
    for v in (a, b, c):
        more_entries(head, v, 40)
    page, many = get(client, reverse("volunteer_list"))
    assert len(many) == len(few)
    # The year's sum is a correlated sum per volunteer, not a join of the
    # ledger grouped by every column of the page (1.8 s at district scale).
    assert not [sql for sql in many if 'JOIN "engage_hoursentry"' in sql]
    sums = {v.pk: v.year_hours for v, _name, _tier in page.context["rows"]}
    assert sums == {a.pk: Decimal("26"), b.pk: Decimal("27"), c.pk: Decimal("23")}
    # The search is posted and the page addressed by its key (role kept, page added).
    filtered = client.post(reverse("volunteer_list"), {"q": "va", "role": "service"}).url
    assert re.fullmatch(re.escape(reverse("volunteer_list")) + r"\?role=service&k=[\w-]+",
                        filtered), filtered
    _found, searched = get(client, filtered + "&page=2")
    assert len(searched) <= len(many) + 1


def test_a_volunteers_page_costs_the_same_whatever_the_ledger(
        head: Any, community: Any) -> None:
    v = volunteer(head, community, "va")
    credit(head, v, DAY - timedelta(days=1), "2")
    client = login(head)
    url = reverse("volunteer_detail", args=[v.pk])
    client.get(url)
    _page, few = get(client, url)
    more_entries(head, v, 70)  # over this year and the last: the page shows this year's
    hours_reverse(actor=head, entry=HoursEntry.objects.filter(volunteer=v).last(),
                  reason="重复")
    page, many = get(client, url)
    assert len(many) == len(few)
    assert page.context["year_hours"] == Decimal("24")
    this_year = HoursEntry.objects.filter(volunteer=v, on__year=DAY.year)
    assert len(page.context["entries"]) == this_year.count() < HoursEntry.objects.filter(
        volunteer=v).count()


def test_an_activitys_page_costs_the_same_whatever_its_sessions(
        personas: Any, grid_a: Grid) -> None:
    head, now = personas["head"], station_moment(DAY)
    first = make_session(head, grid_a, now)
    portal(first, "甲")
    client = login(head)
    url = reverse("activity_detail", args=[first.activity_id])
    client.get(url)
    _page, few = get(client, url)
    for k in range(1, 6):
        start = now + timedelta(days=3 + k)
        session = activities.session_add(actor=head, activity=first.activity, starts_at=start,
                                         ends_at=start + timedelta(hours=2), place="社区广场",
                                         capacity=5)
        portal(session, f"乙{k}", f"丙{k}", phone=f"1381234000{k}")
    page, many = get(client, url)
    assert len(many) == len(few)
    assert [s.n_confirmed for s in page.context["sessions"]] == [1, 2, 2, 2, 2, 2]
