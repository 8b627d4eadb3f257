"""List pages and the household file issue a bounded number of queries."""

from __future__ import annotations

from datetime import date

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jiayuan.registry import services
from tests.conftest import make_dwelling


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def add_households(actor, grid, n: int, start: int) -> None:
    for i in range(start, start + n):
        services.household_create(
            actor=actor, dwelling=make_dwelling(grid, "9", "1", str(100 + i)),
            residency="registered", moved_in=date(2020, 1, 1),
            head={"name": f"王{i}", "sex": "M", "phone": f"1390000{i:04d}"})


def test_the_household_list_does_not_grow_with_rows(head, grid_a):
    client = Client()
    client.force_login(head)
    add_households(head, grid_a, 2, 0)
    few = count_queries(client, reverse("household_list"))
    add_households(head, grid_a, 12, 2)
    many = count_queries(client, reverse("household_list"))
    assert few == many


def test_the_household_file_does_not_grow_with_members(household, head):
    client = Client()
    client.force_login(head)
    url = reverse("household_detail", kwargs={"pk": household.pk})
    few = count_queries(client, url)
    for i in range(8):
        person = services.person_create(actor=head, household=household, name=f"郑{i}",
                                        sex="F", relation="child", phone=f"1370000{i:04d}",
                                        birth_date=date(2000, 1, 1))
        services.consent_record(actor=head, person=person, purpose="registry",
                                recorded_on=date(2025, 1, 1))
        services.circumstance_add(actor=head, household=household, person=person,
                                  kind="hardship", started=date(2025, 1, 1),
                                  sensitive_consent=True)
    many = count_queries(client, url)
    assert few == many


def test_search_results_do_not_grow_with_hits(head, grid_a):
    client = Client()
    client.force_login(head)
    add_households(head, grid_a, 2, 0)
    results = client.post(reverse("search"), {"q": "wang"}).url  # /search/?k=<key>
    few = count_queries(client, results)
    add_households(head, grid_a, 12, 2)
    many = count_queries(client, results)
    assert few == many


def test_the_audit_log_page_is_bounded(personas, household):
    client = Client()
    client.force_login(personas["auditor"])
    few = count_queries(client, reverse("audit_log"))
    services.person_update(actor=personas["head"], person=household.head, occupation="退休")
    services.person_update(actor=personas["head"], person=household.head, occupation="厨师")
    assert count_queries(client, reverse("audit_log")) == few
