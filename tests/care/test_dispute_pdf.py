"""The mediation agreement for signatures: a Chinese A4 PDF with the parties'
names and the agreement, no identifiers, audited as a print; refused with a
clear page when there is no agreement yet."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse

from jiayuan.care import services as care
from jiayuan.care.models import Dispute
from jiayuan.core.models import AuditEntry
from jiayuan.registry.models import Business
from tests.conftest import ZHENG_ID

AGREEMENT = "一、楼上租户王某于三日内修好漏水的管道。\n二、鄭容哲家的天花板由王某负责粉刷。"


def client_for(client: Any, user: Any) -> Any:
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def pdf_text(data: bytes, tmp_path: Any) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "agreement.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True,
                          capture_output=True).stdout.decode()


@pytest.fixture
def dispute(personas: dict, household: Any, grid_a: Any) -> Dispute:
    head = personas["head"]
    d = care.dispute_create(actor=head, grid=grid_a, kind="neighbours", source="walk_in",
                            summary="楼上漏水，天花板受损", details="鄭容哲 家中老人身体不好",
                            mediators=[personas["mediator"], personas["caseworker"]])
    care.party_add(actor=head, dispute=d, role="applicant", person=household.head)
    care.party_add(actor=head, dispute=d, role="respondent", name="楼上租户王某")
    shop = Business.objects.create(grid=grid_a, name="兰州拉面馆", kind="restaurant")
    care.party_add(actor=head, dispute=d, role="other", business=shop)
    d.refresh_from_db()
    return d


def with_agreement(actor: Any, dispute: Dispute) -> Dispute:
    return care.dispute_update(actor=actor, dispute=dispute, agreement_text=AGREEMENT,
                               agreement_on=date(2026, 1, 5))


def pdf_url(dispute: Dispute) -> str:
    return reverse("dispute_pdf", args=[dispute.pk])


def test_the_agreement_is_a_pdf_with_the_parties_and_no_identifiers(client, personas,
                                                                    dispute, tmp_path,
                                                                    settings):
    settings.STATION_NAME = "测试社区服务站"
    with_agreement(personas["head"], dispute)
    response = client_for(client, personas["mediator"]).get(pdf_url(dispute))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content, tmp_path)
    flat = "".join(text.split())
    assert "测试社区服务站" in text and dispute.ref in text
    for name in ("鄭容哲", "楼上租户王某", "兰州拉面馆"):
        assert name in text
    for line in AGREEMENT.splitlines():
        assert line in flat
    assert "楼上漏水，天花板受损" in flat and "2026-01-05" in text
    # Signature lines for each party and each mediator.
    assert flat.count("签名：") == 5
    # No identifiers, no phones, nothing from the details (it may be sensitive).
    assert ZHENG_ID not in flat and ZHENG_ID[-6:] not in flat
    assert "13812345678" not in flat and "5678" not in flat
    assert "身体不好" not in flat
    entry = AuditEntry.objects.get(action="print", object_type="care.dispute",
                                   object_id=str(dispute.pk))
    assert entry.actor_username == "mediator" and entry.changes["format"] == "pdf"


def test_the_agreement_is_printed_in_the_stations_language(client, personas, dispute,
                                                           tmp_path):
    """The parties read Chinese whatever the worker's interface language."""
    from django.utils import translation

    with_agreement(personas["head"], dispute)
    data = client_for(client, personas["mediator"]).get(pdf_url(dispute)).content
    text = pdf_text(data, tmp_path)
    with translation.override(settings.LANGUAGE_CODE):
        applicant = str(dispute.parties.get(role="applicant").get_role_display())
    assert applicant in text


def test_without_an_agreement_it_explains_instead_of_printing(client, personas, dispute):
    response = client_for(client, personas["mediator"]).get(pdf_url(dispute))
    assert response.status_code == 409
    assert response["Content-Type"].startswith("text/html")
    assert "has no agreement text yet" in response.content.decode()
    assert not AuditEntry.objects.filter(action="print").exists()
    page = client_for(client, personas["mediator"]).get(
        reverse("dispute_detail", args=[dispute.pk])).content.decode()
    assert pdf_url(dispute) not in page


@pytest.mark.parametrize("who,status", [("head", 200), ("caseworker", 200), ("mediator", 200),
                                        ("gridworker", 200), ("auditor", 200),
                                        ("coordinator", 403), ("admin", 403),
                                        ("outsider", 404)])
def test_printing_needs_the_dispute_in_scope(client, personas, dispute, who, status):
    with_agreement(personas["head"], dispute)
    response = client_for(client, personas[who]).get(pdf_url(dispute))
    assert response.status_code == status
    printed = AuditEntry.objects.filter(action="print", object_type="care.dispute").exists()
    assert printed == (status == 200)
