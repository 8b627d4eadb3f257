"""Reading pairings: in scope when their grid is."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from jiayuan.care.models import Pairing
from jiayuan.core.access import get_for
from jiayuan.core.models import User
from jiayuan.core.roles import Perm
from jiayuan.core.scope import filter_by_grid


def _allowed(actor: User, perm: Perm) -> bool:
    return actor.is_authenticated and actor.has(perm)


def pairings_for(actor: User) -> QuerySet[Pairing]:
    if not (_allowed(actor, Perm.VIEW_VISITS) or _allowed(actor, Perm.MANAGE_PAIRINGS)):
        return Pairing.objects.none()
    return filter_by_grid(Pairing.objects.all(), actor)


def get_pairing_for(actor: User, pk: Any, *, perm: Perm = Perm.VIEW_VISITS) -> Pairing:
    return get_for(actor, perm, pairings_for(actor).select_related(
        "household__dwelling", "helper_user", "helper_person"), pk)
