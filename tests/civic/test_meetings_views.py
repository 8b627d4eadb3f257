"""The meeting pages: the list and the page in a bounded number of queries,
the forms through the services, the roll-call's taps, the printouts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jiayuan.civic.choices import Attendance
from jiayuan.civic.meetings import services
from jiayuan.civic.meetings import services_decisions as decisions
from jiayuan.civic.meetings.models import Meeting, MinutesVersion
from jiayuan.core.models import AuditEntry
from tests.civic.world_meetings import *  # noqa: F403 (the fixtures)
from tests.civic.world_meetings import past

pytestmark = pytest.mark.django_db


def login(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _busy(meeting: Meeting, people: list[Any], head: Any, case: Any) -> None:
    for p in people:
        services.attendance_mark(actor=head, meeting=meeting, participant=p,
                                 attendance="present")
    services.walk_in(actor=head, meeting=meeting, name="李律师")
    services.participant_add(actor=head, meeting=meeting, kind="staff", user=head)
    v = services.minutes_save(actor=head, meeting=meeting, text="纪要", loaded=0)
    services.minutes_circulate(actor=head, minutes=v)
    services.minutes_save(actor=head, meeting=meeting, text="纪要二", loaded=1)
    decisions.decision_add(actor=head, meeting=meeting, text="甲", owner=head,
                           due=timezone.localdate(), case=case)
    decisions.decision_add(actor=head, meeting=meeting, text="乙", owner=head,
                           due=timezone.localdate())


def test_the_list_takes_a_bounded_number_of_queries(make_meeting: Any, head: Any,
                                                    django_assert_max_num_queries: Any
                                                    ) -> None:
    for i in range(12):
        make_meeting(title=f"会议{i}", starts_at=past(i + 1), place="活动室")
    c = login(head)
    with django_assert_max_num_queries(12):
        r = c.get(reverse("meeting_list") + "?tab=past")
    assert r.status_code == 200 and "会议11" in r.content.decode()


def test_the_page_takes_a_bounded_number_of_queries(meeting: Any, invited: Any, head: Any,
                                                    case: Any,
                                                    django_assert_max_num_queries: Any
                                                    ) -> None:
    _busy(meeting, invited, head, case)
    c = login(head)
    with django_assert_max_num_queries(30):
        r = c.get(reverse("meeting_detail", args=[meeting.pk]))
    body = r.content.decode()
    assert r.status_code == 200
    assert "鄭容哲" in body and "李律师" in body and case.ref in body
    assert "decision-2" in body


def test_the_gridworker_plans_a_meeting_of_their_grid(personas: Any, grid_a: Any) -> None:
    gw = personas["gridworker"]
    r = login(gw).post(reverse("meeting_new"), {
        "kind": "coordination", "title": "楼道堆物协调", "grid": grid_a.pk,
        "starts_at": "2026-01-10T19:00", "organiser": gw.pk, "agenda": "堆物\n噪音"})
    m = Meeting.objects.get()
    assert r.status_code == 302 and m.grid == grid_a and m.agenda.count() == 2


def test_a_bad_form_is_a_message_not_a_500(personas: Any) -> None:
    gw = personas["gridworker"]
    r = login(gw).post(reverse("meeting_new"), {"kind": "council", "title": "x",
                                                "starts_at": "yesterday"})
    assert r.status_code == 400 and not Meeting.objects.exists()


def test_inviting_someone_out_of_scope_names_them(meeting: Any, personas: Any,
                                                  household_b: Any) -> None:
    r = login(personas["gridworker"]).post(
        reverse("meeting_invite", args=[meeting.pk]),
        {"kind": "resident", "person": household_b.head.pk})
    assert r.status_code == 400 and "马忠华" in r.content.decode()


def test_a_stale_minutes_save_keeps_the_text(meeting: Any, head: Any, personas: Any) -> None:
    services.minutes_save(actor=head, meeting=meeting, text="第一版", loaded=0)
    services.minutes_save(actor=personas["caseworker"], meeting=meeting, text="同事的版本",
                          loaded=1)
    r = login(head).post(reverse("meeting_minutes", args=[meeting.pk]),
                         {"text": "我写了很久的纪要", "loaded": "1"})
    body = r.content.decode()
    assert r.status_code == 409
    assert "我写了很久的纪要" in body and 'name="loaded" value="2"' in body
    assert MinutesVersion.objects.filter(meeting=meeting).count() == 2


def test_the_roll_call_takes_taps_twice_and_answers_json(meeting: Any, invited: Any,
                                                         personas: Any) -> None:
    c = login(personas["gridworker"])
    url = reverse("meeting_rollcall", args=[meeting.pk])
    assert c.get(url).status_code == 200
    for _ in range(2):
        r = c.post(url, {"participant": invited[0].pk, "attendance": "present"},
                   HTTP_ACCEPT="application/json")
        assert r.status_code == 200 and r.json()["attendance"] == "present"
    assert r.json()["quorum"] == {"needed": 2, "present": 1, "reached": False}
    # the page's quorum line, rendered anew for offline-queue.js to put in place
    assert 'id="quorum"' in r.json()["quorum_html"] and "tag warn" in r.json()["quorum_html"]
    r = c.post(url, {"participant": invited[1].pk, "attendance": "present"},
               HTTP_ACCEPT="application/json")
    assert r.json()["quorum"]["reached"] and "tag ok" in r.json()["quorum_html"]
    invited[0].refresh_from_db()
    assert invited[0].attendance == Attendance.PRESENT


def test_a_queued_tap_keeps_its_time(meeting: Any, invited: Any, head: Any) -> None:
    tapped = timezone.now() - timedelta(minutes=40)
    login(head).post(reverse("meeting_rollcall", args=[meeting.pk]),
                     {"participant": invited[1].pk, "attendance": "present",
                      "at": str(int(tapped.timestamp() * 1000))},
                     HTTP_ACCEPT="application/json")
    invited[1].refresh_from_db()
    assert abs((invited[1].marked_at - tapped).total_seconds()) < 1


def test_a_walk_in_out_of_scope_is_refused_in_json(meeting: Any, personas: Any,
                                                   household_b: Any) -> None:
    r = login(personas["gridworker"]).post(
        reverse("meeting_rollcall", args=[meeting.pk]), {"person": household_b.head.pk},
        HTTP_ACCEPT="application/json")
    assert r.status_code == 400 and "马忠华" in r.json()["error"]


def test_a_decision_pointing_at_a_hidden_case_is_refused(meeting: Any, invited: Any,
                                                         personas: Any, head: Any,
                                                         make_case: Any,
                                                         household_b: Any) -> None:
    for p in invited[:2]:
        services.attendance_mark(actor=head, meeting=meeting, participant=p,
                                 attendance="present")
    hidden = make_case(person=household_b.head)
    gw = personas["gridworker"]
    r = login(gw).post(reverse("meeting_decision_add", args=[meeting.pk]), {
        "text": "x", "owner": gw.pk, "due": timezone.localdate().isoformat(),
        "carrier": "case", "case_ref": hidden.ref})
    assert r.status_code == 400 and hidden.ref in r.content.decode()
    assert not meeting.decisions.exists()


def test_the_printouts_are_pdfs_and_audited(meeting: Any, invited: Any, head: Any,
                                            case: Any) -> None:
    _busy(meeting, invited, head, case)
    c = login(head)
    for name in ("meeting_minutes_pdf", "meeting_attendance_pdf"):
        r = c.get(reverse(name, args=[meeting.pk]))
        assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert AuditEntry.objects.filter(action="print", object_id=str(meeting.pk)).count() == 2


def test_no_minutes_is_a_page_not_a_pdf(meeting: Any, head: Any) -> None:
    r = login(head).get(reverse("meeting_minutes_pdf", args=[meeting.pk]))
    assert r.status_code == 409


def test_the_resident_file_shows_the_meetings_attended(meeting: Any, invited: Any,
                                                       head: Any) -> None:
    services.attendance_mark(actor=head, meeting=meeting, participant=invited[0],
                             attendance="present")
    r = login(head).get(reverse("person_detail", args=[invited[0].person_id]))
    assert meeting.title in r.content.decode()


def test_the_case_page_lists_the_decision_it_carries_out(meeting: Any, invited: Any,
                                                         head: Any, case: Any) -> None:
    _busy(meeting, invited, head, case)
    r = login(head).get(reverse("case_detail", args=[case.pk]))
    body = r.content.decode()
    assert reverse("meeting_detail", args=[meeting.pk]) + "#decision-1" in body
