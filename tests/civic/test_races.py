"""Writes that race (PostgreSQL): a merge checks its target again once both
rows are locked, a station's statuses change one at a time, a meeting's list
is added to, taken from and decided on with the meeting locked (the checks
after the lock), a sub-project's status move locks its parent first (parent
before child), and a milestone is re-planned with its project locked."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from jiayuan.civic.choices import Attendance, Stage
from jiayuan.civic.meetings import services as meetings
from jiayuan.civic.meetings import services_decisions as decisions
from jiayuan.civic.meetings.models import AgendaItem, Decision, Meeting, Participant
from jiayuan.civic.projects import services as projects
from jiayuan.civic.projects import services_progress as progress
from jiayuan.civic.projects.models import Milestone, Project
from jiayuan.civic.suggestions import services, services_statuses
from jiayuan.civic.suggestions.models import Suggestion
from jiayuan.core import locks
from jiayuan.places.models import Community, Grid
from tests.civic.projects_factory import make_project, milestone
from tests.civic.test_suggestions_services import _new
from tests.civic.world_meetings import past
from tests.journeys.conftest import restore_seed_data
from tests.locking import needs_postgres, waits_for

pytestmark = [needs_postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _seed_data(transactional_db: None) -> None:
    """An earlier transactional test on this worker flushed the database, and
    with it the default statuses the migrations wrote (a new suggestion needs one)."""
    restore_seed_data()


def test_a_merge_into_a_suggestion_merged_meanwhile_is_refused(personas: Any,
                                                              grid_a: Grid) -> None:
    head = personas["head"]
    target, duplicate, elsewhere = (_new(head, grid_a) for _ in range(3))
    outcome = waits_for(
        lambda: Suggestion.objects.select_for_update(no_key=True).get(pk=target.pk),
        lambda: services.suggestion_merge(actor=head, suggestion=duplicate, into=target,
                                          public_reason="重复"),
        # Another merge of the target commits while this one waits for it.
        then=lambda: Suggestion.objects.filter(pk=target.pk).update(merged_into=elsewhere))
    assert outcome.waited
    assert isinstance(outcome.error, ValidationError), outcome.error
    assert "into" in outcome.error.message_dict
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None


def test_a_stations_statuses_change_one_at_a_time(personas: Any,
                                                   community: Community) -> None:
    name = locks.per_community(locks.SUGGESTION_STATUSES, community.pk)
    outcome = waits_for(lambda: locks.hold(name), lambda: services_statuses.status_add(
        actor=personas["head"], community=community, stage=Stage.DISCUSSING,
        name_zh_hans="提交议事会"))
    assert outcome.error is None, outcome.error
    assert outcome.waited


def test_a_meetings_list_is_added_to_with_the_meeting_locked(personas: Any,
                                                             grid_a: Grid) -> None:
    head = personas["head"]
    meeting = meetings.meeting_create(actor=head, kind="council", grid=grid_a,
                                      title="楼道停车议事会", starts_at=past(), organiser=head)
    outcome = waits_for(
        lambda: Meeting.objects.select_for_update(no_key=True).get(pk=meeting.pk),
        lambda: meetings.participant_add(actor=head, meeting=meeting, kind="guest",
                                         name="王师傅"))
    assert outcome.error is None, outcome.error
    assert outcome.waited


def test_a_sub_projects_status_move_locks_its_parent_first(personas: Any,
                                                           community: Community) -> None:
    head = personas["head"]
    parent = make_project(head, community)
    child = make_project(head, community, title="三号楼", parent=parent)
    outcome = waits_for(
        lambda: Project.objects.select_for_update(no_key=True).get(pk=parent.pk),
        lambda: projects.project_set_status(actor=head, project=child, status="active",
                                            version=child.version))
    assert outcome.error is None, outcome.error
    assert outcome.waited
    child.refresh_from_db()
    assert child.status == "active"


def _council(head: Any, grid_a: Grid, household: Any, present: int) -> tuple[Meeting, list[Any]]:
    """A council with the household's three members invited, `present` of them marked."""
    meeting = meetings.meeting_create(actor=head, kind="council", grid=grid_a,
                                      title="楼道停车议事会", starts_at=past(), organiser=head,
                                      agenda=["停车"])
    invited = [meetings.participant_add(actor=head, meeting=meeting, kind="resident", person=p)
               for p in household.members.order_by("pk")]
    for p in invited[:present]:
        meetings.attendance_mark(actor=head, meeting=meeting, participant=p,
                                 attendance=Attendance.PRESENT)
    return meeting, invited


