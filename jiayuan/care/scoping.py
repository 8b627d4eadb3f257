"""Checks every care service makes on what it is given."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from jiayuan.core.models import User
from jiayuan.core.scope import in_scope
from jiayuan.places.models import Grid


def check_scope(actor: User, grid_id: int | None, what: str) -> None:
    if grid_id is None or not in_scope(actor, grid_id):
        # Same words whether it exists elsewhere or not at all.
        raise ValidationError(_("%(what)s is not in your grids.") % {"what": what})


def community_of(grid_id: int) -> int:
    return Grid.objects.values_list("community_id", flat=True).get(pk=grid_id)
