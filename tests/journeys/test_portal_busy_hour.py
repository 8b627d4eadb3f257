"""Journey: in a busy hour the whole portal's ceiling is reached, and a resident
on a phone still sends a request: the form carries a proof-of-work challenge,
the browser answers it (static/js/portal-pow.js) before sending, and the
request is made. Without that answer the same form is refused ("try again
later"), which is what a browser without JavaScript gets."""

from __future__ import annotations

from urllib.parse import parse_qs

from jiayuan.desk import services
from jiayuan.desk.models import Case, PortalProof
from jiayuan.places.models import Community
from tests.journeys.conftest import PHONE, assert_audit_intact, new_context, shot


def test_over_the_cap_the_portal_form_still_submits(live_server, browser, school_item,
                                                    community, settings):
    settings.PORTAL_MAX_PER_SOURCE_HOUR, settings.PORTAL_MAX_PER_HOUR = 5, 2
    # The real difficulty: the browser does the real work.
    assert settings.PORTAL_POW_BITS >= 16
    for n in range(2):  # the hour's ceiling, reached by others
        services.portal_create(item=school_item, summary="别人的请求", details="",
                               caller_name="别人", caller_phone="13800000000",
                               community=Community.objects.get(), source=f"other-{n}",
                               contact_consent=True)
    page = new_context(browser, viewport=PHONE).new_page()
    posted: list[dict[str, list[str]]] = []
    page.on("request", lambda r: posted.append(parse_qs(r.post_data or ""))
            if r.method == "POST" and r.url.endswith("/portal/request/") else None)

    page.goto(f"{live_server.url}/portal/request/")
    assert page.locator("input[name=pow]").count() == 1
    page.select_option("#id_service", school_item.code)
    page.fill("#id_summary", "孩子九月要上小学")
    page.fill("#id_name", "郑先生")
    page.fill("#id_phone", "138 1234 5678")
    page.check("#id_consent")
    page.wait_for_timeout(3200)  # a person takes a few seconds (the timing stamp)
    shot(page, "portal-busy-1-form")
    page.click("button:has-text('提交诉求')")
    page.wait_for_url("**/portal/request/thanks/")
    shot(page, "portal-busy-2-thanks")

    assert Case.objects.filter(caller_name="郑先生").count() == 1
    assert len(posted) == 1 and posted[0]["pow_nonce"][0], posted
    assert PortalProof.objects.count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # The same form in a browser without JavaScript: refused, "try again later".
    page = browser.new_context(viewport=PHONE, locale="zh-CN",
                               java_script_enabled=False).new_page()
    page.goto(f"{live_server.url}/portal/request/")
    page.select_option("#id_service", school_item.code)
    page.fill("#id_summary", "再来一个")
    page.fill("#id_name", "郑先生")
    page.fill("#id_phone", "138 1234 5678")
    page.check("#id_consent")
    page.wait_for_timeout(3200)
    with page.expect_response(lambda r: r.url.endswith("/portal/request/")
                              and r.request.method == "POST") as answer:
        page.click("button:has-text('提交诉求')")
    assert answer.value.status == 429
    assert "请稍后再试" in page.locator(".msg-error").inner_text()
    assert Case.objects.filter(caller_name="郑先生").count() == 1
    assert_audit_intact()
