"""Which grids an account may see. Every selector of residents' data asks here.

core sits below places (places imports core, never the reverse; `make lint`
checks it): the Grid model is reached through the account's `grids` relation,
which names it by string ("places.Grid"), instead of being imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.db.models import Q, QuerySet

from jiayuan.core.roles import Perm

if TYPE_CHECKING:
    from jiayuan.core.models import User

ALL = None  # sentinel: unrestricted (district-wide account)
_CACHE_KEY = "_scope_grid_ids"  # on the user object, for the request


def grid_ids(user: User) -> frozenset[int] | None:
    """The grid ids in the user's scope, or None for every grid.

    A set of grids on the account wins; otherwise the account's whole community;
    an account with neither is district-wide. Cached on the user object for the
    request.
    """
    cache = vars(user)
    if _CACHE_KEY in cache:
        return cast("frozenset[int] | None", cache[_CACHE_KEY])
    ids = frozenset(user.grids.values_list("id", flat=True))
    if not ids and user.community_id:
        ids = frozenset(user.grids.model.objects.filter(community_id=user.community_id)
                        .values_list("id", flat=True))
        result: frozenset[int] | None = ids
    elif ids:
        result = ids
    else:
        result = ALL
    cache[_CACHE_KEY] = result
    return result


def filter_by_grid(qs: QuerySet[Any], user: User, field: str = "grid") -> QuerySet[Any]:
    """Restrict `qs` to the user's scope through its `field` (a FK to Grid).

    Users without registry access get nothing at all.
    """
    if not user.is_authenticated or not user.has(Perm.VIEW_REGISTRY):
        return qs.none()
    ids = grid_ids(user)
    if ids is ALL:
        return qs
    return qs.filter(Q(**{f"{field}__in": ids}))


def grids_for(user: User) -> QuerySet[Any]:
    """The grids in the user's scope, by code (for filters and choices)."""
    return filter_by_grid(user.grids.model.objects.all(), user, field="id").order_by("code")


def in_scope(user: User, grid_id: int | None) -> bool:
    ids = grid_ids(user)
    return ids is ALL or (grid_id is not None and grid_id in ids)


def by_grid_or_community(qs: QuerySet[Any], user: User) -> QuerySet[Any]:
    """`qs` (rows with a nullable `grid` and a `community`) cut to the user's
    scope: a row of a grid in scope, or one of no grid (the whole community's)
    of the user's community. A district-wide account sees all."""
    ids = grid_ids(user)
    if ids is ALL:
        return qs
    visible = Q(grid_id__in=ids)
    if user.community_id:
        visible |= Q(grid__isnull=True, community_id=user.community_id)
    return qs.filter(visible)


def community_ids(user: User) -> frozenset[int] | None:
    """The communities of the grids in the user's scope, and the user's own
    (None: every community)."""
    ids = grid_ids(user)
    if ids is ALL:
        return None
    found = set(user.grids.model.objects.filter(pk__in=ids)
                .values_list("community_id", flat=True))
    if user.community_id:
        found.add(user.community_id)
    return frozenset(found)
