"""Journey: a station head, on a phone, erases a resident's data at her request:
from her page to the confirmation (the ground, her name typed again, a tick),
back to her page, now a tombstone; a search for her name or her phone number
finds nothing; the audit chain still verifies."""

from __future__ import annotations

from jiayuan.core.models import AuditAction, AuditEntry
from jiayuan.registry.models import Person
from tests.journeys.conftest import PHONE, assert_audit_intact, give_code, login, shot

NAME, NUMBER = "金英姬", "13955551234"  # the spouse in the household fixture


def search(page, live_server, text: str) -> list[str]:
    """The people the search page lists for `text` (their links)."""
    page.goto(f"{live_server.url}/search/")
    box = page.locator("main form input[name=q]")
    box.type(text, delay=15)
    box.press("Enter")
    page.wait_for_url("**/search/?k=*")
    return page.locator("main a[href*='/people/']").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")


def test_a_head_erases_a_residents_data(live_server, household, personas, browser):
    spouse = household.members.get(name=NAME)
    page = login(browser, live_server, "head", viewport=PHONE)
    her_page = f"/people/{spouse.pk}/"
    assert her_page in search(page, live_server, NAME)

    page.goto(f"{live_server.url}/people/{spouse.pk}/")
    page.click("#erase a")
    page.wait_for_url(f"**/rights/people/{spouse.pk}/erase/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "erasure-1-confirm")

    # Erasing cannot be undone: the first try asks her to confirm it is her (a
    # fresh code; logging in does not count), then brings her back to the form.
    page.select_option("#id_reason", "request")
    page.fill("#id_confirm_name", NAME)
    page.check("#id_understood")
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/account/confirm/**")
    assert Person.objects.get(pk=spouse.pk).name == NAME
    give_code(page, "head")
    page.wait_for_url(f"**/rights/people/{spouse.pk}/erase/")

    # A slip: the name mistyped. Nothing happens but a clear message.
    page.select_option("#id_reason", "request")
    page.fill("#id_confirm_name", "金英")
    page.check("#id_understood")
    with page.expect_response(lambda r: r.request.method == "POST"):
        page.click("form.form button[type=submit]")
    page.locator(".errorlist, .msg-error, .error").first.wait_for()  # the answer, painted
    assert Person.objects.get(pk=spouse.pk).name == NAME
    shot(page, "erasure-2-mistyped")

    page.fill("#id_confirm_name", NAME)
    if not page.is_checked("#id_understood"):
        page.check("#id_understood")
    with page.expect_response(lambda r: r.request.method == "POST"):
        page.click("form.form button[type=submit]")
    page.wait_for_url(f"**/people/{spouse.pk}/")
    body = page.locator("main").inner_text()
    assert NAME not in body and page.locator("#erased").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "erasure-3-tombstone")

    assert her_page not in search(page, live_server, NAME)
    assert her_page not in search(page, live_server, NUMBER)
    shot(page, "erasure-4-not-found")

    assert Person.objects.get(pk=spouse.pk).is_erased
    assert AuditEntry.objects.filter(action=AuditAction.DELETE, object_type="registry.person",
                                     object_id=str(spouse.pk)).exists()
    assert AuditEntry.objects.filter(action="redact").exists()
    assert_audit_intact()
