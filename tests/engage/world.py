"""Participation's objects in the authorization matrix's world (tests/world.py):
each part adds its own to every set (own, colleague, grid_b, elsewhere).

`ctx` holds the set's: tag, grid, owner (the set's owner), head (the head of
the set's community), person, household, case, referral, department."""

from __future__ import annotations

from typing import Any

from tests.engage.world_activities import activities_objects
from tests.engage.world_cards import cards_objects
from tests.engage.world_column import column_objects
from tests.engage.world_volunteers import volunteers_objects


def engage_objects(ctx: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    out.update(volunteers_objects(ctx, out))
    out.update(activities_objects(ctx, out))
    out.update(column_objects(ctx, out))
    out.update(cards_objects(ctx, out))
    return out
