"""Journey: a caseworker on a phone finds a resident by phone number, opens the
file, presses Back and sees the results again, and the number never appears in
an address the browser asked for (nor in its history: page.url at every step).
The search box posts what was typed; the results page is /search/?k=<key>."""

from __future__ import annotations

from jiayuan.core.models import AuditAction, AuditEntry
from tests.journeys.conftest import PHONE, assert_audit_intact, login, shot

NUMBER = "13955551234"  # 金英姬's, the spouse in the household fixture


def test_a_caseworker_finds_a_resident_by_phone_and_comes_back(live_server, household,
                                                               personas, browser):
    page = login(browser, live_server, "caseworker", viewport=PHONE)
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    seen: list[str] = [page.url]

    # The search page's box, typed and sent with Enter, as a person would.
    page.goto(f"{live_server.url}/search/")
    seen.append(page.url)
    box = page.locator("main form input[name=q]")
    box.type(NUMBER, delay=15)
    box.press("Enter")
    page.wait_for_url("**/search/?k=*")
    seen.append(page.url)
    results = page.locator("#results")
    assert "金英姬" in results.inner_text()
    results_url = page.url
    shot(page, "search-phone-1-results")

    # Open her file, then Back: the same results, from the same address.
    page.click("#results a:has-text('金英姬')")
    page.wait_for_url("**/people/*/")
    seen.append(page.url)
    page.go_back()
    page.wait_for_url(results_url)
    seen.append(page.url)
    assert "金英姬" in page.locator("#results").inner_text()
    assert page.locator("main form input[name=q]").input_value() == NUMBER
    shot(page, "search-phone-2-back")

    # The header's box as-you-type (htmx posts it) finds her too.
    header = page.locator("header .searchbox input[name=q]")
    header.fill("")
    with page.expect_response(lambda r: r.url.endswith("/search/")
                              and r.request.method == "POST"):
        header.type(NUMBER, delay=15)
    page.wait_for_timeout(300)  # the last keystroke's answer has landed
    assert "金英姬" in page.locator("#quick-results").inner_text()
    seen.append(page.url)

    # Nowhere: not the whole number, not its last digits.
    assert asked and any("/search/?k=" in url for url in asked)
    for url in asked + seen:
        assert NUMBER not in url and NUMBER[-4:] not in url, url
    # The page can be scrolled sideways by nothing at 360 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # The caseworker's sign-in is in the log, and the chain holds.
    assert AuditEntry.objects.filter(actor_id=personas["caseworker"].pk,
                                     action=AuditAction.LOGIN).exists()
    assert_audit_intact()
