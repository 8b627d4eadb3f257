"""Care's receivers of registry events (connected in CareConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from jiayuan.care.duties import grid_workers
from jiayuan.care.models import Duty, Pairing, Visit
from jiayuan.registry.models import Household


def household_moved(sender: Any, *, household: Household, old_grid_id: int,
                    new_grid_id: int, **kwargs: Any) -> None:
    """A moved household's visit history, pairings and open must-visit duties
    follow it; open duties are now owed by the new grid's worker. A visit
    shared with other households stays in its grid."""
    # Count before filtering: counted after `filter(households=...)`, the
    # join holds only this household and every visit would look unshared.
    alone = (Visit.objects.annotate(n=Count("households"))
             .filter(households=household, n=1).values("pk"))
    Visit.objects.filter(pk__in=alone).update(grid_id=new_grid_id)
    Pairing.objects.filter(household=household).update(grid_id=new_grid_id)
    Duty.objects.filter(household=household, status="open").update(
        grid_id=new_grid_id, assignee_id=grid_workers([new_grid_id]).get(new_grid_id))
