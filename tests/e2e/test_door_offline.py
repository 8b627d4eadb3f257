"""The door on a 360 px phone whose connection drops (static/js/offline-queue.js):
taps made offline wait on the phone, the page says how many, and when the
connection returns each is recorded exactly once, with the time it was tapped
rather than the time it was sent. Once for a meeting's roll-call, once for an
activity's check-in: the two pages share the queue.

The phone's clock is fixed at each tap (Playwright's clock), a few minutes in
the past of the live server's, so "the time of the tap" is a value the test
knows to the millisecond and that differs from the moment of sending.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from jiayuan.core.models import AuditAction, AuditEntry
from jiayuan.engage.activities.models import SignUp
from tests.civic.world_meetings import *  # noqa: F403 (the fixtures)
from tests.e2e.test_browser import ARTIFACTS, phone_logged_in
from tests.engage.test_activities_services import make_session, portal
from tests.polling import wait_for

pytestmark = pytest.mark.browser


def _minutes_ago(minutes: int) -> datetime:
    """A moment on the server's clock, to the millisecond (what a phone sends)."""
    at = timezone.now() - timedelta(minutes=minutes)
    return at.replace(microsecond=at.microsecond // 1000 * 1000)




def _posts_answered(page: Any, path: str) -> list[int]:
    """The status of every POST to `path` the server answered, as they come."""
    answered: list[int] = []
    page.on("response", lambda r: answered.append(r.status)
            if r.request.method == "POST" and r.url.endswith(path) else None)
    return answered


def _tap_offline(page: Any, status: str, taps: list[tuple[datetime, str]]) -> None:
    """Each tap at its own moment on the phone's clock, with no connection."""
    for n, (at, button) in enumerate(taps, start=1):
        page.clock.set_fixed_time(at)
        page.locator(button).click()
        page.locator(f"{button}[aria-pressed=true]").wait_for()
        offline = page.locator(f"{status} [data-msg=offline]")
        offline.wait_for(state="visible")
        assert offline.locator("[data-count]").inner_text() == str(n)
    assert page.locator(f"{status} [data-retry]").is_visible()


def test_a_roll_call_taken_offline_is_recorded_once_with_the_times_of_the_taps(
        live_server: Any, meeting: Any, invited: Any, browser: Any) -> None:
    zheng, kim = invited[0], invited[1]
    page = phone_logged_in(browser, live_server, "gridworker")
    path = reverse("meeting_rollcall", args=[meeting.pk])
    page.goto(f"{live_server.url}{path}")
    answered = _posts_answered(page, path)
    quorum_before = page.locator("#quorum").inner_text()

    page.context.set_offline(True)
    first, second = _minutes_ago(20), _minutes_ago(10)
    _tap_offline(page, "#roll-status", [
        (first, f"#p-{zheng.pk} button.mark-present"),
        (second, f"#p-{kim.pk} button.mark-absent")])
    zheng.refresh_from_db()
    kim.refresh_from_db()
    assert (zheng.marked_at, kim.marked_at) == (None, None)  # nothing reached the server
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('jy-roll:'))"
                         ".map(k => JSON.parse(localStorage[k]).length)") == [2]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "rollcall-offline-360.png"), full_page=True)

    page.context.set_offline(False)  # the `online` event sends the queue
    page.locator("#roll-status").wait_for(state="hidden")
    wait_for(lambda: meeting.participants.filter(marked_at__isnull=False).count() == 2, page)
    zheng.refresh_from_db()
    kim.refresh_from_db()
    assert (zheng.attendance, zheng.marked_at) == ("present", first)
    assert (kim.attendance, kim.marked_at) == ("absent", second)
    marks = [e.changes["attendance"]["participant"] for e in AuditEntry.objects.filter(
        object_type="civic.meeting", object_id=str(meeting.pk), action=AuditAction.UPDATE)
        if "attendance" in (e.changes or {})]
    assert sorted(marks) == sorted([zheng.pk, kim.pk])  # each tap recorded once
    assert answered == [200, 200]  # and sent once
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('jy-roll:'))"
                         ".length") == 0
    # the quorum line came back from the server with the answers: one present now
    quorum = page.locator("#quorum").inner_text()
    assert quorum != quorum_before and "1" in quorum and "1" not in quorum_before

    # a guest at the door: the form empties, and the list asks to be reloaded
    page.fill("#id_name", "李律师")
    page.click("#walk-in button.primary")
    page.locator("#roll-status [data-msg=reload]").wait_for(state="visible")
    assert page.input_value("#id_name") == ""
    guest = meeting.participants.get(name="李律师")
    assert guest.attendance == "present" and answered == [200, 200, 200]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_check_ins_taken_offline_are_recorded_once_with_the_times_of_the_taps(
        live_server: Any, personas: Any, grid_a: Any, browser: Any) -> None:
    session = make_session(personas["head"], grid_a, timezone.now(), capacity=3,
                           starts_at=timezone.now() - timedelta(hours=1))
    a, b = portal(session, "朴美兰", "李春花")
    (c,) = portal(session, "崔明洙", phone="13755556666")
    page = phone_logged_in(browser, live_server, "gridworker")
    page.goto(f"{live_server.url}{reverse('checkin', args=[session.checkin_token])}")
    answered = _posts_answered(page, reverse("session_mark", args=[session.pk]))

    page.context.set_offline(True)
    first, second = _minutes_ago(20), _minutes_ago(10)
    _tap_offline(page, "#checkin-status", [
        (first, f"#su-{a.pk} button.act-tap"), (second, f"#su-{b.pk} button.act-tap")])
    assert not SignUp.objects.filter(session=session, attended_at__isnull=False).exists()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "checkin-offline-360.png"), full_page=True)

    page.context.set_offline(False)
    page.locator("#checkin-status").wait_for(state="hidden")
    wait_for(lambda: SignUp.objects.filter(session=session, attended_at__isnull=False)
              .count() == 2, page)  # a and b, not c
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.attended_at, b.attended_at) == (first, second)
    for s in (a, b):  # each tap recorded once
        assert AuditEntry.objects.filter(object_type="engage.signup", object_id=str(s.pk),
                                         action=AuditAction.UPDATE).count() == 1
    assert answered == [200, 200]  # and sent once
    assert page.locator("#checkin-count").inner_text() == "2"

    # a code typed at the door, online: the row it names is ticked, the box emptied
    page.fill("#checkin-code", c.token)
    page.click("form.act-code button.primary")
    page.locator(f"#su-{c.pk}.act-came button.act-tap[aria-pressed=true]").wait_for()
    assert page.input_value("#checkin-code") == ""
    assert page.locator("#checkin-count").inner_text() == "3"
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('jy-checkin:'))"
                         ".length") == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
