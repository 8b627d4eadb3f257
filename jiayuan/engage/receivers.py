"""Participation's receivers of registry events (connected in EngageConfig.ready)."""

from __future__ import annotations

from typing import Any

from jiayuan.engage.activities.models import SignUp
from jiayuan.engage.volunteers.models import LiaisonArea, Volunteer
from jiayuan.places.models import Grid
from jiayuan.registry.models import Household


def household_moved(sender: Any, *, household: Household, old_grid_id: int,
                    new_grid_id: int, **kwargs: Any) -> None:
    """A moved household's volunteers (with their community), its members'
    sign-ups and the liaison areas that are the household itself follow it,
    so the new grid's staff see them. A sign-up that is not a registered
    resident's keeps its activity's grid; a liaison area that is a building
    stays where the building is."""
    community_id = Grid.objects.filter(pk=new_grid_id).values_list(
        "community_id", flat=True).get()
    Volunteer.objects.filter(person__household=household).update(
        grid_id=new_grid_id, community_id=community_id)
    SignUp.objects.filter(person__household=household).update(grid_id=new_grid_id)
    LiaisonArea.objects.filter(household=household).update(grid_id=new_grid_id)
