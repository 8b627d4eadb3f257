"""Which grids an account may see. Every selector of residents' data asks here."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from jiayuan.core.roles import Perm

ALL = None  # sentinel: unrestricted (district-wide account)


def grid_ids(user: Any) -> frozenset[int] | None:
    """The grid ids in the user's scope, or None for every grid.

    A set of grids on the account wins; otherwise the account's whole community;
    an account with neither is district-wide. Cached on the user object for the
    request.
    """
    cached = getattr(user, "_scope_grid_ids", False)
    if cached is not False:
        return cached
    from jiayuan.places.models import Grid

    ids = frozenset(user.grids.values_list("id", flat=True))
    if not ids and user.community_id:
        ids = frozenset(Grid.objects.filter(community_id=user.community_id)
                        .values_list("id", flat=True))
        result: frozenset[int] | None = ids
    elif ids:
        result = ids
    else:
        result = ALL
    user._scope_grid_ids = result
    return result


def filter_by_grid(qs: QuerySet, user: Any, field: str = "grid") -> QuerySet:
    """Restrict `qs` to the user's scope through its `field` (a FK to Grid).

    Users without registry access get nothing at all.
    """
    if not user.is_authenticated or not user.has(Perm.VIEW_REGISTRY):
        return qs.none()
    ids = grid_ids(user)
    if ids is ALL:
        return qs
    return qs.filter(Q(**{f"{field}__in": ids}))


def grids_for(user: Any) -> QuerySet:
    """The grids in the user's scope, by code (for filters and choices)."""
    from jiayuan.places.models import Grid

    return filter_by_grid(Grid.objects.all(), user, field="id").order_by("code")


def in_scope(user: Any, grid_id: int | None) -> bool:
    ids = grid_ids(user)
    return ids is ALL or (grid_id is not None and grid_id in ids)
