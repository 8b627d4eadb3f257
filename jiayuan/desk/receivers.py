"""Desk's receivers of registry events (connected in DeskConfig.ready)."""

from __future__ import annotations

from typing import Any

from jiayuan.desk.models import Case
from jiayuan.registry.models import Household


def household_moved(sender: Any, *, household: Household, old_grid_id: int,
                    new_grid_id: int, **kwargs: Any) -> None:
    """The household's service-desk cases follow it, so the new grid's workers see them."""
    Case.objects.filter(household=household).update(grid_id=new_grid_id)
