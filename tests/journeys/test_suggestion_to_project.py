"""Journey: a resident's idea (金点子) becomes an improvement project, and the
resident reads what came of it.

A resident on a logged-out phone sends an idea from the portal's front page,
anonymously. A caseworker finds it in Suggestions and puts it under
discussion with a public reason, plans a council (党群议事会) for grid A and
invites two residents; the grid worker takes the roll on a 360 px phone (one
present, one absent). The caseworker adopts the idea into a project in one
step, started in the past, and adds two milestones, one already overdue: the
wall chart shows the project behind schedule (滞后). The milestones are
reached, the project is done and the idea is marked done with a public
reason. The resident reads "you said, we did" and the idea's status page by
its reference and code: the public reasons, and no staff or resident names.

Set-up (personas, the household of 郑容哲 and 金英姬 in grid A, the default
statuses) is made directly; every step a person takes is a click or a
keystroke in Chromium.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone, translation

from jiayuan.civic.choices import Attendance, Health, ProjectStatus, Stage
from jiayuan.civic.models import Meeting, Project, Suggestion
from tests.journeys.conftest import (
    PHONE,
    assert_audit_intact,
    login,
    new_context,
    restore_seed_data,
    shot,
)
from tests.polling import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

ZH = "zh-hans"
IDEA_TITLE = "三号楼门口加装无障碍坡道"
IDEA_BODY = "三号楼门口有三级台阶，坐轮椅的老人和推婴儿车的家长进出很难。建议加一条坡道和扶手。"
DISCUSS_REASON = "服务站已收到，将提交本月党群议事会讨论。"
ADOPT_REASON = "议事会同意：列为为民办实事项目，年内完工。"
DONE_REASON = "坡道和扶手已建成并验收，感谢您的建议。"


def _in(msgid: str, context: str | None = None) -> str:
    with translation.override(ZH):
        if context:
            return translation.pgettext(context, msgid)
        return translation.gettext(msgid)


def _day(d: Any) -> str:
    return d.strftime("%Y-%m-%d")


def _mark(page: Any, participant: Any, value: str) -> None:
    """Tap a mark and wait for the server's answer: the roll paints the tap at
    once and sends it after (offline-queue.js), and a read of the database
    while the live server writes it would make that write fail on SQLite's
    shared-cache memory database ("table is locked")."""
    row = page.locator(f"#p-{participant.pk}")
    with page.expect_response(lambda r: r.url.endswith("/roll/")
                              and r.request.method == "POST") as answer:
        row.locator(f"button.mark-{value}").click()
    assert answer.value.ok, answer.value.status
    row.locator(f"button.mark-{value}[aria-pressed=true]").wait_for()


def _project_status(page: Any, project: Any, value: str, on: str = "") -> None:
    page.locator("summary", has_text=_in("Change the status")).click()
    form = page.locator(f"form[action$='/projects/{project.pk}/status/']")
    form.locator("select[name=status]").select_option(value)
    if on:
        form.locator("input[name=on]").fill(on)
    form.locator("button.primary").click()
    page.wait_for_url(f"**/civic/projects/{project.pk}/**")
    project.refresh_from_db()
    assert project.status == value, page.locator("main").inner_text()




def test_a_residents_idea_becomes_a_project_and_they_read_what_came_of_it(
        live_server: Any, browser: Any, personas: dict, household: Any, grid_a: Any) -> None:
    restore_seed_data()
    # A fixed clock (time-machine moves the live server's clock too): ten in
    # the morning, a few days after the real today, so the journey never
    # straddles midnight and "today" is the same for the pages and the test.
    today = timezone.localdate() + timedelta(days=3)
    with time_machine.travel(timezone.make_aware(datetime.combine(today, time(10, 0))),
                             tick=True):
        # --- 1. the resident, on a phone, logged out ------------------------
        resident = new_context(browser, viewport=PHONE).new_page()
        resident.goto(f"{live_server.url}/portal/")
        resident.click(f"a.button:has-text('{_in('Send an idea')}')")
        resident.wait_for_url("**/portal/civic/ideas/new/")
        resident.fill("#id_title", IDEA_TITLE)
        resident.select_option("#id_category", "accessibility")
        resident.fill("#id_body", IDEA_BODY)
        # Anonymous: no name, no phone. A person takes more than a few seconds
        # to fill the form (the portal refuses faster submissions as a script's).
        resident.wait_for_timeout(3200)
        shot(resident, "idea-01-portal-form")
        resident.click(f"button:has-text('{_in('Send my idea')}')")
        resident.wait_for_url("**/portal/civic/ideas/status/**")
        codes = resident.locator("p.idea-code").first.locator("strong").all_inner_texts()
        ref, code = codes[0].strip(), codes[1].strip()
        shot(resident, "idea-02-received")
        idea = Suggestion.objects.get(ref=ref)
        assert idea.public_token == code
        assert idea.title == IDEA_TITLE and idea.contact_name == "" and idea.person_id is None
        assert idea.status.stage == Stage.RECEIVED

        # --- 2. the caseworker puts it under discussion ---------------------
        desk = login(browser, live_server, "caseworker")
        desk.goto(f"{live_server.url}/civic/suggestions/")
        desk.click(f"a:has-text('{ref}')")
        desk.wait_for_url(f"**/civic/suggestions/{idea.pk}/")
        status_form = desk.locator(f"form[action$='/suggestions/{idea.pk}/status/']")
        status_form.locator("select[name=status]").select_option(label="讨论中")
        status_form.locator("textarea[name=public_reason]").fill(DISCUSS_REASON)
        status_form.locator("button.primary").click()
        desk.wait_for_url(f"**/civic/suggestions/{idea.pk}/")
        idea.refresh_from_db()
        assert idea.status.stage == Stage.DISCUSSING and idea.public_reason == DISCUSS_REASON
        shot(desk, "idea-03-under-discussion")

        # --- 3. a council, two residents invited, the roll on a phone -------
        desk.goto(f"{live_server.url}/civic/meetings/new/")
        desk.select_option("#id_kind", "council")
        desk.fill("#id_title", "十二月党群议事会")
        desk.select_option("#id_grid", str(grid_a.pk))
        desk.fill("#id_starts_at", f"{_day(today)}T09:30")
        desk.fill("#id_place", "服务站二楼会议室")
        desk.fill("#id_agenda", f"{ref} {IDEA_TITLE}")
        desk.click(f"button:has-text('{_in('Plan the meeting')}')")
        desk.wait_for_url("**/civic/meetings/*/")
        meeting = Meeting.objects.get()
        assert meeting.kind == "council" and meeting.grid_id == grid_a.pk
        assert ref in meeting.agenda.get().title   # the idea on the agenda
        people = {p.name: p for p in household.members.all()}
        for typed, name in (("zrz", "鄭容哲"), ("金英", "金英姬")):
            section = desk.locator("#participants")
            if section.locator("details").get_attribute("open") is None:
                section.locator("summary", has_text=_in("Invite")).click()
            section.locator("select[name=kind]").select_option("resident")
            desk.locator("#meeting-person-q").press_sequentially(typed, delay=30)
            desk.locator("#meeting-person-picks button", has_text=name).first.click()
            desk.locator("#meeting-person input[name=person]").wait_for(state="attached")
            section.locator("form button.primary").click()
            desk.wait_for_url(f"**/civic/meetings/{meeting.pk}/**")
            desk.locator("#participants li", has_text=name).first.wait_for()
        assert meeting.participants.count() == 2
        shot(desk, "idea-04-council-invited")

        grid = login(browser, live_server, "gridworker", viewport=PHONE)
        grid.goto(f"{live_server.url}/civic/meetings/{meeting.pk}/")
        grid.click(f"a.button:has-text('{_in('Roll-call')}')")
        grid.wait_for_url(f"**/civic/meetings/{meeting.pk}/roll/")
        zheng = meeting.participants.get(person=people["鄭容哲"])
        kim = meeting.participants.get(person=people["金英姬"])
        _mark(grid, zheng, "present")
        _mark(grid, kim, "absent")
        wait_for(lambda: set(meeting.participants.values_list("attendance", flat=True))
                  == {Attendance.PRESENT, Attendance.ABSENT}, grid)
        zheng.refresh_from_db()
        kim.refresh_from_db()
        assert zheng.attendance == Attendance.PRESENT and kim.attendance == Attendance.ABSENT
        shot(grid, "idea-05-rollcall-phone")
        assert grid.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        # --- 4. adopted into a project in one step; a milestone is overdue --
        starts, ends = today - timedelta(days=30), today + timedelta(days=60)
        desk.goto(f"{live_server.url}/civic/suggestions/{idea.pk}/")
        desk.locator("summary", has_text=_in("Adopt as an improvement project")).click()
        adopt = desk.locator(f"form[action$='/suggestions/{idea.pk}/adopt/']")
        adopt.locator("input[name=starts_on]").fill(_day(starts))
        adopt.locator("input[name=ends_on]").fill(_day(ends))
        adopt.locator("textarea[name=public_reason]").fill(ADOPT_REASON)
        shot(desk, "idea-06-adopt")
        adopt.locator("button.primary").click()
        desk.wait_for_url("**/civic/**")
        idea.refresh_from_db()
        project = Project.objects.get()
        assert idea.project_id == project.pk and idea.status.stage == Stage.ADOPTED
        assert project.starts_on == starts and project.ends_on == ends

        desk.goto(f"{live_server.url}/civic/projects/{project.pk}/")
        for title, planned in (("施工队进场", today - timedelta(days=5)),
                               ("坡道和扶手完工验收", today + timedelta(days=20))):
            section = desk.locator("#milestones")
            section.locator("summary", has_text=_in("Add a milestone")).click()
            form = section.locator(f"form[action$='/projects/{project.pk}/milestones/']")
            form.locator("input[name=title]").fill(title)
            form.locator("input[name=planned_on]").fill(_day(planned))
            form.locator("button.primary").click()
            desk.wait_for_url(f"**/civic/projects/{project.pk}/**")
            desk.locator("#milestones li", has_text=title).first.wait_for()
        assert project.milestones.count() == 2
        # Work starts (a planned project is not marked done in one jump).
        _project_status(desk, project, ProjectStatus.ACTIVE)
        shot(desk, "idea-07-project-milestones")

        desk.goto(f"{live_server.url}/civic/projects/wall/")
        card = desk.locator(".wall-row", has_text=project.title).first
        assert "health-late" in (card.get_attribute("class") or "")
        assert _in("Behind schedule", "health") == "滞后"
        assert "滞后" in card.inner_text()
        shot(desk, "idea-08-wall-late")

        # --- 5. milestones reached, the project done, the idea done ---------
        desk.goto(f"{live_server.url}/civic/projects/{project.pk}/")
        for m in project.milestones.order_by("planned_on"):
            item = desk.locator("#milestones li", has_text=m.title).first
            item.locator("summary").click()
            item.locator("input[name=done_on]").fill(_day(today))
            item.locator("button.primary").click()
            desk.wait_for_url(f"**/civic/projects/{project.pk}/**")
        assert not project.milestones.filter(done_on=None).exists()
        _project_status(desk, project, ProjectStatus.DONE, on=_day(today))
        shot(desk, "idea-09-project-done")

        idea.refresh_from_db()
        if idea.status.stage != Stage.DONE:
            desk.goto(f"{live_server.url}/civic/suggestions/{idea.pk}/")
            form = desk.locator(f"form[action$='/suggestions/{idea.pk}/status/']")
            form.locator("select[name=status]").select_option(label="已办结")
            form.locator("textarea[name=public_reason]").fill(DONE_REASON)
            form.locator("button.primary").click()
            desk.wait_for_url(f"**/civic/suggestions/{idea.pk}/")
        idea.refresh_from_db()
        assert idea.status.stage == Stage.DONE
        desk.goto(f"{live_server.url}/civic/projects/wall/")
        done_row = desk.locator(".wall-row", has_text=project.title).first
        assert f"health-{Health.DONE}" in (done_row.get_attribute("class") or "")

        # --- 6. the resident reads what came of it --------------------------
        resident.goto(f"{live_server.url}/portal/")
        resident.click(f"a.button:has-text('{_in('You said, we did')}')")
        resident.wait_for_url("**/portal/civic/ideas/")
        entry = resident.locator("li.card.idea", has_text=IDEA_TITLE).first
        text = entry.inner_text()
        assert DONE_REASON in text and project.title in text and "100%" in text
        shot(resident, "idea-10-you-said-we-did")
        public_pages = [resident.locator("main, body").first.inner_text()]
        # The project's public page, from the idea's card.
        entry.locator("a", has_text=project.title).click()
        resident.wait_for_url(f"**/portal/civic/projects/{project.ref}/")
        public_pages.append(resident.locator("main, body").first.inner_text())
        assert project.title in public_pages[-1]
        shot(resident, "idea-10b-public-project")
        resident.go_back()

        resident.fill("#lookup_ref", ref)
        resident.fill("#lookup_code", code)
        resident.click(f"button:has-text('{_in('Follow my idea')}')")
        resident.wait_for_url(f"**/portal/civic/ideas/status/{ref}/**")
        body = resident.locator("main, body").first.inner_text()
        for reason in (DISCUSS_REASON, ADOPT_REASON, DONE_REASON):
            assert reason in body
        history = resident.locator("ol.timeline").inner_text()
        assert (history.index(DISCUSS_REASON) < history.index(ADOPT_REASON)
                < history.index(DONE_REASON))
        shot(resident, "idea-11-status-history")
        public_pages.append(body)
        for page_text in public_pages:
            for name in ("鄭容哲", "郑容哲", "金英姬", "caseworker", "gridworker",
                         personas["caseworker"].display_name, personas["head"].display_name,
                         personas["gridworker"].display_name, grid_a.name):
                assert not name or name not in page_text, name
        assert resident.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # --- 7. the log holds every step and still verifies ----------------------
    assert_audit_intact()
