"""Journey: a caseworker on a phone changes her password.

She logs in, opens "Change password" from the menu, is refused a password made
of the site's own words, sets a good one, logs out and logs in with the new
one; the old one no longer opens the account. The log says the password
changed and never what it is.
"""

from __future__ import annotations

from typing import Any

from jiayuan.core.models import AuditEntry
from tests.journeys.conftest import (  # noqa: F401
    PASSWORD,
    PHONE,
    assert_audit_intact,
    browser,
    give_code,
    login,
    shot,
)

NEW = "blue kettle orchard 7"


def test_a_caseworker_changes_her_password_on_a_phone(live_server: Any, personas: dict,
                                                       browser: Any) -> None:  # noqa: F811
    base = live_server.url
    page = login(browser, live_server, "caseworker", viewport=PHONE, locale="en-GB")

    # 1. The menu leads to the page; it fits a phone.
    page.click("nav.main-nav a[href='/account/password/']")
    page.wait_for_url(f"{base}/account/password/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # 2. A password made of the site's own words is refused, with the reason.
    page.fill("#id_old_password", PASSWORD)
    page.fill("#id_new_password1", "jiayuan-demo")
    page.fill("#id_new_password2", "jiayuan-demo")
    page.click("form.form button[type=submit]")
    page.wait_for_selector("p.error")
    assert "own words" in page.inner_text("main")
    shot(page, "password-change-refused-360")

    # 3. A good one is set; she stays logged in here.
    page.fill("#id_old_password", PASSWORD)
    page.fill("#id_new_password1", NEW)
    page.fill("#id_new_password2", NEW)
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"{base}/")
    assert "Your password was changed" in page.inner_text("main")

    # 4. Log out, and back in: the old password is refused, the new one works.
    page.click("nav.main-nav form button")
    page.wait_for_url(f"{base}/login/")
    page.fill("#id_username", "caseworker")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector(".msg-error")
    assert page.url.startswith(f"{base}/login/")
    page.fill("#id_username", "caseworker")
    page.fill("#id_password", NEW)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/account/two-factor/code/**")  # and then the second factor
    give_code(page, "caseworker")
    page.wait_for_url(f"{base}/")
    assert "caseworker" in page.inner_text("nav.main-nav")

    change = AuditEntry.objects.get(action="update", object_type="core.user",
                                    actor_username="caseworker")
    assert change.changes == {"password": "changed"}
    assert not AuditEntry.objects.filter(action="login_failed").exists()
    page.context.close()
    assert_audit_intact()
