"""The error pages and the walk-in receipt on a 360 px phone, in Chromium:
nothing wider than the screen (Django's bare 403 was 980 px wide)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.journeys.conftest import PHONE, browser, login, new_context, shot  # noqa: F401

pytestmark = pytest.mark.browser


def width(page: Any) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_403_and_404_fit_a_phone(live_server: Any, personas: dict, browser: Any,  # noqa: F811
                                 household: Any) -> None:
    page = login(browser, live_server, "gridworker", viewport=PHONE)
    response = page.goto(f"{live_server.url}/audit/")
    assert response.status == 403
    assert "无权访问" in page.inner_text("h1")
    assert width(page) <= 360
    shot(page, "error-403-360")

    response = page.goto(f"{live_server.url}/households/{household.pk + 1000}/")
    assert response.status == 404
    assert "页面不存在" in page.inner_text("h1")
    assert width(page) <= 360
    shot(page, "error-404-360")

    logged_out = new_context(browser, viewport=PHONE, locale="en").new_page()
    response = logged_out.goto(f"{live_server.url}/portal/no-such-thing/")
    assert response.status == 404
    assert "Page not found" in logged_out.inner_text("h1")
    assert width(logged_out) <= 360


def test_the_favicon_loads(live_server: Any, db: Any, browser: Any) -> None:  # noqa: F811
    page = new_context(browser).new_page()
    response = page.goto(f"{live_server.url}/favicon.ico")
    assert response.status == 200
    assert "svg" in response.headers["content-type"]


def test_the_receipt_fits_a_phone_and_prints_as_a_slip(live_server: Any, personas: dict,
                                                        browser: Any, case: Any) -> None:  # noqa: F811
    page = login(browser, live_server, "caseworker", viewport=PHONE)
    page.goto(f"{live_server.url}/desk/cases/{case.pk}/")
    page.click("a.button:has-text('回执')")
    page.wait_for_url(f"{live_server.url}/desk/cases/{case.pk}/receipt/")
    assert case.ref in page.inner_text("article.receipt")
    assert width(page) <= 360
    qr = page.locator("article.receipt svg.qr").bounding_box()
    assert qr and qr["width"] > 100  # 38 mm at 96 dpi: large enough to scan
    shot(page, "receipt-360")
    page.emulate_media(media="print")
    assert page.locator("header.top").is_hidden()
    assert page.locator(".receipt-actions").is_hidden()
    slip = page.locator("article.receipt").bounding_box()
    assert slip and slip["width"] <= 72 / 25.4 * 96 + 1  # 72 mm
    shot(page, "receipt-print")
