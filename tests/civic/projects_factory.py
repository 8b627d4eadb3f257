"""Projects for the projects part's tests, made through the services."""

from __future__ import annotations

from datetime import date
from typing import Any

from jiayuan.civic.projects import services
from jiayuan.civic.projects.models import Milestone, Project

DAY = date(2031, 3, 10)  # the tests' today: a Monday, mid-year


def make_project(actor: Any, community: Any, *, title: str = "楼道照明改造",
                 starts_on: date = date(2031, 1, 1), ends_on: date = date(2031, 6, 30),
                 grids: Any = (), owner: Any = None, parent: Project | None = None,
                 category: str = "lighting", **kw: Any) -> Project:
    return services.project_create(actor=actor, community=community, title=title,
                                   category=category, source="plan", owner=owner or actor,
                                   starts_on=starts_on, ends_on=ends_on, grids=grids,
                                   parent=parent, **kw)


def milestone(project: Project, planned_on: date, done_on: date | None = None,
              title: str = "节点") -> Milestone:
    return Milestone.objects.create(project=project, title=title, planned_on=planned_on,
                                    done_on=done_on)
