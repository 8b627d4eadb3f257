"""Writes that race (PostgreSQL): a merge checks its target again once both
rows are locked, a station's statuses change one at a time, a meeting's list
is added to with the meeting locked, and a sub-project's status move locks
its parent first (parent before child)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from jiayuan.civic.choices import Stage
from jiayuan.civic.meetings import services as meetings
from jiayuan.civic.meetings.models import Meeting
from jiayuan.civic.projects import services as projects
from jiayuan.civic.projects.models import Project
from jiayuan.civic.suggestions import services, services_statuses
from jiayuan.civic.suggestions.models import Suggestion
from jiayuan.core import locks
from jiayuan.places.models import Community, Grid
from tests.civic.projects_factory import make_project
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
