"""Places by name, as the reader's scope names them: one wording for the
dashboard's heading and picker, the records behind a figure, the report's
heading and its files.

The places app is reached through core's scope (the grids a reader may
see) and, for a community, through the app registry: this app imports no
domain app."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.utils.translation import gettext as _

from jiayuan.core import metrics, scope
from jiayuan.core.metrics import Place, PlaceKind
from jiayuan.core.models import User


def grid_label(grid: Any, *, community: bool = True) -> str:
    """"邹家角社区 · 网格 G1 · 第一网格": grid names repeat from one community
    to the next; `community=False` where the community is said already."""
    label = _("Grid %(code)s · %(name)s") % {"code": grid.code, "name": grid.name}
    return f"{grid.community.name} · {label}" if community else label


def community_label(community: Any) -> str:
    """A community by its own name (邹家角社区): it says what it is."""
    return str(community.name)


def scope_grids(user: User) -> list[Any]:
    """The grids of the reader's scope, with their communities (the picker's list)."""
    return list(scope.grids_for(user).select_related("community"))


def scope_label(user: User, grids: list[Any] | None = None) -> str:
    """The reader's whole area: the whole district, the account's own grids
    or its community. `grids`: the reader's grids, if already loaded."""
    if scope.grid_ids(user) is scope.ALL:
        return _("The whole district")
    if not user.grids.exists() and user.community_id:
        return community_label(user.community)
    grids = scope_grids(user) if grids is None else grids
    return _("My grids: %(codes)s") % {"codes": ", ".join(g.code for g in grids)}


def place_label(user: User, place: Place, grids: list[Any] | None = None) -> str:
    """The place by name: the reader's whole area, a community or a grid (one
    gone since: its kind and number, `place_number`)."""
    if place.kind == PlaceKind.DISTRICT:
        return scope_label(user, grids)
    if place.kind == PlaceKind.GRID:
        grid = (next((g for g in grids if g.pk == place.id), None) if grids is not None else
                scope.grids_for(user).select_related("community").filter(pk=place.id).first())
        return grid_label(grid) if grid is not None else place_number(place)
    community = apps.get_model("places", "Community").objects.filter(pk=place.id).first()
    return community_label(community) if community is not None else place_number(place)


def place_number(place: Place) -> str:
    """The place without its name: the whole area, "grid no. 5"."""
    if place.kind == PlaceKind.DISTRICT:
        return _("All my area")
    return _("%(place)s no. %(id)s") % {"place": metrics.PLACE_LABELS[place.kind],
                                        "id": place.id}
