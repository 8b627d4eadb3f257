"""Journey: a portal request in each UI language -> triage -> the status page.

A resident sends a request from a fresh, logged-out phone browser in their
language (chosen as a resident would: the phone's language, or the language
links at the top of the page). A caseworker whose desk speaks another language
finds it in the portal queue, links it to the registered resident offered by
phone number and acknowledges it, by clicks. The resident looks the request up
with the reference and code shown on submission and reads its status and
progress in their own language; the caseworker's timeline shows the same
received line in the caseworker's language. Timeline lines are stored as codes
and rendered for each reader, so neither sees the other's language.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from jiayuan.core.models import AuditEntry
from jiayuan.desk.models import Case
from tests.journeys.conftest import PHONE, assert_audit_intact, login, new_context, shot

# (resident's language, phone's locale, switch language on the page to,
#  caseworker's browser locale, caseworker's language)
CASES = [
    ("zh-hans", "zh-CN", None, "en-US", "en"),
    ("zh-hant", "zh-TW", None, "zh-CN", "zh-hans"),
    ("en", "zh-CN", "English", "zh-CN", "zh-hans"),
]


def _in(lang: str, msgid: str) -> str:
    with translation.override(lang):
        return translation.gettext(msgid)


def _received_line(lang: str, item: Any) -> str:
    with translation.override(lang):
        return translation.gettext("Request received: %(item)s") % {"item": item.name}


@pytest.mark.parametrize(("lang", "locale", "switch_to", "worker_locale", "worker_lang"),
                         CASES, ids=[c[0] for c in CASES])
def test_portal_request_in_each_language(live_server, browser, household, personas,
                                         school_item, lang, locale, switch_to,
                                         worker_locale, worker_lang):
    # --- the resident, on a phone, logged out -------------------------------
    resident = new_context(browser, viewport=PHONE, locale=locale).new_page()
    resident.goto(f"{live_server.url}/portal/")
    if switch_to:
        resident.click(f"form.lang button:has-text('{switch_to}')")
        resident.wait_for_load_state()
    assert resident.locator("html").get_attribute("lang") == lang
    resident.goto(f"{live_server.url}/portal/request/")
    resident.select_option("#id_service", school_item.code)
    resident.fill("#id_summary", "孩子九月要上小学" if lang != "en" else "My son starts school")
    resident.fill("#id_name", "郑先生")
    resident.fill("#id_phone", "138 1234 5678")
    resident.check("#id_consent")
    # A person takes more than a few seconds to fill the form (the portal
    # refuses a submission faster than that as a script's).
    resident.wait_for_timeout(3200)
    shot(resident, f"portal-{lang}-1-request")
    resident.click(f"button:has-text('{_in(lang, 'Send my request')}')")
    resident.wait_for_url("**/portal/request/thanks/")
    shot(resident, f"portal-{lang}-2-thanks")
    codes = resident.locator("code.big").all_inner_texts()
    ref, code = codes[0].strip(), codes[1].strip()
    case = Case.objects.get(ref=ref)
    assert case.channel == "portal" and case.person_id is None

    # --- the caseworker, in another language --------------------------------
    desk = login(browser, live_server, "caseworker", locale=worker_locale)
    assert desk.locator("html").get_attribute("lang") == worker_lang
    desk.goto(f"{live_server.url}/desk/queue/portal/")
    desk.click(f"a:has-text('{ref}')")
    desk.wait_for_url(f"**/desk/cases/{case.pk}/")
    desk.click(f"#phone-matches button:has-text('{_in(worker_lang, 'Link')}')")
    desk.wait_for_url(f"**/desk/cases/{case.pk}/")
    desk.click(f"#actions button:has-text('{_in(worker_lang, 'Acknowledge')}')")
    desk.wait_for_url(f"**/desk/cases/{case.pk}/")
    case.refresh_from_db()
    assert case.person_id == household.head_id and case.status == "acknowledged"
    timeline = desk.locator("ol.timeline, ul.timeline, .timeline").first.inner_text()
    # The received line in the caseworker's language, by the portal named in it too.
    assert _received_line(worker_lang, school_item) in timeline
    assert _in(worker_lang, "Resident portal") in timeline
    assert _received_line(lang, school_item) not in timeline
    shot(desk, f"portal-{lang}-3-desk-{worker_lang}")

    # --- the resident looks it up with the reference and code ---------------
    resident.goto(f"{live_server.url}/portal/status/")
    resident.fill("input[name=ref]", ref)
    resident.fill("input[name=code]", code)
    resident.click(f"button:has-text('{_in(lang, 'Check my request')}')")
    resident.wait_for_url(f"**/portal/status/{ref}/**")
    body = resident.locator("main, body").first.inner_text()
    shot(resident, f"portal-{lang}-4-status")
    assert _in(lang, "Seen by the station") in body          # the status
    assert _in(lang, "Request received") in body             # the received line
    assert _in(lang, "Status") in body                       # the acknowledgement line
    if lang == "zh-hant":
        assert "收到訴求" in body and "服務站已受理" in body
    elif lang == "zh-hans":
        assert "收到诉求" in body and "服务站已受理" in body
    else:
        assert "Request received" in body and "Seen by the station" in body
    assert _in(worker_lang, "Seen by the station") not in body

    # The language switch works on the private status page too (its referrer
    # policy must not make the browser post Origin: null, which CSRF refuses).
    other = "en" if lang != "en" else "zh-hans"
    with resident.expect_navigation() as nav:
        resident.click(f"form.lang button[value='{other}']")
    assert nav.value.status == 200, nav.value.status
    resident.wait_for_url(f"**/portal/status/{ref}/**")
    assert resident.locator("html").get_attribute("lang") == other

    # --- the log holds every step and still verifies -------------------------
    assert_audit_intact()
    steps = list(AuditEntry.objects.filter(object_type="desk.case", object_id=str(case.pk))
                 .order_by("seq"))
    assert steps[0].action == "create" and steps[0].actor_username == "portal"
    assert steps[0].ip is None
    assert any("person_id" in e.changes and e.actor_username == "caseworker" for e in steps)
    assert any(e.changes.get("action") == "acknowledge" for e in steps)
    # The log page, read by the auditor in the caseworker's language, names the
    # portal in that language and shows the caseworker's two steps.
    auditor = login(browser, live_server, "auditor", locale=worker_locale)
    auditor.goto(f"{live_server.url}/audit/")
    auditor.fill("#id_object_type", "desk.case")
    auditor.fill("#id_object_id", str(case.pk))
    # The filter is a GET form: wait for the filtered page before reading rows
    # (reading at once raced the navigation and saw the empty page under load).
    with auditor.expect_navigation(url=f"**/audit/?*object_id={case.pk}*"):
        auditor.click(f"button:has-text('{_in(worker_lang, 'Filter')}')")
    rows = auditor.locator("table.list tbody tr").all_inner_texts()
    assert len(rows) == len(steps) == 3
    assert _in(worker_lang, "Resident portal") in rows[-1]
    assert all("caseworker" in row for row in rows[:2])
