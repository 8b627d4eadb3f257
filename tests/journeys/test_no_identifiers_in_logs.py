"""Journey: nothing the server logs, and no address the browsers ask for,
holds a whole ID-card or phone number. Everything logged while it runs is
captured (the root logger, django.request, django.server and jiayuan, at every
level; the live server writes no access lines of its own) while a caseworker
on a phone searches a resident by whole ID number and by whole phone number,
opens her file, reveals the phone, opens a page that isn't there (so the
request log has a line to show it is captured), and a resident sends the
portal's request form with the same phone typed with spaces."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from jiayuan.core.models import AuditAction, AuditEntry
from tests.conftest import ZHENG_ID
from tests.journeys.conftest import PHONE, assert_audit_intact, login, new_context, shot

NUMBER = "13812345678"  # 鄭容哲's, the head of the household fixture
LOGGERS = ("", "django.request", "django.server", "jiayuan")
# Any whole ID-card number or mainland mobile number, not only the test person's.
ANY_ID = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
ANY_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def captured() -> Iterator[Capture]:
    """A handler on each logger, every level let through while the test runs."""
    handler = Capture()
    levels = {}
    for name in LOGGERS:
        logger = logging.getLogger(name)
        levels[name] = logger.level
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        for name in LOGGERS:
            logging.getLogger(name).removeHandler(handler)
            logging.getLogger(name).setLevel(levels[name])


def search(page: Any, live_server: Any, text: str, seen: list[str]) -> None:
    page.goto(f"{live_server.url}/search/")
    box = page.locator("main form input[name=q]")
    box.type(text, delay=10)
    box.press("Enter")
    page.wait_for_url("**/search/?k=*")
    seen.append(page.url)
    assert "鄭容哲" in page.locator("#results").inner_text()


def test_no_whole_id_or_phone_number_reaches_a_log_or_an_address(
        live_server, household, personas, school_item, browser, captured):
    head = household.head
    asked: list[str] = []
    seen: list[str] = []

    # --- the caseworker, on a phone ---------------------------------------------------
    page = login(browser, live_server, "caseworker", viewport=PHONE)
    page.on("request", lambda request: asked.append(request.url))
    search(page, live_server, ZHENG_ID, seen)
    search(page, live_server, NUMBER, seen)
    page.click("#results a:has-text('鄭容哲')")
    page.wait_for_url(f"**/people/{head.pk}/")
    seen.append(page.url)
    with page.expect_response(lambda r: "/reveal/" in r.url and r.request.method == "POST"):
        page.click(f"#phone-{head.pk} button")
    # The answer has come; htmx swaps it in just after, so wait for the swap itself.
    expect(page.locator(f"#phone-{head.pk}")).to_contain_text(
        re.compile(r"\s*".join(NUMBER)))
    assert NUMBER in page.locator(f"#phone-{head.pk}").inner_text().replace(" ", "")
    shot(page, "no-ids-in-logs-1-revealed")
    missing = page.goto(f"{live_server.url}/people/{head.pk + 9999}/")
    assert missing is not None and missing.status == 404

    # --- a resident on the portal -----------------------------------------------------
    resident = new_context(browser, viewport=PHONE).new_page()
    resident.on("request", lambda request: asked.append(request.url))
    resident.goto(f"{live_server.url}/portal/request/")
    resident.select_option("#id_service", school_item.code)
    resident.fill("#id_summary", "孩子九月要上小学")
    resident.fill("#id_name", "郑先生")
    resident.fill("#id_phone", "138 1234 5678")
    resident.check("#id_consent")
    resident.wait_for_timeout(3200)  # a person, not a script: the form's timing stamp
    resident.locator("main form button[type=submit]").last.click()
    resident.wait_for_url("**/portal/request/thanks/")
    seen.append(resident.url)

    # --- the scan ---------------------------------------------------------------------
    text = "\n".join(captured.lines)
    # The capture works: the missing page's request-log line is in it.
    assert f"Not Found: /people/{head.pk + 9999}/" in text, text
    digits_only = re.sub(r"[\s\-]", "", text)
    for where in (text, digits_only):
        assert ZHENG_ID not in where and NUMBER not in where
        assert not ANY_ID.search(where) and not ANY_PHONE.search(where), where
    assert asked
    for url in asked + seen:
        assert ZHENG_ID not in url and NUMBER not in url, url
        assert not ANY_ID.search(url) and not ANY_PHONE.search(url), url

    # The reveal was audited, and the chain holds.
    assert AuditEntry.objects.filter(action=AuditAction.REVEAL,
                                     actor_id=personas["caseworker"].pk).exists()
    assert_audit_intact()
