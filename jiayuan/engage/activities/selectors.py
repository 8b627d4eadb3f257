"""Reading activities (scope: core.scope.by_grid_or_community)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from jiayuan.core.access import Perms, get_for
from jiayuan.core.models import User
from jiayuan.core.roles import Perm
from jiayuan.core.scope import by_grid_or_community
from jiayuan.engage.activities.models import Activity


def activities_for(actor: User) -> QuerySet[Activity]:
    if not (actor.is_authenticated and actor.has(Perm.VIEW_ENGAGE)):
        return Activity.objects.none()
    return by_grid_or_community(Activity.objects.all(), actor)


def get_activity_for(actor: User, pk: Any, *, perm: Perms = Perm.VIEW_ENGAGE) -> Activity:
    return get_for(actor, perm, activities_for(actor).select_related(
        "community", "grid", "organiser"), pk)
