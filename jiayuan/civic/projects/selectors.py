"""Reading projects: the scope rule of jiayuan.civic.scoping.by_grids."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from jiayuan.civic.projects.models import Project
from jiayuan.civic.scoping import by_grids
from jiayuan.core.access import Perms, get_for
from jiayuan.core.models import User
from jiayuan.core.roles import Perm


def projects_for(actor: User) -> QuerySet[Project]:
    if not (actor.is_authenticated and actor.has(Perm.VIEW_CIVIC)):
        return Project.objects.none()
    return by_grids(Project.objects.all(), actor, Project.grids.through)


def get_project_for(actor: User, pk: Any, *, perm: Perms = Perm.VIEW_CIVIC) -> Project:
    return get_for(actor, perm, projects_for(actor).select_related(
        "community", "owner", "parent", "department"), pk)
