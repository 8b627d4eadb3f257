"""The walk-in receipt: reference, service, due date, hotline and a QR code of
the resident's status page, and nothing that names the resident."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from jiayuan.core.models import AuditAction, AuditEntry
from jiayuan.desk.receipt import qr_svg
from tests.conftest import ZHENG_ID


def receipt_url(case: Any) -> str:
    return reverse("case_receipt", args=[case.pk])


@pytest.fixture
def hotline(settings: Any) -> str:
    settings.STATION_HOTLINE = "0512-6666-0000"
    return settings.STATION_HOTLINE


def test_it_prints_the_reference_service_due_date_hotline_and_qr(
        client: Any, personas: dict, case: Any, hotline: str) -> None:
    client.force_login(personas["caseworker"])
    response = client.get(receipt_url(case), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert case.ref in html
    assert case.item.name in html
    assert timezone.localtime(case.due).strftime("%Y-%m-%d") in html
    assert hotline in html
    assert case.public_token in html
    assert "no-store" in response["Cache-Control"]


def test_the_qr_code_is_the_status_page_url(client: Any, personas: dict, case: Any) -> None:
    """segno cannot decode; the same URL encoded again gives the same SVG."""
    client.force_login(personas["caseworker"])
    html = client.get(receipt_url(case)).content.decode()
    expected_url = settings.SITE_URL + reverse("portal_status", kwargs={
        "ref": case.ref, "token": case.public_token})
    assert str(qr_svg(expected_url)) in html
    # ...and that URL really opens the resident's status page.
    assert client.get(expected_url.removeprefix(settings.SITE_URL)).status_code == 200


def test_it_carries_no_personal_data(client: Any, personas: dict, case: Any,
                                     household: Any) -> None:
    client.force_login(personas["caseworker"])
    html = client.get(receipt_url(case)).content.decode()
    slip = html[html.index('<article class="receipt"'):html.index("</article>")]
    head = household.head
    for personal in (head.name, "鄭容哲", "郑容哲", "13812345678", "5678", ZHENG_ID,
                     ZHENG_ID[-4:], case.summary):
        assert personal not in html, personal
    assert str(household.dwelling) not in slip


def test_it_is_audited_as_a_print(client: Any, personas: dict, case: Any) -> None:
    client.force_login(personas["caseworker"])
    client.get(receipt_url(case))
    entry = AuditEntry.objects.filter(action=AuditAction.PRINT, object_id=str(case.pk)).get()
    assert entry.object_type == "desk.case"
    assert entry.changes["document"] == "walk_in_receipt"


def test_the_case_page_offers_it(client: Any, personas: dict, case: Any) -> None:
    client.force_login(personas["caseworker"])
    html = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert receipt_url(case) in html


@pytest.mark.parametrize("who,status", [("outsider", 404), ("auditor", 403),
                                        ("gridworker", 200), ("head", 200)])
def test_only_desk_workers_in_scope_print_it(client: Any, personas: dict, case: Any,
                                             who: str, status: int) -> None:
    client.force_login(personas[who])
    assert client.get(receipt_url(case)).status_code == status


def test_no_hotline_configured_prints_no_hotline_line(client: Any, personas: dict, case: Any,
                                                      settings: Any) -> None:
    settings.STATION_HOTLINE = ""
    client.force_login(personas["caseworker"])
    html = client.get(receipt_url(case), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Hotline" not in html
