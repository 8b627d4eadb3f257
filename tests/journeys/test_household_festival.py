"""Journey: a household declares the festival it celebrates (开斋节, Eid al-Fitr)
through its edit form; when the day comes within the station's lead time the
scheduler's run (`manage.py tick`) owes that household — and no other — a
festival visit (六必访), and the grid worker's visit closes it.

The clock is fixed with time_machine (it patches the live server's thread
too) on a day after the real today: Chromium keeps cookies by the real clock,
so a session set "in the past" would expire at once. The station's calendar is
set up for that day, so the journey runs the same on any day of any year.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from jiayuan.care.choices import DutyRule, DutyStatus
from jiayuan.care.models import Duty, FestivalDate
from jiayuan.core.models import AuditEntry
from jiayuan.registry import services as registry
from tests.conftest import make_dwelling
from tests.journeys.conftest import PHONE, assert_audit_intact, login, shot

pytestmark = pytest.mark.django_db(transaction=True)

LEAD = 10  # days from "today" to the festival: inside the default 14-day lead


def _household(head: Any, dwelling: Any, name: str, festivals: list[str] = ()) -> Any:
    return registry.household_create(
        actor=head, dwelling=dwelling, residency="resident", moved_in=date(2015, 3, 1),
        festivals=festivals,
        head={"name": name, "sex": "F", "birth_date": date(1975, 8, 1), "id_number": "",
              "phone": "", "sensitive_consent": bool(festivals)})


def test_it_owes_a_festival_visit_to_the_household_that_declared_it_only(
        live_server: Any, browser: Any, personas: dict, household: Any, household_b: Any,
        grid_a: Any) -> None:
    head = personas["head"]
    ma = _household(head, make_dwelling(grid_a, "3", "1", "101"), "马秀兰")
    # Declares the same festival but has left the community: owed nothing.
    gone = _household(head, make_dwelling(grid_a, "3", "1", "102"), "白玉梅", ["eid_al_fitr"])
    real_today = timezone.localdate()
    registry.household_move_out(actor=head, household=gone, on=real_today)

    # A day some weeks after the real today, at nine in the morning.
    day = real_today + timedelta(days=40)
    festival = day + timedelta(days=LEAD)
    FestivalDate.objects.all().delete()
    FestivalDate.objects.bulk_create([
        FestivalDate(festival="eid_al_fitr", date=festival),
        # 郑容哲's household celebrates these: not within the lead time.
        FestivalDate(festival="chuseok", date=festival + timedelta(days=100)),
        FestivalDate(festival="spring_festival", date=festival + timedelta(days=200)),
    ])
    nine = timezone.make_aware(datetime.combine(day, time(9, 0)))

    with time_machine.travel(nine, tick=True):
        # 1. The grid worker records, on the phone, what the household says it celebrates.
        page = login(browser, live_server, "gridworker", viewport=PHONE)
        page.click("nav.main-nav >> text=住户")
        page.click("main a:has-text('3-1-101')")
        page.wait_for_url(f"**/households/{ma.pk}/")
        page.click(f"main a[href='/households/{ma.pk}/edit/']")
        page.check("input[name=festivals][value=eid_al_fitr]")
        page.check("input[name=sensitive_consent]")
        shot(page, "festival-01-declared-phone")
        page.click("main button[type=submit]")
        page.wait_for_url(f"**/households/{ma.pk}/")
        assert "开斋节" in page.locator("main").inner_text()
        ma.refresh_from_db()
        assert ma.festivals == ["eid_al_fitr"]

        # 2. The scheduler's run: a festival duty for that household, and for no other.
        out = StringIO()
        call_command("tick", stdout=out)
        duties = list(Duty.objects.all())
        assert [(d.household_id, d.rule) for d in duties] == [(ma.pk, DutyRule.FESTIVAL)], (
            out.getvalue())
        duty = duties[0]
        assert duty.due == festival and duty.key == f"eid_al_fitr:{festival.isoformat()}"
        assert duty.assignee == personas["gridworker"]

        # 3. The grid worker sees it among their duties and logs the visit.
        page.click("nav.main-nav >> text=必访任务")
        card = page.locator("li.duty", has_text="3-1-101")
        card.wait_for()
        assert "开斋节" in card.inner_text() and festival.isoformat() in card.inner_text()
        assert page.locator("li.duty").count() == 1
        shot(page, "festival-02-duty-phone")
        card.locator("a:has-text('登记走访')").click()
        page.locator("#visit-households .visit-household", has_text="3-1-101").wait_for()
        page.select_option("#id_purpose", "festival")
        page.fill("#id_found", "送去节日问候，一家人都好。")
        page.click("button:has-text('保存走访记录')")
        page.wait_for_url("**/care/visits/*/")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        shot(page, "festival-03-visit-phone")
        duty.refresh_from_db()
        assert duty.status == DutyStatus.DONE and duty.closed_on == day

        # The next run owes nothing more for this festival.
        call_command("tick", stdout=StringIO())
        assert Duty.objects.count() == 1
        duty.refresh_from_db()
        assert duty.status == DutyStatus.DONE

    assert_audit_intact()
    household_edit = AuditEntry.objects.filter(object_type="registry.household",
                                               object_id=str(ma.pk), action="update",
                                               actor_username="gridworker")
    assert household_edit.exists()
    assert AuditEntry.objects.filter(object_type="care.duty", actor_username="tick",
                                     action="create", changes__rule="festival").exists()
    assert AuditEntry.objects.filter(object_type="care.visit", actor_username="gridworker",
                                     action="create").exists()
