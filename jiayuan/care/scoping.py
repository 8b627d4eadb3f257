"""Checks every care service makes on what it is given."""

from __future__ import annotations

from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from jiayuan.core.models import User
from jiayuan.core.scope import in_scope
from jiayuan.places.models import Grid

M = TypeVar("M", bound=Model)


def check_scope(actor: User, grid_id: int | None, what: str) -> None:
    if grid_id is None or not in_scope(actor, grid_id):
        # Same words whether it exists elsewhere or not at all.
        raise ValidationError(_("%(what)s is not in your grids.") % {"what": what})


def community_of(grid_id: int) -> int:
    return Grid.objects.values_list("community_id", flat=True).get(pk=grid_id)


def require_visible(scoped: QuerySet[M], obj: M) -> M:
    """Refuse an object the actor cannot see, as the pages do: `scoped` is the
    actor's selector (`disputes_for(actor)`, `pairings_for(actor)`,
    `visits_for(actor)`), so a service applies the very scope rule of the
    views, and an object outside it is "not found" (404), never "forbidden"."""
    if obj.pk is None or not scoped.filter(pk=obj.pk).exists():
        raise Http404
    return obj
