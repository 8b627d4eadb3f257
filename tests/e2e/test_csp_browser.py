"""The Content-Security-Policy in Chromium: a representative set of pages, as the
roles that use them and as an anonymous resident, raises no
`securitypolicyviolation` event and no console error; and the behaviours that
were inline handlers (now data- attributes read by static/js/behaviours.js)
still work: a confirm still asks, the receipt still prints, a picker's choice
is still cleared, Enter in a picker's box still does not post the form, a reply
link is still selected on focus. The headers themselves are checked exactly in
tests/core/test_security_headers.py.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any
from urllib.parse import urlparse

import pytest
from django.urls import reverse
from django.utils import timezone

from jiayuan.civic.projects import services_progress
from jiayuan.desk import services as desk_services
from jiayuan.desk.models import Case
from jiayuan.desk.pdf import reply_url
from jiayuan.engage.cards import services as card_services
from jiayuan.engage.cards.models import CardLink
from jiayuan.registry import services as registry_services
from tests.civic.projects_factory import make_project, milestone
from tests.journeys.conftest import (  # noqa: F401
    PASSWORD,
    PHONE,
    browser,
    ensure_authenticator,
    give_code,
    new_context,
    shot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Collects what the browser refused, from the first byte of every page.
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI + " " + e.sourceFile + ":" + e.lineNumber);
});
"""


