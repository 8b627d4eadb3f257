"""Journey: a caseworker sets up her second factor and later reveals an ID number.

She logs in with her password and is sent to the enrolment page; she types the
key shown there into her "authenticator app" (here: the test computes the code
from the key read off the page), confirms, sees her recovery codes once and
goes on. She logs out and in again: this time the code page. On a resident's
page the whole ID number first asks her to confirm it is her; after a fresh
code it is shown. Everything is in the audit log, and the chain is intact.
"""

from __future__ import annotations

import base64
import time
from typing import Any

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from jiayuan.core.models import AuditEntry
from tests.conftest import ZHENG_ID
from tests.journeys.conftest import (  # noqa: F401
    PASSWORD,
    PHONE,
    assert_audit_intact,
    browser,
    new_context,
    shot,
)

pytestmark = pytest.mark.django_db(transaction=True)


def code_from(secret: str, after_t: int = -1) -> str:
    """What an authenticator app shows for `secret` (as typed from the page),
    waiting for a step later than `after_t` (a code is accepted once)."""
    text = secret.replace(" ", "")
    key = base64.b32decode(text + "=" * (-len(text) % 8))
    while True:
        app = TOTP(key)
        app.time = time.time()
        if app.t() > after_t:
            return f"{app.token():06d}"
        time.sleep(1)


def last_t(username: str) -> int:
    return TOTPDevice.objects.get(user__username=username, confirmed=True).last_t


def test_a_caseworker_enrols_logs_in_with_a_code_and_confirms_before_an_id(
        live_server: Any, personas: dict, household: Any, browser: Any) -> None:  # noqa: F811
    base = live_server.url
    page = new_context(browser, viewport=PHONE, locale="en-GB").new_page()

    # 1. Password first; the caseworker must have a second factor: enrolment.
    page.goto(f"{base}/login/")
    page.fill("#id_username", "caseworker")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/account/two-factor/enrol/**")
    assert page.locator(".qr svg").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "two-factor-enrol-360")
    secret = page.inner_text("#totp-secret")

    # 2. Other pages are out of reach until she confirms.
    page.goto(f"{base}{reverse('household_list')}")
    page.wait_for_url(f"{base}/account/two-factor/enrol/**")

    # 3. The first code confirms the app; the recovery codes are shown once.
    page.fill("#id_code", code_from(secret))
    page.click("form.form button[type=submit]")
    page.wait_for_selector("#recovery-codes")
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    shot(page, "two-factor-recovery-codes-360")
    page.click("#codes-saved")  # on to the page she asked for in step 2
    page.wait_for_url(f"{base}{reverse('household_list')}")

    # 4. Log out and in again: the code page this time.
    page.click("nav.main-nav form button")
    page.wait_for_url(f"{base}/login/")
    page.fill("#id_username", "caseworker")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/account/two-factor/code/**")
    shot(page, "two-factor-code-360")
    page.fill("#id_code", code_from(secret, last_t("caseworker")))
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"{base}/")

    # 5. The whole ID number asks her to confirm it is her, then shows.
    person = f"{base}{reverse('person_detail', args=[household.head_id])}"
    page.goto(person)
    page.click(f"#id-number-{household.head_id} button")
    link = page.locator(f"#id-number-{household.head_id} a")
    link.wait_for()
    assert ZHENG_ID not in page.inner_text("main")
    link.click()
    page.wait_for_url(f"{base}/account/confirm/**")
    page.fill("#id_code", code_from(secret, last_t("caseworker")))
    page.click("form.form button[type=submit]")
    page.wait_for_url(person)
    page.click(f"#id-number-{household.head_id} button")
    page.locator(f"#id-number-{household.head_id} code.revealed").wait_for()
    assert ZHENG_ID in page.inner_text(f"#id-number-{household.head_id}")
    shot(page, "two-factor-revealed-360")

    said = [e.changes.get("second factor") for e in AuditEntry.objects.filter(
        actor_username="caseworker").order_by("seq") if e.changes]
    assert [s for s in said if s] == [
        "enrolment started", "authenticator app confirmed", "new recovery codes",
        "code accepted", "code accepted"]
    assert AuditEntry.objects.filter(action="reveal", actor_username="caseworker").count() == 1
    page.context.close()
    assert_audit_intact()
