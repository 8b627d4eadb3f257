"""The meetings services' rules, each called directly."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone, translation

from jiayuan.civic.choices import Attendance, MeetingStatus, MinutesState
from jiayuan.civic.meetings import services
from jiayuan.civic.meetings import services_decisions as decisions
from jiayuan.civic.meetings.models import Decision, MinutesVersion, Participant
from jiayuan.civic.meetings.selectors import meetings_for, quorum_of
from jiayuan.civic.projects.models import Project
from jiayuan.core.models import AuditEntry
from jiayuan.core.versioning import Conflict
from jiayuan.desk.models import Case
from tests.civic.world_meetings import *  # noqa: F403 (the fixtures)
from tests.civic.world_meetings import past

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Any:
    """The messages are matched in English (the msgids)."""
    with translation.override("en"):
        yield


# --- planning ------------------------------------------------------------------------

def test_it_plans_a_meeting_with_its_agenda_and_audits_it(meeting: Any) -> None:
    assert meeting.ref.startswith("TST-M-")
    assert [a.title for a in meeting.agenda.all()] == ["停车", "路灯"]
    assert AuditEntry.objects.filter(object_type="civic.meeting", object_id=str(meeting.pk),
                                     action="create").exists()


def test_it_refuses_a_grid_worker_a_meeting_of_another_grid(make_meeting: Any,
                                                            personas: Any, grid_b: Any) -> None:
    with pytest.raises(ValidationError, match="G2"):
        make_meeting(actor=personas["gridworker"], grid=grid_b)


def test_it_asks_a_grid_worker_for_a_grid(make_meeting: Any, personas: Any) -> None:
    with pytest.raises(ValidationError, match="grid"):
        make_meeting(actor=personas["gridworker"], grid=None)


def test_the_head_may_plan_a_meeting_of_the_whole_community(make_meeting: Any,
                                                            personas: Any) -> None:
    m = make_meeting(grid=None)
    assert m.grid is None
    assert meetings_for(personas["gridworker"]).filter(pk=m.pk).exists()
    assert meetings_for(personas["outsider"]).filter(pk=m.pk).exists()


def test_a_liaison_meeting_needs_its_partner(make_meeting: Any) -> None:
    with pytest.raises(ValidationError, match="liaison office"):
        make_meeting(kind="liaison")


def test_it_refuses_an_end_before_the_start(make_meeting: Any) -> None:
    with pytest.raises(ValidationError, match="ends before"):
        make_meeting(ends_at=past(3))


def test_an_organiser_must_run_meetings(make_meeting: Any, personas: Any) -> None:
    with pytest.raises(ValidationError, match="cannot organise"):
        make_meeting(organiser=personas["coordinator"])


def test_a_coordinator_cannot_plan(make_meeting: Any, personas: Any) -> None:
    with pytest.raises(PermissionDenied):
        make_meeting(actor=personas["coordinator"])


def test_a_stale_edit_of_the_meeting_is_refused(meeting: Any, head: Any) -> None:
    services.meeting_update(actor=head, meeting=meeting, version=1, kind="council",
                            title="新标题", starts_at=meeting.starts_at, organiser=head)
    with pytest.raises(Conflict):
        services.meeting_update(actor=head, meeting=meeting, version=1, kind="council",
                                title="旧标题", starts_at=meeting.starts_at, organiser=head)
    meeting.refresh_from_db()
    assert meeting.title == "新标题"


def test_an_outsider_cannot_touch_a_meeting_of_another_grid(meeting: Any,
                                                            personas: Any) -> None:
    with pytest.raises(Http404):
        services.agenda_add(actor=personas["outsider"], meeting=meeting, title="x")


def test_an_agenda_item_with_a_decision_stays(meeting: Any, invited: Any, head: Any) -> None:
    item = meeting.agenda.first()
    services.attendance_mark(actor=head, meeting=meeting, participant=invited[0],
                             attendance="present")
    services.attendance_mark(actor=head, meeting=meeting, participant=invited[1],
                             attendance="present")
    decisions.decision_add(actor=head, meeting=meeting, text="装路灯", owner=head,
                           due=timezone.localdate(), agenda_item=item)
    with pytest.raises(ValidationError, match="stays"):
        services.agenda_remove(actor=head, item=item)


# --- invitations and the roll ------------------------------------------------------------

def test_a_resident_out_of_scope_is_refused_by_name(meeting: Any, household_b: Any,
                                                    personas: Any) -> None:
    with pytest.raises(ValidationError, match="马忠华"):
        services.participant_add(actor=personas["gridworker"], meeting=meeting,
                                 kind="resident", person=household_b.head)
    assert not Participant.objects.filter(person=household_b.head).exists()


def test_a_walk_in_out_of_scope_is_refused_by_name(meeting: Any, household_b: Any,
                                                   personas: Any) -> None:
    with pytest.raises(ValidationError, match="马忠华"):
        services.walk_in(actor=personas["gridworker"], meeting=meeting,
                         person=household_b.head)


def test_a_resident_is_invited_once(meeting: Any, invited: Any, head: Any) -> None:
    with pytest.raises(ValidationError, match="already"):
        services.participant_add(actor=head, meeting=meeting, kind="resident",
                                 person=invited[0].person)


def test_a_guest_needs_a_name(meeting: Any, head: Any) -> None:
    with pytest.raises(ValidationError, match="name"):
        services.participant_add(actor=head, meeting=meeting, kind="guest", name="  ")


def test_marking_present_twice_is_harmless(meeting: Any, invited: Any, head: Any) -> None:
    p = invited[0]
    services.attendance_mark(actor=head, meeting=meeting, participant=p, attendance="present")
    before = AuditEntry.objects.count()
    services.attendance_mark(actor=head, meeting=meeting, participant=p, attendance="present")
    p.refresh_from_db()
    meeting.refresh_from_db()
    assert p.attendance == Attendance.PRESENT
    assert AuditEntry.objects.count() == before
    assert meeting.status == MeetingStatus.HELD


def test_a_walk_in_resident_already_invited_is_marked_not_added(meeting: Any, invited: Any,
                                                                 head: Any) -> None:
    again = services.walk_in(actor=head, meeting=meeting, person=invited[0].person)
    assert again.pk == invited[0].pk and again.invited
    assert meeting.participants.count() == 3


def test_a_guest_walking_in_twice_is_one_guest(meeting: Any, head: Any) -> None:
    services.walk_in(actor=head, meeting=meeting, name="李律师")
    services.walk_in(actor=head, meeting=meeting, name="李律师")
    guests = meeting.participants.filter(kind="guest")
    assert guests.count() == 1 and guests.get().attendance == Attendance.PRESENT
    assert not guests.get().invited


def test_a_cancelled_meeting_takes_no_roll(meeting: Any, invited: Any, head: Any) -> None:
    services.meeting_update(actor=head, meeting=meeting, version=None, kind="council",
                            title=meeting.title, starts_at=meeting.starts_at, organiser=head,
                            status="cancelled")
    with pytest.raises(ValidationError, match="cancelled"):
        services.attendance_mark(actor=head, meeting=meeting, participant=invited[0],
                                 attendance="present")


def test_the_quorum_is_more_than_half_of_the_residents_invited(meeting: Any, invited: Any,
                                                               head: Any) -> None:
    assert quorum_of(meeting).needed == 2 and not quorum_of(meeting).reached
    services.attendance_mark(actor=head, meeting=meeting, participant=invited[0],
                             attendance="present")
    assert not quorum_of(meeting).reached
    services.walk_in(actor=head, meeting=meeting, name="客人")  # guests do not count
    assert not quorum_of(meeting).reached
    services.attendance_mark(actor=head, meeting=meeting, participant=invited[1],
                             attendance="present")
    q = quorum_of(meeting)
    assert q.reached and q.present == 2 and q == quorum_of(meeting, meeting.participants.all())


def test_a_roundtable_has_no_quorum(make_meeting: Any) -> None:
    assert quorum_of(make_meeting(kind="roundtable")).needed is None


# --- minutes ---------------------------------------------------------------------------

def test_minutes_go_draft_circulated_approved(meeting: Any, head: Any) -> None:
    v1 = services.minutes_save(actor=head, meeting=meeting, text="纪要一", loaded=0)
    assert v1.number == 1 and v1.state == MinutesState.DRAFT
    with pytest.raises(ValidationError, match="cannot be"):
        services.minutes_approve(actor=head, minutes=v1)
    services.minutes_circulate(actor=head, minutes=v1)
    approved = services.minutes_approve(actor=head, minutes=v1)
    assert approved.state == MinutesState.APPROVED and approved.approved_by == head


def test_approval_needs_the_permission(meeting: Any, head: Any, personas: Any) -> None:
    v1 = services.minutes_save(actor=head, meeting=meeting, text="纪要一", loaded=0)
    services.minutes_circulate(actor=head, minutes=v1)
    with pytest.raises(PermissionDenied):
        services.minutes_approve(actor=personas["caseworker"], minutes=v1)


def test_editing_after_circulation_makes_a_new_draft(meeting: Any, head: Any) -> None:
    v1 = services.minutes_save(actor=head, meeting=meeting, text="纪要一", loaded=0)
    services.minutes_circulate(actor=head, minutes=v1)
    v2 = services.minutes_save(actor=head, meeting=meeting, text="纪要二", loaded=1)
    assert v2.number == 2 and v2.state == MinutesState.DRAFT
    v1.refresh_from_db()
    assert v1.state == MinutesState.CIRCULATED and v1.text == "纪要一"
    with pytest.raises(ValidationError, match="no longer the newest"):
        services.minutes_approve(actor=head, minutes=v1)


def test_a_stale_minutes_save_is_refused_and_nothing_is_written(meeting: Any, head: Any,
                                                                personas: Any) -> None:
    services.minutes_save(actor=head, meeting=meeting, text="纪要一", loaded=0)
    services.minutes_save(actor=personas["caseworker"], meeting=meeting, text="纪要二",
                          loaded=1)
    with pytest.raises(Conflict, match="version 2"):
        services.minutes_save(actor=head, meeting=meeting, text="我的版本", loaded=1)
    assert list(MinutesVersion.objects.values_list("number", flat=True)) == [2, 1]


def test_empty_minutes_are_refused(meeting: Any, head: Any) -> None:
    with pytest.raises(ValidationError, match="Write the minutes"):
        services.minutes_save(actor=head, meeting=meeting, text="   ", loaded=0)


# --- decisions ------------------------------------------------------------------------

@pytest.fixture
def quorate(meeting: Any, invited: Any, head: Any) -> Any:
    for p in invited[:2]:
        services.attendance_mark(actor=head, meeting=meeting, participant=p,
                                 attendance="present")
    return meeting


def test_no_decision_without_the_quorum(meeting: Any, invited: Any, head: Any) -> None:
    with pytest.raises(ValidationError, match="No quorum"):
        decisions.decision_add(actor=head, meeting=meeting, text="装路灯", owner=head,
                               due=timezone.localdate())


def test_a_decision_opens_a_desk_request(quorate: Any, head: Any, personas: Any,
                                         school_item: Any) -> None:
    d = decisions.decision_add(actor=head, meeting=quorate, text="协调入学", owner=head,
                               due=timezone.localdate() + timedelta(days=20),
                               new_case_item=school_item)
    assert d.case is not None and d.case.channel == "meeting" and d.case.owner == head
    assert list(Case.objects.get(pk=d.case.pk).decisions.all()) == [d]


def test_a_decision_starts_a_project(quorate: Any, head: Any) -> None:
    due = timezone.localdate() + timedelta(days=60)
    d = decisions.decision_add(actor=head, meeting=quorate, text="改造停车场", owner=head,
                               due=due, new_project_category="parking")
    project = Project.objects.get(pk=d.project_id)
    assert project.source == "decision" and project.ends_on == due
    assert list(project.grids.all()) == [quorate.grid]
    assert list(project.decisions.all()) == [d]


def test_a_decision_cannot_point_at_a_case_the_user_cannot_see(
        quorate: Any, head: Any, personas: Any, make_case: Any, household_b: Any) -> None:
    hidden = make_case(person=household_b.head)
    gw = personas["gridworker"]
    with pytest.raises(ValidationError, match=hidden.ref):
        decisions.decision_add(actor=gw, meeting=quorate, text="x", owner=gw,
                               due=timezone.localdate(), case=hidden)
    assert not Decision.objects.exists()


def test_a_decision_has_one_carrier(quorate: Any, head: Any, case: Any,
                                    school_item: Any) -> None:
    with pytest.raises(ValidationError, match="one thing"):
        decisions.decision_add(actor=head, meeting=quorate, text="x", owner=head,
                               due=timezone.localdate(), case=case,
                               new_case_item=school_item)


def test_a_decision_is_not_due_before_the_meeting(quorate: Any, head: Any) -> None:
    with pytest.raises(ValidationError, match="before the meeting"):
        decisions.decision_add(actor=head, meeting=quorate, text="x", owner=head,
                               due=timezone.localdate() - timedelta(days=30))


def test_a_decision_owner_is_a_colleague(quorate: Any, head: Any, personas: Any) -> None:
    with pytest.raises(ValidationError, match="cannot answer"):
        decisions.decision_add(actor=head, meeting=quorate, text="x",
                               owner=personas["admin"], due=timezone.localdate())


def test_a_decision_is_done_then_reopened(quorate: Any, head: Any) -> None:
    d = decisions.decision_add(actor=head, meeting=quorate, text="x", owner=head,
                               due=timezone.localdate())
    decisions.decision_set_status(actor=head, decision=d, status="done", version=1)
    assert d.done_on == timezone.localdate()
    with pytest.raises(ValidationError, match="already"):
        decisions.decision_set_status(actor=head, decision=d, status="done", version=2)
    with pytest.raises(Conflict):
        decisions.decision_set_status(actor=head, decision=d, status="open", version=1)
    decisions.decision_set_status(actor=head, decision=d, status="open", version=2)
    d.refresh_from_db()
    assert d.status == "open" and d.done_on is None
