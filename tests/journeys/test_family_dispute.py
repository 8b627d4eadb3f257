"""Journey: a family dispute mediated to an agreement, closed, its follow-up
check listed with its date, and the must-visit duty it raised (六必访) closed by
a visit a grid worker logs on a 360 px phone.

Set-up (the household of 郑容哲 and 金英姬 in grid A, the personas) is made
directly; every step a person takes is a click or a keystroke in Chromium. The
duty is raised by `manage.py tick`, run here as the scheduler runs it.
"""

from __future__ import annotations

import subprocess
from datetime import datetime, time, timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from jiayuan.care.choices import DisputeStatus, DutyRule, DutyStatus
from jiayuan.care.models import Dispute, Duty
from jiayuan.core.models import AuditEntry
from tests.conftest import ZHENG_ID
from tests.journeys.conftest import ARTIFACTS, PHONE, assert_audit_intact, login, shot

pytestmark = pytest.mark.django_db(transaction=True)


def _pick_party(page: Any, role: str, typed: str, name: str) -> None:
    """Find a resident with the party picker and add them in `role`."""
    section = page.locator("#parties")
    details = section.locator("details")
    if details.get_attribute("open") is None:
        section.locator("summary", has_text="添加当事人").click()
    section.locator("select[name=role]").select_option(role)
    page.locator("#party-q").press_sequentially(typed, delay=30)
    page.locator("#party-picks button", has_text=name).first.click()
    page.locator("#party-chosen input[name=person]").wait_for(state="attached")
    section.get_by_role("button", name="添加此当事人").click()
    page.wait_for_load_state()
    section.locator("li", has_text=name).first.wait_for()


