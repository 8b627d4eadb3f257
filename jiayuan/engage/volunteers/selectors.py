"""Reading volunteers and their hours (scope: core.scope.by_grid_or_community;
a staff volunteer is the community's)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet, Sum

from jiayuan.core.access import Perms, get_for
from jiayuan.core.models import User
from jiayuan.core.roles import Perm
from jiayuan.core.scope import by_grid_or_community
from jiayuan.engage.volunteers.models import HoursEntry, Volunteer


def volunteers_for(actor: User) -> QuerySet[Volunteer]:
    if not (actor.is_authenticated and actor.has(Perm.VIEW_ENGAGE)):
        return Volunteer.objects.none()
    return by_grid_or_community(Volunteer.objects.all(), actor)


def get_volunteer_for(actor: User, pk: Any, *, perm: Perms = Perm.VIEW_ENGAGE) -> Volunteer:
    return get_for(actor, perm, volunteers_for(actor).select_related(
        "person", "user", "grid", "community"), pk)


def hours_total(volunteer: Volunteer, year: int | None = None) -> Decimal:
    """The ledger's sum for the volunteer (in `year`, by the entries' dates):
    the one figure every page, certificate and report shows."""
    entries = HoursEntry.objects.filter(volunteer=volunteer)
    if year is not None:
        entries = entries.filter(on__year=year)
    return entries.aggregate(s=Sum("hours"))["s"] or Decimal("0")
