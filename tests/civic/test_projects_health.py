"""The wall chart's colour (jiayuan.civic.projects.health) at its boundary
dates: every rule, the day before, on and after."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from jiayuan.civic.choices import Health
from jiayuan.civic.projects.health import expected_progress, health
from jiayuan.civic.projects.models import Project
from tests.civic.projects_factory import DAY, make_project, milestone

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(head, community) -> Project:
    # 2031-01-01 … 2031-06-30, progress set per test.
    return make_project(head, community)


def colour(project: Project, today: date) -> Health:
    project = Project.objects.prefetch_related("milestones", "children__milestones").get(
        pk=project.pk)
    return health(project, today)


def test_it_is_done_when_the_project_is_done(project):
    Project.objects.filter(pk=project.pk).update(status="done", done_on=DAY)
    milestone(project, DAY - timedelta(days=30))  # unreached, but the project is done
    assert colour(project, DAY) == Health.DONE


def test_a_milestone_due_today_is_not_yet_late(project):
    milestone(project, DAY)
    Project.objects.filter(pk=project.pk).update(progress=100)
    assert colour(project, DAY) == Health.ON_TRACK


def test_a_milestone_unreached_the_day_after_its_date_is_late(project):
    milestone(project, DAY - timedelta(days=1))
    Project.objects.filter(pk=project.pk).update(progress=100)
    assert colour(project, DAY) == Health.LATE


def test_the_planned_end_passed_unfinished_is_late(head, community):
    p = make_project(head, community, ends_on=DAY - timedelta(days=1))
    Project.objects.filter(pk=p.pk).update(progress=99)
    assert colour(p, DAY) == Health.LATE


def test_the_planned_end_today_is_not_yet_late(head, community):
    p = make_project(head, community, ends_on=DAY)
    Project.objects.filter(pk=p.pk).update(progress=100)
    assert colour(p, DAY) == Health.ON_TRACK


def test_a_milestone_reached_a_day_late_puts_it_at_risk(project):
    milestone(project, DAY - timedelta(days=10), done_on=DAY - timedelta(days=9))
    Project.objects.filter(pk=project.pk).update(progress=100)
    assert colour(project, DAY) == Health.AT_RISK


def test_a_milestone_reached_on_its_day_is_on_track(project):
    milestone(project, DAY - timedelta(days=10), done_on=DAY - timedelta(days=10))
    Project.objects.filter(pk=project.pk).update(progress=100)
    assert colour(project, DAY) == Health.ON_TRACK


def test_behind_schedule_with_a_milestone_due_in_seven_days_is_at_risk(project):
    milestone(project, DAY + timedelta(days=7))
    expected = expected_progress(project, DAY)
    Project.objects.filter(pk=project.pk).update(progress=expected - 1)
    assert colour(project, DAY) == Health.AT_RISK


def test_behind_schedule_with_the_next_milestone_eight_days_off_is_on_track(project):
    milestone(project, DAY + timedelta(days=8))
    Project.objects.filter(pk=project.pk).update(progress=0)
    assert colour(project, DAY) == Health.ON_TRACK


def test_on_schedule_with_a_milestone_due_tomorrow_is_on_track(project):
    milestone(project, DAY + timedelta(days=1))
    expected = expected_progress(project, DAY)
    Project.objects.filter(pk=project.pk).update(progress=expected)
    assert colour(project, DAY) == Health.ON_TRACK


def test_without_milestones_the_planned_end_is_the_next_date_due(head, community):
    p = make_project(head, community, starts_on=DAY - timedelta(days=93),
                     ends_on=DAY + timedelta(days=7))
    Project.objects.filter(pk=p.pk).update(progress=50)
    assert colour(p, DAY) == Health.AT_RISK
    Project.objects.filter(pk=p.pk).update(progress=95)
    assert colour(p, DAY) == Health.ON_TRACK


def test_expected_progress_at_its_ends(project):
    assert expected_progress(project, project.starts_on - timedelta(days=1)) == 0
    assert expected_progress(project, project.starts_on) == 0
    assert expected_progress(project, project.ends_on) == 100
    assert expected_progress(project, project.ends_on + timedelta(days=1)) == 100


def test_a_parent_is_as_late_as_its_worst_open_sub_project(head, community, project):
    Project.objects.filter(pk=project.pk).update(progress=100)
    child = make_project(head, community, title="子项目", parent=project)
    milestone(child, DAY - timedelta(days=1))
    assert colour(project, DAY) == Health.LATE
    Project.objects.filter(pk=child.pk).update(status="cancelled")
    assert colour(project, DAY) == Health.ON_TRACK


def test_a_cancelled_project_counts_as_closed(project):
    milestone(project, DAY - timedelta(days=1))
    Project.objects.filter(pk=project.pk).update(status="cancelled")
    assert colour(project, DAY) == Health.DONE
