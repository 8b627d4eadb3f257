"""A caseworker makes a read-only API token on her phone, uses it, and revokes it;
the API's documentation renders under the strict CSP."""

from __future__ import annotations

from typing import Any

from jiayuan.api.models import ApiToken
from tests.journeys.conftest import (
    PHONE,
    assert_audit_intact,
    give_code,
    login,
    new_context,
    shot,
)


def test_a_caseworker_makes_uses_and_revokes_a_read_only_token(
        live_server: Any, personas: Any, browser: Any) -> None:
    base = live_server.url
    page = login(browser, live_server, "caseworker", viewport=PHONE)
    page.click("a[href='/account/api-tokens/']")
    page.wait_for_url(f"{base}/account/api-tokens/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # A new token asks her to confirm it is her first (logging in does not count).
    page.click("#token-new")
    page.wait_for_url(f"{base}/account/confirm/**")
    give_code(page, "caseworker")
    page.wait_for_url(f"{base}/account/api-tokens/new/")
    page.fill("#id_name", "12345 平台")
    if not page.is_checked("#id_read_only"):
        page.check("#id_read_only")
    page.click("#token-create")
    secret = page.locator("#token-secret").inner_text().strip()
    token = ApiToken.objects.get(user=personas["caseworker"])
    assert secret.startswith(f"jy_{token.prefix}_") and token.read_only
    assert secret not in page.url
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "api-token-1-secret")

    # Shown once: the list has only the prefix.
    page.click("#token-saved")
    page.wait_for_url(f"{base}/account/api-tokens/")
    assert secret not in page.content() and token.prefix in page.content()

    # A program (no cookies) calls with it.
    program = new_context(browser).request
    auth = {"Authorization": f"Bearer {secret}"}
    me = program.get(f"{base}/api/v1/me/", headers=auth)
    assert me.status == 200 and me.json()["token"]["read_only"] is True
    write = program.delete(f"{base}/api/v1/tokens/{token.pk}/", headers=auth)
    assert write.status == 403 and write.json()["error"]["status"] == 403

    # She revokes it on the page; the program is refused from then on.
    page.click(f"li[data-prefix='{token.prefix}'] button[name=revoke]")
    page.locator(".msg-success").first.wait_for()
    token.refresh_from_db()
    assert token.revoked_at is not None
    gone = program.get(f"{base}/api/v1/me/", headers=auth)
    assert gone.status == 401 and gone.json()["error"]["status"] == 401
    shot(page, "api-token-2-revoked")

    # The API's documentation, as served (Swagger UI from /static/, strict CSP).
    blocked: list[str] = []
    docs = new_context(browser).new_page()
    docs.on("console", lambda m: blocked.append(m.text)
            if "Content Security Policy" in m.text else None)
    docs.goto(f"{base}/api/docs/")
    docs.locator(".opblock").first.wait_for()
    assert docs.locator(".opblock-summary-path", has_text="/api/v1/me/").count() >= 1
    shot(docs, "api-token-3-docs")
    assert blocked == []
    assert_audit_intact()
