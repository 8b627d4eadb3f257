"""The household file shows its visits, open duties, disputes and pairings,
each part only to the roles that may read it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from jiayuan.care import services as care
from jiayuan.care.duties import engine as duties
from jiayuan.registry.models import Circumstance


@pytest.fixture(autouse=True)
def english(settings: Any) -> Any:
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def cared_for(household: Any, personas: dict) -> Any:
    head, worker = personas["head"], personas["gridworker"]
    Circumstance.objects.create(household=household, person=household.head, kind="disability",
                                started=date(2001, 1, 1))
    duties.run(timezone.now())
    care.visit_log(actor=worker, households=[household], mode="phone", purpose="routine",
                   found="屋顶漏水")
    d = care.dispute_create(actor=head, kind="neighbours", source="walk_in", summary="噪音")
    care.party_add(actor=head, dispute=d, role="applicant", person=household.head)
    care.pairing_create(actor=head, household=household, helper_kind="staff",
                        helper_user=worker, goals="每月走访")
    return household


def page(client: Any, user: Any, household: Any) -> Any:
    client.force_login(user)
    return client.get(reverse("household_detail", args=[household.pk]))


def test_the_head_sees_every_part(client: Any, personas: dict, cared_for: Any) -> None:
    html = page(client, personas["head"], cared_for).content.decode()
    for text in ("Must-visit duties", "Disability", "屋顶漏水", "噪音", "One-to-one pairing",
                 personas["gridworker"].display_name):
        assert text in html, text


def test_the_mediator_sees_that_a_visit_is_owed_but_not_why(client: Any, personas: dict,
                                                            cared_for: Any) -> None:
    html = page(client, personas["mediator"], cared_for).content.decode()
    assert "Must-visit duty" in html and "Disability" not in html
    assert "噪音" in html  # disputes are the mediator's work


def test_a_role_without_disputes_sees_no_dispute(client: Any, personas: dict,
                                                 cared_for: Any) -> None:
    html = page(client, personas["coordinator"], cared_for).content.decode()
    assert "噪音" not in html and "屋顶漏水" in html


def test_the_outsider_gets_a_404(client: Any, personas: dict, cared_for: Any) -> None:
    assert page(client, personas["outsider"], cared_for).status_code == 404


def test_free_text_about_the_household_stays_out_of_the_audit_log(cared_for: Any) -> None:
    from jiayuan.core.models import AuditEntry

    logged = str(list(AuditEntry.objects.filter(object_type__startswith="care.")
                      .values_list("changes", flat=True)))
    assert "屋顶漏水" not in logged and "每月走访" not in logged
    assert "(changed)" in logged


def test_the_count_of_visits_links_to_all_of_them_in_the_diary(client: Any,
                                                               personas: dict,
                                                               household: Any) -> None:
    worker = personas["gridworker"]
    for n in range(12):
        care.visit_log(actor=worker, households=[household], mode="home", purpose="routine",
                       found=f"第{n}次走访",
                       visited_at=timezone.now() - timedelta(days=n))
    html = page(client, worker, household).content.decode()
    link = f'{reverse("visit_list")}?household={household.pk}'
    assert f'<a href="{link}">12 visits in all.</a>' in html
    assert "第11次走访" not in html  # the oldest is past the ten shown here
    listed = client.get(link).content.decode()
    assert "第11次走访" in listed and "12 visits" in listed
