"""Journeys: the loops a person completes, driven in headless Chromium through
the real pages, with the real headers, as each role would.

Set-up data may be made directly (fixtures); every step a user takes is a click
or a keystroke. Each journey ends with `assert_audit_intact()`, which runs the
`verify_audit` command exactly as an operator would.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    # Every journey drives Chromium: `make test-fast` leaves them out.
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "journeys"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORD = "pw-for-tests-only"
PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    # Playwright's sync API runs an event loop in this thread; the ORM calls a
    # test makes between page actions are still synchronous and safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is not installed: run `make system-deps` (Debian package "
                    "chromium), or `make test-fast` to skip the browser tests.")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield b
        finally:
            b.close()
            # Within Playwright's sync API this code runs in a contextvars context
            # of its own (its greenlets), and Django keeps connections per context:
            # the ORM calls a test makes between page actions opened connections
            # that nothing else closes. Left open, the test database could not be
            # dropped at the end ("being accessed by other users").
            connections.close_all()


def new_context(browser: Any, *, viewport: dict[str, int] | None = None,
                locale: str = "zh-CN") -> Any:
    """A fresh browser context: its own cookies, as another person's browser."""
    ctx = browser.new_context(viewport=viewport or DESKTOP, locale=locale,
                              device_scale_factor=1)
    ctx.set_default_timeout(15_000)
    return ctx


def login(browser: Any, live_server: Any, username: str, *,
          viewport: dict[str, int] | None = None, locale: str = "zh-CN") -> Any:
    """A page in a new context, logged in through the login form and, for an
    account that needs one, the second factor's code page (its authenticator
    is made as set-up data if it has none; tests/journeys/test_two_factor.py
    enrols through the pages)."""
    ensure_authenticator(username)
    page = new_context(browser, viewport=viewport, locale=locale).new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("load")
    if "/account/two-factor/code/" in page.url:
        give_code(page, username)
    page.wait_for_url(f"{live_server.url}/")
    return page


def ensure_authenticator(username: str) -> None:
    """Set-up data: a confirmed authenticator for an account that must have one."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from jiayuan.core import twofactor
    from jiayuan.core.models import User

    user = User.objects.filter(username=username).first()
    if user is not None and twofactor.required(user) and not twofactor.has_device(user):
        TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def current_code(username: str) -> str:
    """The code the person's authenticator app shows now, one not used yet
    (a code is accepted once: a second login in the same 30 seconds waits
    for the next one)."""
    import time

    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice


    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    while True:
        device.refresh_from_db()
        clock = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        clock.time = time.time()
        if clock.t() > device.last_t:
            return f"{clock.token():0{device.digits}d}"
        time.sleep(1)


def give_code(page: Any, username: str) -> None:
    """On the code page (or "confirm it is you"), type the current code and go on."""
    page.fill("#id_code", current_code(username))
    page.click("button[type=submit]")
    page.wait_for_load_state("load")


def shot(page: Any, name: str) -> None:
    """Save a screenshot for people to look at (test-artifacts/journeys/)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def assert_audit_intact() -> str:
    """Run `manage.py verify_audit` as an operator would; fail with its message."""
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert "intact" in out.getvalue(), out.getvalue()
    return out.getvalue()


def restore_seed_data() -> None:
    """What the data migrations wrote (the five default statuses of residents'
    suggestions): a journey runs against a live server, so its database is
    flushed after each test, and the next journey on the same worker would
    find the migrations' rows gone."""
    import importlib

    from django.apps import apps

    from jiayuan.civic.models import SuggestionStatus

    if not SuggestionStatus.objects.filter(community=None).exists():
        module = importlib.import_module(
            "jiayuan.civic.migrations.0002_suggestions_default_statuses")
        module.create(apps, None)
