"""Journey: an activity from its sign-ups on the portal to a volunteer's
certificate verified by a stranger.

The coordinator publishes an activity (one session, two places) from its edit
page. Three residents, each on their own logged-out phone, sign up on the
portal: the first two get a place, the third is told they are on the waiting
list. One of the first two cancels through their own sign-up link, and the
waiting resident, reloading their page, now has a place. At the door the grid
worker opens the session's check-in page (the door QR's address) on a phone
and taps the two attendees in. The coordinator marks the two volunteers as
served: one ACTIVITY entry each on the ledger, the session's hours, and the
volunteer's page shows the year's hours. A certificate is issued from the
volunteer's page, its PDF fetched, and a logged-out browser opens the verify
page its QR code points at: valid, with the hours.

Set-up (personas, the household of 郑容哲 and 金英姬 in grid A registered as
volunteers, the activity and its session) is made directly; every step a
person takes is a click or a keystroke in Chromium.
"""

from __future__ import annotations

import io
import re
import struct
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
import segno
import time_machine
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from jiayuan.engage.activities import services as activity_services
from jiayuan.engage.activities.models import SignUp
from jiayuan.engage.choices import HoursSource, SignUpStatus, VolunteerRole
from jiayuan.engage.volunteers import services as volunteer_services
from jiayuan.engage.volunteers.models import Certificate, HoursEntry
from tests.journeys.conftest import PHONE, assert_audit_intact, login, new_context, shot
from tests.polling import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

ZH = "zh-hans"
TITLE = "社区中秋包饺子活动"
PLACE = "服务站一楼活动室"
RESIDENTS = (("朴美兰", "13811112222"), ("李春花", "13933334444"), ("崔明洙", "13755556666"))


def _in(msgid: str) -> str:
    with translation.override(ZH):
        return translation.gettext(msgid)




def _pdf_images(pdf: bytes) -> list[Any]:
    """The 1-bit images of a PDF made by fpdf2 (which stores them CCITT G4
    encoded), each wrapped in a one-strip TIFF for Pillow to decode."""
    images = []
    for m in re.finditer(rb"<<\n(/BitsPerComponent 1\n.*?/Filter /CCITTFaxDecode\n.*?)>>"
                         rb"\nstream\n", pdf, re.S):
        head = m.group(1)
        w, h, n = (int(re.search(rb"/%s (\d+)" % k, head).group(1))  # type: ignore[union-attr]
                   for k in (b"Width", b"Height", b"Length"))
        photometric = 1 if b"/BlackIs1 true" in head else 0
        tags = [(256, 4, w), (257, 4, h), (258, 3, 1), (259, 3, 4), (262, 3, photometric),
                (273, 4, 8 + 2 + 12 * 8 + 4), (278, 4, h), (279, 4, n)]
        tiff = b"II*\x00" + struct.pack("<IH", 8, len(tags))
        for tag, kind, value in tags:
            tiff += struct.pack("<HHI", tag, kind, 1) + struct.pack(
                "<HH" if kind == 3 else "<I", *((value, 0) if kind == 3 else (value,)))
        tiff += b"\x00" * 4 + pdf[m.end():m.end() + n]
        images.append(Image.open(io.BytesIO(tiff)).convert("L"))
    return images


def _is_qr_of(image: Any, text: str) -> bool:
    """Whether a bordered QR code image shows exactly the modules of `text`'s
    QR code (as segno makes it): read at each module's centre."""
    matrix = segno.make(text, error="m", micro=False).matrix
    size = image.size[0]
    border = next(x for x in range(size) if image.getpixel((x, x)) < 128)
    scale = (size - 2 * border) / len(matrix)
    return all((image.getpixel((int(border + (c + 0.5) * scale),
                                int(border + (r + 0.5) * scale))) < 128) == bool(dark)
               for r, row in enumerate(matrix) for c, dark in enumerate(row))


def _sign_up(browser: Any, live_server: Any, activity: Any, name: str, phone: str) -> Any:
    """A resident on their own logged-out phone signs up from the portal's
    list of activities; returns their page (on the sign-up's status page)."""
    page = new_context(browser, viewport=PHONE).new_page()
    page.goto(f"{live_server.url}{reverse('portal_activity_list')}")
    page.locator(f"a[href$='/activities/{activity.pk}/']").first.click()
    page.wait_for_url(f"**/portal/engage/activities/{activity.pk}/")
    page.fill("#id_names", name)
    page.fill("#id_phone", phone)
    page.check("#id_photo_consent")
    # A person takes more than a few seconds to fill the form (the portal
    # refuses faster submissions as a script's).
    page.wait_for_timeout(3200)
    page.click(f"form button.primary:has-text('{_in('Sign up')}')")
    page.wait_for_url("**/portal/engage/activities/signup/**")
    return page


