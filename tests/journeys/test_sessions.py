"""Journeys: sessions that end (jiayuan.core.sessions).

A caseworker logged in on two browsers ends the other one from "My sessions",
and that browser is sent to the login page. With a short idle time, the
warning appears before the end, "Stay signed in" keeps the session, and a
page left alone goes to the login page with the reason.
"""

from __future__ import annotations

from typing import Any

from jiayuan.core.models import AuditAction, AuditEntry, UserSession
from tests.journeys.conftest import PHONE, assert_audit_intact, browser, login, shot  # noqa: F401


def test_a_caseworker_ends_her_other_session(live_server: Any, personas: dict,
                                             browser: Any) -> None:  # noqa: F811
    base = live_server.url
    first = login(browser, live_server, "caseworker", viewport=PHONE)
    second = login(browser, live_server, "caseworker", viewport=PHONE)

    first.click("nav.main-nav a[href='/account/sessions/']")
    first.wait_for_url(f"{base}/account/sessions/")
    items = first.locator("li.session-item")
    assert items.count() == 2
    assert first.locator("li.session-item.is-current").count() == 1
    # Chromium on Linux, from the loopback network (never the whole address).
    assert "Chrome · Linux" in items.first.inner_text()
    assert "127.0.0.0/24" in first.content() and "127.0.0.1" not in first.content()
    shot(first, "sessions-list")
    first.click("text=结束我的所有其他会话")
    first.wait_for_url(f"{base}/account/sessions/")
    assert "已结束您的其他会话：1 个。" in first.inner_text("main")
    assert first.locator("li.session-item").count() == 1

    # The other browser is signed out: its next page is the login page.
    second.goto(f"{base}/households/")
    second.wait_for_url(f"{base}/login/**")
    assert second.locator("#id_username").is_visible()
    # This one carries on.
    first.goto(f"{base}/households/")
    assert first.url == f"{base}/households/"
    assert UserSession.objects.filter(user=personas["caseworker"]).count() == 1
    entry = AuditEntry.objects.filter(action=AuditAction.LOGOUT).order_by("-seq").first()
    assert entry is not None and entry.changes == {"reason": "ended_by_user", "sessions": 1}
    assert_audit_intact()


def test_the_idle_warning_keeps_the_session_or_lets_it_end(live_server: Any, personas: dict,
                                                          settings: Any,
                                                          browser: Any) -> None:  # noqa: F811
    # A short idle time for the live server (the same process): the warning
    # shows 8 seconds before the end, 4 seconds after a page.
    settings.SESSION_IDLE_SECONDS = 12
    settings.SESSION_WARNING_SECONDS = 8
    base = live_server.url
    page = login(browser, live_server, "caseworker", viewport=PHONE)
    page.goto(f"{base}/account/sessions/")
    banner = page.locator("#session-warning")
    assert banner.is_hidden()
    banner.wait_for(state="visible", timeout=20_000)
    assert banner.get_attribute("role") == "alert"
    assert "分钟后自动退出登录" in banner.inner_text()
    shot(page, "sessions-idle-warning")
    page.click("#session-warning button.session-stay")
    banner.wait_for(state="hidden")
    # Past the first end: still signed in, because of "Stay signed in".
    page.wait_for_timeout(8_000)
    page.goto(f"{base}/account/sessions/")
    assert page.url == f"{base}/account/sessions/"

    # Left alone, the page goes to the login page and says why.
    banner.wait_for(state="visible", timeout=20_000)
    page.wait_for_url(f"{base}/login/**", timeout=30_000)
    assert "无操作，已自动退出登录" in page.inner_text("main")
    entry = AuditEntry.objects.filter(action=AuditAction.LOGOUT).order_by("-seq").first()
    assert entry is not None and entry.changes == {"reason": "idle"}
    assert_audit_intact()