def _locked(meeting: Meeting) -> Any:
    return lambda: Meeting.objects.select_for_update(no_key=True).get(pk=meeting.pk)


def test_a_decision_counts_the_quorum_once_it_holds_the_meeting(personas: Any, grid_a: Grid,
                                                                household: Any) -> None:
    head = personas["head"]
    meeting, invited = _council(head, grid_a, household, present=2)
    outcome = waits_for(
        _locked(meeting),
        lambda: decisions.decision_add(actor=head, meeting=meeting, text="装路灯", owner=head,
                                       due=timezone.localdate() + timedelta(days=30)),
        # One of the two present is marked absent while the decision waits.
        then=lambda: Participant.objects.filter(pk=invited[0].pk).update(
            attendance=Attendance.ABSENT))
    assert outcome.waited
    assert isinstance(outcome.error, ValidationError), outcome.error
    assert not Decision.objects.filter(meeting=meeting).exists()


def test_an_agenda_item_decided_on_meanwhile_is_not_removed(personas: Any, grid_a: Grid,
                                                            household: Any) -> None:
    head = personas["head"]
    meeting, _invited = _council(head, grid_a, household, present=2)
    item = meeting.agenda.get()
    outcome = waits_for(
        _locked(meeting), lambda: meetings.agenda_remove(actor=head, item=item),
        then=lambda: Decision.objects.create(meeting=meeting, number=1, agenda_item=item,
                                             text="装路灯", owner=head, created_by=head,
                                             due=timezone.localdate(),
                                             created_at=timezone.now()))
    assert outcome.waited
    assert isinstance(outcome.error, ValidationError), outcome.error
    assert AgendaItem.objects.filter(pk=item.pk).exists()


def test_a_participant_marked_present_meanwhile_is_not_removed(personas: Any, grid_a: Grid,
                                                               household: Any) -> None:
    head = personas["head"]
    meeting, invited = _council(head, grid_a, household, present=0)
    outcome = waits_for(
        _locked(meeting), lambda: meetings.participant_remove(actor=head,
                                                              participant=invited[0]),
        then=lambda: Participant.objects.filter(pk=invited[0].pk).update(
            attendance=Attendance.PRESENT))
    assert outcome.waited
    assert isinstance(outcome.error, ValidationError), outcome.error
    assert Participant.objects.filter(pk=invited[0].pk).exists()


def test_a_milestone_is_replanned_against_the_plan_as_it_is_now(personas: Any,
                                                                community: Community) -> None:
    head = personas["head"]
    project = make_project(head, community)  # 2031-01-01 to 2031-06-30
    step = milestone(project, date(2031, 5, 1))
    outcome = waits_for(
        lambda: Project.objects.select_for_update(no_key=True).get(pk=project.pk),
        lambda: progress.milestone_update(actor=head, milestone=step,
                                          planned_on=date(2031, 6, 20)),
        # The project's end is brought forward while the re-plan waits.
        then=lambda: Project.objects.filter(pk=project.pk).update(ends_on=date(2031, 6, 10)))
    assert outcome.waited
    assert isinstance(outcome.error, ValidationError), outcome.error
    assert "planned_on" in outcome.error.message_dict
    assert Milestone.objects.get(pk=step.pk).planned_on == date(2031, 5, 1)