def test_residents_sign_up_volunteers_serve_and_a_certificate_is_verified(
        live_server: Any, browser: Any, personas: dict, household: Any, grid_a: Any,
        settings: Any) -> None:
    settings.SITE_URL = live_server.url  # the printed QR codes open this server
    # The clock jumps from eight to a quarter past nine below, which no idle
    # session survives (jiayuan.core.sessions): the coordinator's page stays open.
    settings.SESSION_IDLE_SECONDS = 3 * 3600
    coordinator = personas["coordinator"]
    people = {p.name: p for p in household.members.all()}
    # A fixed clock (time-machine moves the live server's clock too): eight
    # in the morning a few days after the real today, the session at nine.
    today = timezone.localdate() + timedelta(days=3)
    starts = timezone.make_aware(datetime.combine(today, time(9, 0)))
    ends = starts + timedelta(hours=2, minutes=30)
    with time_machine.travel(timezone.make_aware(datetime.combine(today, time(8, 0))),
                             tick=True) as clock:
        volunteers = [volunteer_services.volunteer_register(
            actor=coordinator, person=people[name], roles=[VolunteerRole.SERVICE])
            for name in ("鄭容哲", "金英姬")]
        activity = activity_services.activity_create(
            actor=coordinator, kind="themed", title=TITLE, grid=grid_a,
            description="一起包饺子，欢迎全家参加。")
        session = activity_services.session_add(actor=coordinator, activity=activity,
                                                 starts_at=starts, ends_at=ends,
                                                 place=PLACE, capacity=2)
        assert not activity.published

        # --- 1. the coordinator publishes it ---------------------------------
        desk = login(browser, live_server, "coordinator")
        desk.goto(f"{live_server.url}{reverse('activity_detail', args=[activity.pk])}")
        desk.click(f"a[href$='/activities/{activity.pk}/edit/']")
        desk.wait_for_url(f"**/engage/activities/{activity.pk}/edit/")
        desk.check("#id_published")
        desk.click("form button.primary")
        desk.wait_for_url(f"**/engage/activities/{activity.pk}/")
        activity.refresh_from_db()
        assert activity.published
        shot(desk, "activity-01-published")

        # --- 2. three residents sign up on their phones ----------------------
        phones = [_sign_up(browser, live_server, activity, name, phone)
                  for name, phone in RESIDENTS]
        signups = {s.name: s for s in SignUp.objects.filter(session=session)}
        assert [signups[n].status for n, _p in RESIDENTS] == [
            SignUpStatus.CONFIRMED, SignUpStatus.CONFIRMED, SignUpStatus.WAITING]
        first, second, third = (signups[n] for n, _p in RESIDENTS)
        assert _in("You have a place.") in phones[0].locator("main").inner_text()
        waiting_text = phones[2].locator("main").inner_text()
        assert _in("You have a place.") not in waiting_text
        assert signups["崔明洙"].name in waiting_text
        told = _in("The session is full: you are number %(n)s on the waiting list. When a "
                   "place frees up you get it automatically; this page will say so.") % {"n": 1}
        assert told.startswith("场次已满") and told in waiting_text
        shot(phones[2], "activity-02-waiting-list-phone")
        for p in phones:
            assert p.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        # --- 3. the second cancels: the waiting one moves up -----------------
        phones[1].once("dialog", lambda d: d.accept())
        # The form posts to the page itself: wait for the navigation, not the URL.
        with phones[1].expect_navigation():
            phones[1].click(f"button.danger:has-text('{_in('Cancel my sign-up')}')")
        assert phones[1].url.endswith(f"/signup/{second.token}/")
        assert _in("This sign-up is cancelled.") in phones[1].locator("main").inner_text()
        second.refresh_from_db()
        third.refresh_from_db()
        assert second.status == SignUpStatus.CANCELLED
        assert third.status == SignUpStatus.CONFIRMED and third.promoted_at is not None
        phones[2].reload()
        promoted = phones[2].locator("main").inner_text()
        assert _in("You have a place.") in promoted
        assert _in("A place freed up and you moved up from the waiting list.") in promoted
        assert third.token in promoted  # the code to show at the door
        shot(phones[2], "activity-03-promoted-phone")

        # --- 4. at the door, a quarter past nine -----------------------------
        clock.move_to(starts + timedelta(minutes=15))
        door = login(browser, live_server, "gridworker", viewport=PHONE)
        # A tap carries the phone's time (offline-queue.js): the phone's clock
        # shows the station's, not the real day's that the server never sees.
        now = timezone.now()
        at_door = now.replace(microsecond=now.microsecond // 1000 * 1000)  # a phone's ms
        door.clock.set_fixed_time(at_door)
        door.goto(f"{live_server.url}{reverse('checkin', args=[session.checkin_token])}")
        door.locator(f"#su-{first.pk}").wait_for()
        assert door.locator(f"#su-{second.pk}").count() == 0  # cancelled: not listed
        for s in (first, third):
            row = door.locator(f"#su-{s.pk}")
            # The tap is painted at once and sent after (offline-queue.js): wait for
            # the server's answer, so no read of the database meets its write (on
            # SQLite's shared-cache memory database that write would fail).
            with door.expect_response(lambda r: r.request.method == "POST") as answer:
                row.locator("button.act-tap").click()
            assert answer.value.ok, answer.value.status
            row.locator("button.act-tap[aria-pressed=true]").wait_for()
        wait_for(lambda: SignUp.objects.filter(session=session, attended_at__isnull=False)
                  .count() == 2, door)
        first.refresh_from_db()
        third.refresh_from_db()
        assert first.attended_at is not None and third.attended_at is not None
        assert first.attended_at >= starts
        assert first.attended_at == third.attended_at == at_door  # the time of the taps
        door.reload()
        assert door.locator("#checkin-count").inner_text().strip() == "2"
        assert "2 / 2 已签到" in door.locator("main").inner_text()
        shot(door, "activity-04-checkin-phone")
        assert door.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        # --- 5. the volunteers served ----------------------------------------
        session_url = f"{live_server.url}{reverse('session_detail', args=[session.pk])}"
        desk.goto(session_url)
        for v in volunteers:
            section = desk.locator("#volunteers")
            section.locator("select[name=volunteer]").select_option(str(v.pk))
            with desk.expect_navigation():
                section.locator("button", has_text=_in("Add the volunteer")).click()
            desk.locator("#volunteers li", has_text=v.person.name).first.wait_for()
        for v in volunteers:
            row = desk.locator("#volunteers li", has_text=v.person.name).first
            with desk.expect_navigation():
                row.locator("button", has_text=_in("Served")).click()
            desk.locator("#volunteers li", has_text=v.person.name).first.locator(
                "span.tag.ok").wait_for()
        shot(desk, "activity-05-volunteers-served")
        roll = desk.locator("main").inner_text()
        assert "已确认" in roll and "Confirmed" not in roll and "名额" in roll
        assert session.hours == Decimal("2.5")
        for v in volunteers:
            entries = list(HoursEntry.objects.filter(volunteer=v))
            assert [(e.source, e.session_id, e.hours, e.on) for e in entries] == [
                (HoursSource.ACTIVITY, session.pk, Decimal("2.5"), today)]
        volunteer = volunteers[0]
        desk.goto(f"{live_server.url}{reverse('volunteer_detail', args=[volunteer.pk])}")
        facts = desk.locator("dl").first.inner_text()
        assert f"{today.year}" in facts and "2.5" in facts

        # --- 6. a certificate, its PDF, verified by a stranger ---------------
        form = desk.locator("#certificate_form")
        form.locator("input[name=year]").fill(str(today.year))
        with desk.expect_navigation():
            form.locator("button").click()
        assert f"/engage/volunteers/{volunteer.pk}/" in desk.url
        cert = Certificate.objects.get(volunteer=volunteer)
        assert cert.year == today.year and cert.hours == Decimal("2.5")
        assert cert.revoked_at is None
        shot(desk, "activity-06-certificate-issued")
        link = desk.locator("#certificates a", has_text="PDF").first
        pdf_url = link.get_attribute("href")
        assert pdf_url == reverse("volunteer_certificate_pdf", args=[volunteer.pk, cert.pk])
        response = desk.context.request.get(f"{live_server.url}{pdf_url}")
        assert response.ok and response.headers["content-type"] == "application/pdf"
        body = response.body()
        assert body.startswith(b"%PDF-") and len(body) > 2000
        # The QR code (an image in the PDF) encodes the verify page's address
        # with the certificate's token: read it back module by module.
        verify_url = f"{live_server.url}{reverse('portal_certificate', args=[cert.token])}"
        qrs = _pdf_images(body)
        assert len(qrs) == 1
        assert _is_qr_of(qrs[0], verify_url)
        assert not _is_qr_of(qrs[0], verify_url.replace(cert.token, cert.token[::-1]))

        stranger = new_context(browser, viewport=PHONE).new_page()
        stranger.goto(verify_url)
        text = stranger.locator("main").inner_text()
        assert _in("Valid") in text and "2.5" in text and str(today.year) in text
        shot(stranger, "activity-07-certificate-verified")
        assert stranger.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # --- 7. the log holds every step and still verifies ----------------------
    assert_audit_intact()
