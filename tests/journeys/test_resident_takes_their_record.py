"""Journey: a resident asks at the desk for everything the station holds about
them (PIPL art. 45). A caseworker opens their page, downloads the record as
JSON and as a PDF, and both hold the resident's request and the visit to their
household; each download is one audit entry, and the chain stays intact.
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from jiayuan.core.models import AuditAction, AuditEntry
from tests.conftest import ZHENG_ID
from tests.journeys.conftest import (  # noqa: F401
    PHONE,
    assert_audit_intact,
    browser,
    current_code,
    login,
    shot,
)
from tests.world import grid_a_world  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_caseworker_hands_a_resident_their_whole_record(
        live_server: Any, personas: dict, grid_a_world: dict,  # noqa: F811
        browser: Any) -> None:  # noqa: F811
    w = grid_a_world
    person, case = w["person"], w["case"]
    page = login(browser, live_server, "caseworker")
    page.goto(f"{live_server.url}/people/{person.pk}/")
    section = page.locator("#record")
    assert "居民个人信息档案" in section.inner_text()
    shot(page, "person-record-section")

    # The record holds whole numbers: like revealing one, it asks her to
    # confirm it is her first (a fresh code), then she downloads.
    page.locator("#record-json").click()
    page.wait_for_url(f"{live_server.url}/account/confirm/**")
    page.fill("#id_code", current_code("caseworker"))
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/people/{person.pk}/")
    with page.expect_download() as got:
        page.locator("#record-json").click()
    download = got.value
    assert download.suggested_filename == f"person-{person.pk}-record.json"
    data = json.loads(open(download.path(), "rb").read())  # noqa: SIM115
    sections = data["sections"]
    assert sections["person"]["rows"][0]["id_number"] == ZHENG_ID
    assert case.ref in [c["ref"] for c in sections["cases"]["rows"]]
    # The household has three members: the visit's findings may be about the
    # others, so her record names the visit and leaves its text out.
    assert sections["visits"]["rows"][0]["mode"] == "入户走访"
    assert "身体还好" not in json.dumps(data, ensure_ascii=False)

    with page.expect_download() as got:
        page.locator("#record-pdf").click()
    pdf = got.value
    assert pdf.suggested_filename == f"person-{person.pk}-record.pdf"
    text = subprocess.run(["pdftotext", "-layout", pdf.path(), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert case.ref in text and "入户走访" in text and ZHENG_ID in text
    assert "身体还好" not in text
    # The PDF lists the JSON download made a moment before: the resident sees
    # that their record was exported, and by whom.
    disclosures = text[text.index("本人信息的查看与披露记录"):]
    assert "导出" in disclosures and "caseworker" in disclosures

    entries = list(AuditEntry.objects.filter(object_type="registry.person",
                                             object_id=str(person.pk),
                                             action__in=[AuditAction.EXPORT, AuditAction.PRINT])
                   .order_by("seq"))
    assert [(e.action, e.changes["format"], e.actor_username) for e in entries] == [
        (AuditAction.EXPORT, "json", "caseworker"), (AuditAction.PRINT, "pdf", "caseworker")]

    # The section reads on a phone too.
    phone = login(browser, live_server, "caseworker", viewport=PHONE)
    phone.goto(f"{live_server.url}/people/{person.pk}/")
    phone.locator("#record").scroll_into_view_if_needed()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(phone, "person-record-section-360")
    assert_audit_intact()
