"""Who sees which meetings, suggestions and projects: one rule for the three.

A meeting or a suggestion of a grid is seen by the accounts whose scope holds
that grid; one of the whole community (no grid) by every account of the
community; a district-wide account sees all. A project spans grids: it is seen
by the accounts whose scope holds any of them, and one with no grid (the whole
community's) by every account of the community — the same rule, so a grid
worker's wall chart shows their grids' projects and the community's own.
"""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, Q, QuerySet

from jiayuan.core import scope
from jiayuan.core.models import User
from jiayuan.core.scope import ALL, grid_ids

M = TypeVar("M", bound=Model)


# The rule for rows of one grid (or none), shared with the other apps.
community_ids = scope.community_ids
by_grid = scope.by_grid_or_community


def by_grids(qs: QuerySet[M], actor: User, through: type[Model]) -> QuerySet[M]:
    """`qs` (with a `grids` many-to-many, `through` its table) cut to the
    actor's scope: a row with any grid in scope, or with none of the actor's
    community. Subqueries, not joins: no duplicate rows, no DISTINCT."""
    ids = grid_ids(actor)
    if ids is ALL:
        return qs
    tagged = through._default_manager.values("project_id")
    visible = Q(pk__in=tagged.filter(grid_id__in=ids))
    if actor.community_id:
        visible |= Q(community_id=actor.community_id) & ~Q(pk__in=tagged)
    return qs.filter(visible)


def by_community(qs: QuerySet[M], actor: User) -> QuerySet[M]:
    """`qs` (with `community`) cut to the actor's communities."""
    ids = community_ids(actor)
    return qs if ids is None else qs.filter(community_id__in=ids)