def test_it_mediates_a_family_dispute_to_a_kept_agreement_and_a_visit(
        live_server: Any, browser: Any, personas: dict, household: Any) -> None:
    # A fixed clock (the time machine moves the live server's clock too): ten in
    # the morning, some days after the real today so Chromium keeps the session
    # cookie, and the journey never straddles midnight.
    today = timezone.localdate() + timedelta(days=3)
    with time_machine.travel(timezone.make_aware(datetime.combine(today, time(10, 0))),
                             tick=True):
        # 1. The mediator records the dispute.
        page = login(browser, live_server, "mediator")
        page.click("nav.main-nav >> text=纠纷调解")
        page.click("a:has-text('受理纠纷')")
        page.select_option("#id_kind", "family")
        page.fill("#id_summary", "郑容哲与金英姬为照看孙子的分工争执")
        page.fill("#id_details", "两人都上班，接送孙子上学的事情谈不拢。")
        page.select_option("#id_grid", label="G1 第一网格")
        page.click("button:has-text('受理纠纷')")
        page.wait_for_url("**/care/disputes/*/")
        dispute = Dispute.objects.get()
        assert dispute.status == DisputeStatus.OPEN

        # Two parties, residents of one household, found with the picker.
        _pick_party(page, "applicant", "金英", "金英姬")
        _pick_party(page, "respondent", "zrz", "鄭容哲")
        assert dispute.parties.count() == 2
        assert set(dispute.parties.values_list("household_id", flat=True)) == {household.pk}
        shot(page, "dispute-01-parties")

        # The scheduler's run raises the must-visit duty of the open dispute.
        out = StringIO()
        call_command("tick", stdout=out)
        duty = Duty.objects.get(household=household, rule=DutyRule.DISPUTE)
        assert duty.status == DutyStatus.OPEN and duty.detail == {"refs": [dispute.ref]}

        # 2. A session.
        page.click("#sessions summary")
        page.fill("#sessions textarea[name=notes]", "双方各自说明了困难，同意轮流接送。")
        page.fill("#sessions input[name=attendees]", "郑容哲、金英姬、调解员")
        page.fill("#sessions input[name=place]", "服务站调解室")
        page.click("#sessions button:has-text('登记')")
        page.locator("#sessions .ev").first.wait_for()
        dispute.refresh_from_db()
        assert dispute.status == DisputeStatus.MEDIATING

        # 3. The agreement, and its PDF for signatures.
        page.click("#agreement summary")
        page.fill("#agreement textarea[name=agreement_text]",
                  "一、单周由郑容哲接送孙子，双周由金英姬接送。\n二、双方不再为此争吵。")
        page.fill("#agreement input[name=agreement_on]", today.isoformat())
        page.click("#agreement button:has-text('保存调解协议')")
        page.locator("#agreement p", has_text="单周由郑容哲接送").wait_for()
        shot(page, "dispute-02-agreement")
        # Chromium shows the PDF in its viewer: keep a copy of what the server sent
        # on the way (the request itself is the browser's, with its cookies).
        received: list[Any] = []

        def keep(route: Any) -> None:
            response = route.fetch()
            received.append(response)
            route.fulfill(response=response, body=response.body())

        page.route("**/agreement.pdf", keep)
        page.click("#agreement a:has-text('PDF')")
        page.wait_for_url("**/agreement.pdf")
        page.unroute("**/agreement.pdf")
        [response] = received
        assert response.status == 200
        assert response.headers["content-type"] == "application/pdf"
        pdf_path = ARTIFACTS / f"agreement-{dispute.ref}.pdf"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        pdf_path.write_bytes(response.body())
        page.go_back()
        text = subprocess.run(["pdftotext", "-layout", str(pdf_path), "-"], check=True,
                              capture_output=True, text=True).stdout
        assert "人民调解协议书" in text or "调解协议" in text
        assert "金英姬" in text and "鄭容哲" in text
        assert "单周由郑容哲接送孙子" in text and "双方不再为此争吵" in text
        assert dispute.ref in text
        assert ZHENG_ID not in text and ZHENG_ID[-6:] not in text
        assert "13812345678" not in text

        # 4. Closed as resolved; its follow-up check is due in the station's 30 days.
        page.click("#outcome summary")
        page.select_option("#outcome select[name=outcome]", "resolved")
        page.click("#outcome button:has-text('结案')")
        page.locator("#outcome dl").wait_for()
        dispute.refresh_from_db()
        assert dispute.status == DisputeStatus.CLOSED
        due = today + timedelta(days=30)
        assert dispute.followup_due == due

        # 5. The list of follow-up checks coming up shows it with its date.
        page.click("nav.main-nav >> text=纠纷调解")
        page.click(".head-row a:has-text('协议回访')")
        row = page.locator("#followups li", has_text=dispute.ref)
        row.wait_for()
        assert due.isoformat() in row.inner_text()
        assert "郑容哲与金英姬" in row.inner_text()
        shot(page, "dispute-03-followups")

        # 6. The grid worker, on a phone, sees the duty and logs the visit that closes it.
        phone = login(browser, live_server, "gridworker", viewport=PHONE)
        phone.click("nav.main-nav >> text=必访任务")
        card = phone.locator("li", has_text="3-2-302").first
        card.wait_for()
        shot(phone, "dispute-04-duty-phone")
        card.locator("a:has-text('登记走访')").click()
        phone.locator("#visit-households .visit-household", has_text="3-2-302").wait_for()
        phone.select_option("#id_purpose", "duty")
        phone.fill("#id_found", "两人按协议轮流接送，家里气氛好了。")
        shot(phone, "dispute-05-visit-form-phone")
        phone.click("button:has-text('保存走访记录')")
        phone.wait_for_url("**/care/visits/*/")
        shot(phone, "dispute-06-visit-phone")
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        duty.refresh_from_db()
        assert duty.status == DutyStatus.DONE and duty.visit is not None

        # The grid worker finds the coming follow-up check from the home page, on the phone.
        phone.click("header a.brand")
        phone.click("main a:has-text('协议回访')")
        phone.locator("#followups li", has_text=dispute.ref).wait_for()
        assert due.isoformat() in phone.locator("#followups").inner_text()
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        shot(phone, "dispute-07-followups-phone")
        phone.click(f"#followups a:has-text('{dispute.ref}')")
        phone.locator("#outcome", has_text=due.isoformat()).wait_for()
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        shot(phone, "dispute-08-dispute-phone")

        # The next run of the scheduler leaves it done (the dispute is closed now).
        call_command("tick", stdout=StringIO())
        duty.refresh_from_db()
        assert duty.status == DutyStatus.DONE

    assert_audit_intact()
    entries = AuditEntry.objects.filter(object_type="care.dispute", object_id=str(dispute.pk))
    actions = list(entries.values_list("action", flat=True))
    assert actions.count("create") == 1 and "print" in actions
    by = set(entries.values_list("actor_username", flat=True))
    assert by == {"mediator"}
    changed = [set(c) for c in entries.filter(action="update").order_by("seq")
               .values_list("changes", flat=True)]
    # Two parties, the session, the agreement, the closing — in that order.
    assert [c & {"party_added", "session", "agreement_text", "status"} for c in changed] == [
        {"party_added"}, {"party_added"}, {"session"}, {"agreement_text"}, {"status"}]
    assert AuditEntry.objects.filter(object_type="care.visit", actor_username="gridworker",
                                     action="create").exists()
    assert AuditEntry.objects.filter(object_type="care.duty", actor_username="tick",
                                     action="create").exists()