class Watched:
    """A page whose CSP violations and console errors are kept."""

    def __init__(self, chromium: Any, *, viewport: dict[str, int] | None = None) -> None:
        context = new_context(chromium, viewport=viewport)
        context.add_init_script(WATCH)
        self.page = context.new_page()
        self.errors: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))

    def _console(self, message: Any) -> None:
        text = message.text
        # A refused policy or feature is reported as an error, a policy the
        # browser does not understand as a warning: both count.
        if message.type == "error" or "Policy" in text or "policy" in text:
            self.errors.append(f"console {message.type}: {text}")

    def visit(self, url: str, *, status: int = 200) -> None:
        response = self.page.goto(url)
        assert response is not None and response.status == status, (url, response)
        self.page.wait_for_load_state("load")
        self.assert_clean(url)

    def assert_clean(self, where: str) -> None:
        violations = self.page.evaluate("window.__csp")
        assert violations == [], (where, violations)
        assert self.errors == [], (where, self.errors)

    def login(self, live_server: Any, username: str) -> None:
        ensure_authenticator(username)
        self.visit(f"{live_server.url}/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state("load")
        if "/account/two-factor/code/" in self.page.url:
            self.assert_clean("the code page")  # the second factor's page, under the CSP
            give_code(self.page, username)
        self.page.wait_for_url(f"{live_server.url}/")
        self.assert_clean("after login")


@pytest.fixture
def referral(case: Case, personas: dict, household: Any, education: Any) -> Any:
    registry_services.consent_record(actor=personas["head"], person=household.head,
                                     purpose="referral", recorded_on=date(2026, 1, 5),
                                     department=education)
    case.refresh_from_db()
    return desk_services.referral_create(actor=personas["caseworker"], case=case,
                                         department=education, message="请安排孩子入学",
                                         version=case.version)


@pytest.fixture
def project(personas: dict, community: Any) -> Any:
    year = timezone.localdate().year
    p = make_project(personas["head"], community, starts_on=date(year, 1, 1),
                     ends_on=date(year, 6, 30))
    milestone(p, date(year, 3, 1), done_on=date(year, 3, 1))
    milestone(p, date(year, 5, 1))
    services_progress.update_add(actor=personas["head"], project=p, text="现场", progress=40,
                                 photo=None)
    p.refresh_from_db()
    return p


def test_staff_pages_raise_no_violation(live_server: Any, personas: dict, browser: Any,  # noqa: F811
                                        household: Any, referral: Any, project: Any) -> None:
    url = live_server.url
    head = Watched(browser)
    head.login(live_server, "head")
    for path in ("/", reverse("household_list"),
                 reverse("household_detail", args=[household.pk]),
                 reverse("person_detail", args=[household.head_id]),
                 reverse("desk"), reverse("case_detail", args=[referral.case_id]),
                 reverse("case_receipt", args=[referral.case_id]),
                 reverse("report"), reverse("wall_chart_screen"), reverse("project_list"),
                 reverse("project_detail", args=[project.pk]), reverse("card_list")):
        head.visit(url + path)

    # The wall chart's bar is SVG geometry now: half the year is half the track.
    head.visit(url + reverse("wall_chart"))
    track = head.page.locator(".wall-track").first.bounding_box()
    bar = head.page.locator(".wall-track rect.bar").first.bounding_box()
    assert track and bar and 0.45 < bar["width"] / track["width"] < 0.55
    assert abs(bar["x"] - track["x"]) < 2
    done = head.page.locator(".wall-track rect.done").first.bounding_box()
    assert done and abs(done["width"] - 0.4 * bar["width"]) < 2  # 40 % done
    shot(head.page, "csp-wall-chart")
    # Missing pages use the error template's own inline style (allowed by its hash).
    head.page.goto(f"{url}/households/{household.pk + 1000}/")
    assert head.page.evaluate("window.__csp") == []
    assert head.page.evaluate(
        "getComputedStyle(document.querySelector('.top')).backgroundColor") == "rgb(180, 41, 47)"

    worker = Watched(browser, viewport=PHONE)
    worker.login(live_server, "gridworker")
    worker.visit(url + reverse("visit_new"))
    worker.visit(url + reverse("household_detail", args=[household.pk]))


def test_the_admin_raises_no_violation(live_server: Any, personas: dict,
                                       browser: Any) -> None:  # noqa: F811
    admin = personas["admin"]
    admin.is_staff = True
    admin.save(update_fields=["is_staff"])
    page = Watched(browser)
    page.login(live_server, "admin")
    for path in (reverse("admin:index"), reverse("admin:core_user_changelist"),
                 reverse("admin:core_user_add"),
                 reverse("admin:core_user_change", args=[admin.pk])):
        page.visit(live_server.url + path)
    # The admin's own scripts run: the change list's "select all" ticks each row.
    page.visit(live_server.url + reverse("admin:core_user_changelist"))
    page.page.check("#action-toggle")
    assert page.page.locator("input.action-select").first.is_checked()
    page.assert_clean("admin action toggle")


def test_portal_and_reply_pages_raise_no_violation(live_server: Any, community: Any,
                                                   school_item: Any, referral: Any,
                                                   browser: Any) -> None:  # noqa: F811
    url = live_server.url
    resident = Watched(browser, viewport=PHONE)
    resident.visit(url + reverse("portal"))
    resident.visit(url + reverse("portal_request"))
    resident.page.select_option("#id_service", school_item.code)
    resident.page.fill("#id_summary", "孩子需要入学")
    resident.page.fill("#id_name", "韩美玲")
    resident.page.fill("#id_phone", "139123")  # too short: the form comes back
    resident.page.check("#id_consent")
    time.sleep(3.2)  # the form refuses a submission faster than a person types
    with resident.page.expect_navigation():
        resident.page.click("form button.primary[type=submit]")
    assert resident.page.locator("#id_phone_error").is_visible()
    resident.assert_clean("request form with an error")
    resident.page.fill("#id_phone", "13912345678")
    resident.page.check("#id_consent")
    time.sleep(3.2)  # the form shown again carries a new time stamp
    with resident.page.expect_navigation():
        resident.page.click("form button.primary[type=submit]")
    resident.assert_clean("thanks page")
    case = Case.objects.get(channel="portal")
    resident.visit(url + reverse("portal_status", args=[case.ref, case.public_token]))
    resident.visit(url + reverse("portal_status_lookup"))

    department = Watched(browser, viewport=PHONE)
    department.visit(url + urlparse(reply_url(referral)).path)


def test_the_behaviours_work_without_inline_handlers(live_server: Any, personas: dict,
                                                     household: Any, referral: Any,
                                                     browser: Any) -> None:  # noqa: F811
    url = live_server.url
    head = Watched(browser)
    head.login(live_server, "head")
    page = head.page

    # data-confirm: "cancel" keeps the card link, "OK" revokes it.
    link = card_services.card_link_create(actor=personas["head"], user=None, role="社区服务站",
                                          office_hours="9:00-17:00", hotline="0512-5555 0123")
    head.visit(url + reverse("card_list"))
    revoke = page.locator(f"form[action='{reverse('card_link_revoke', args=[link.pk])}'] button")
    asked: list[str] = []
    page.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    revoke.click()
    page.wait_for_timeout(300)
    assert asked == [revoke.get_attribute("data-confirm")] and asked[0]
    assert CardLink.objects.get(pk=link.pk).revoked_at is None
    page.once("dialog", lambda d: d.accept())
    with page.expect_navigation():
        revoke.click()
    assert CardLink.objects.get(pk=link.pk).revoked_at is not None

    # data-print: the receipt's button prints.
    head.visit(url + reverse("case_receipt", args=[referral.case_id]))
    page.evaluate("() => { window.__printed = 0; window.print = () => { window.__printed += 1; }; }")
    page.click("[data-print]")
    assert page.evaluate("window.__printed") == 1

    # data-select-on-focus: the reply link is selected whole when focused.
    head.visit(url + reverse("case_detail", args=[referral.case_id]))
    box = page.locator("input[data-select-on-focus]")
    box.focus()
    length = len(box.input_value())
    assert length > 20
    assert page.evaluate("[document.activeElement.selectionStart, "
                         "document.activeElement.selectionEnd]") == [0, length]

    # data-no-enter and data-clear: the desk's requester picker.
    head.visit(url + reverse("case_new"))
    before = Case.objects.count()
    page.fill("#requester-q", "鄭")
    page.locator("#requester-picks button", has_text="鄭容哲").first.click()
    page.locator("#requester .chosen").wait_for()
    assert page.locator("#requester input[name=person]").input_value() == str(household.head_id)
    page.press("#requester-q", "Enter")
    page.wait_for_timeout(300)
    assert page.url == url + reverse("case_new") and Case.objects.count() == before
    page.click("#requester [data-clear=requester]")
    assert page.locator("#requester .chosen").count() == 0
    assert page.locator("#requester input[name=person]").input_value() == ""
    head.assert_clean("behaviours")
