"""Reading pairings: in scope when their grid is."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from jiayuan.care.choices import PairingStatus
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


#: A pairing without contact for longer than this needs attention.
QUIET_DAYS = 30


def with_contact(qs: QuerySet[Pairing]) -> QuerySet[Pairing]:
    """`contact`: the last contact (check-in or visit), or the start when there was none."""
    return qs.annotate(contact=Coalesce("last_contact", "started"))


def quiet(today: date | None = None) -> Q:
    """Over `with_contact`: active, and no contact for QUIET_DAYS, counted from
    the start when there was never any (a pairing begun last week is not yet
    neglected). The pairing list's "quiet" tab and the care.pairings_quiet figure."""
    since = (today or timezone.localdate()) - timedelta(days=QUIET_DAYS)
    return Q(status=PairingStatus.ACTIVE, contact__lt=since)
