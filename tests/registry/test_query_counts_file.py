"""The household file and the business list issue a number of queries that does
not grow with their rows.

tests/registry/test_query_counts.py covers members, consents and
circumstances; here every other part of the file: service-desk cases, visits,
must-visit duties, disputes, pairings, former members (left and moved away),
the address history after moves, and businesses; and the business list.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jiayuan.care import services as care
from jiayuan.care.models import Duty
from jiayuan.registry import services
from jiayuan.registry.models import Business, Household, HouseholdAddress, Membership
from tests.conftest import make_dwelling


def count_queries(client: Client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def client_for(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


class FileFiller:
    """Adds rows to every section of one household's file, `n` at a time."""

    def __init__(self, household: Household, personas: dict, make_case: Any,
                 grid: Any) -> None:
        self.h = household
        self.p = personas
        self.make_case = make_case
        self.grid = grid
        self.serial = 0
        self.moved_on = date(2010, 1, 1)
        # A neighbour household in the same grid: people move there, residents
        # from it help as volunteers.
        self.neighbour = services.household_create(
            actor=personas["head"], dwelling=make_dwelling(grid, "5", "1", "201"),
            residency="resident", moved_in=date(2010, 3, 1),
            head={"name": "李秀兰", "sex": "F", "birth_date": date(1965, 7, 1),
                  "phone": "13600002222", "id_number": ""})

    def _next(self) -> int:
        self.serial += 1
        return self.serial

    def add(self, n: int) -> None:
        head, worker = self.p["head"], self.p["gridworker"]
        for _ in range(n):
            i = self._next()
            # A service-desk request from the household.
            self.make_case(person=self.h.head, summary=f"第{i}个请求", owner=None)
            # A visit (a phone call: it must not close the duties added below).
            care.visit_log(actor=worker, households=[self.h], mode="phone",
                           purpose="routine", found=f"第{i}次回访",
                           visitors=[worker, self.p["caseworker"]],
                           visited_at=timezone.now() - timedelta(days=i))
            # A must-visit duty, assigned to the grid worker; the dispute rule
            # names references, the others are sensitive reasons (the first one
            # too: showing one records a disclosure, a constant cost per page).
            rule = "hardship" if i % 2 else "dispute"
            Duty.objects.create(household=self.h, grid_id=self.h.grid_id, rule=rule,
                                key=f"k{i}", detail={"refs": [f"TST-T-{i}"]},
                                raised_on=date(2025, 1, 1), due=date(2025, 1, 1) + timedelta(i),
                                assignee=worker)
            # A dispute in which the head is a party.
            dispute = care.dispute_create(actor=head, kind="neighbours", source="walk_in",
                                          summary=f"第{i}起纠纷", grid=self.grid,
                                          mediators=[self.p["mediator"]])
            care.party_add(actor=head, dispute=dispute, role="applicant", person=self.h.head)
            # A pairing: staff and resident helpers in turn.
            if i % 2:
                care.pairing_create(actor=head, household=self.h, helper_kind="staff",
                                    helper_user=worker, goals=f"目标{i}")
            else:
                care.pairing_create(actor=head, household=self.h, helper_kind="volunteer",
                                    helper_person=self.neighbour.head, goals=f"目标{i}")
            # Former members: one leaves the community, one moves to the neighbours.
            for how in ("leave", "move"):
                member = services.person_create(
                    actor=head, household=self.h, name=f"郑{how}{i}", sex="F",
                    relation="child", birth_date=date(1990, 1, i % 28 + 1), id_number="",
                    phone="")
                if how == "leave":
                    services.person_leave(actor=head, person=member, on=date(2025, 2, 1),
                                          reason="外出务工")
                else:
                    services.person_move(actor=head, person=member, to_household=self.neighbour,
                                         on=date(2025, 2, 1), relation="relative")
            # The household moves: one more address in its history.
            self.moved_on += timedelta(days=30)
            services.household_move(actor=head, household=self.h,
                                    dwelling=make_dwelling(self.grid, "8", "1", str(100 + i)),
                                    on=self.moved_on)
            self.h.refresh_from_db()
            # A business the head owns.
            Business.objects.create(grid_id=self.h.grid_id, name=f"郑家小店{i}", kind="shop",
                                    owner=self.h.head, dwelling=self.h.dwelling)


@pytest.fixture
def filler(household: Household, personas: dict, make_case: Any, grid_a: Any) -> FileFiller:
    return FileFiller(household, personas, make_case, grid_a)


@pytest.mark.parametrize("role", ["head", "gridworker", "mediator", "coordinator"])
def test_the_household_file_does_not_grow_with_any_section(filler, personas, role):
    h = filler.h
    client = client_for(personas[role])
    url = reverse("household_detail", kwargs={"pk": h.pk})
    filler.add(1)
    client.get(url)  # warm-up: sessions, content types, translations
    few, _page = count_queries(client, url)
    filler.add(4)
    many, page = count_queries(client, url)

    # The five of each really are there the second time round (so the count
    # covers them), each part shown to the roles that may read it.
    assert Membership.objects.filter(household=h, left__isnull=False).count() == 10
    assert HouseholdAddress.objects.filter(household=h).count() == 6
    assert page.count("外出务工") == 5  # members who left the community
    assert "郑move5" in page and "郑leave5" in page  # ... and those who moved away
    addresses = page.split("<h2>Addresses</h2>")[1].split("</section>")[0]
    assert addresses.count("<li>") == 6 and "3-2-302" in addresses and "8-1-105" in addresses
    assert page.count("郑家小店") == 5
    reads_cases = role != "coordinator"
    reads_disputes = role != "coordinator"
    assert page.count("个请求") == (5 if reads_cases else 0)
    assert page.count("次回访") == 5
    assert page.count("· due 2025-01-") == 5
    assert page.count("起纠纷") == (5 if reads_disputes else 0)
    assert len(re.findall(r'href="/care/pairings/\d+/"', page)) == 5
    assert page.count("李秀兰</a> · Volunteer") == 2
    assert few == many, f"{role}: {few} queries with 1 of each, {many} with 5 of each"


def test_the_business_list_does_not_grow_with_businesses(household, household_b, personas,
                                                         grid_a):
    client = client_for(personas["gridworker"])
    url = reverse("business_list")

    def add(start: int, n: int) -> None:
        for i in range(start, start + n):
            if i % 2:
                # At premises, owned by a resident of grid A.
                Business.objects.create(grid=grid_a, name=f"店铺{i}", kind="shop",
                                        owner=household.head, dwelling=household.dwelling,
                                        licence_note=f"执照{i}")
            else:
                # At an address, owned by someone of grid B (not linked for this user).
                Business.objects.create(grid=grid_a, name=f"店铺{i}", kind="restaurant",
                                        owner=household_b.head, address=f"幸福路{i}号")

    add(0, 1)
    client.get(url)
    few, _page = count_queries(client, url)
    add(1, 9)
    many, page = count_queries(client, url)
    assert page.count("店铺") == 10
    assert "a resident of another grid" in page
    assert reverse("household_detail", kwargs={"pk": household.pk}) in page
    assert few == many, f"{few} queries with 1 business, {many} with 10"
