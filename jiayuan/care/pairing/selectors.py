"""Reading pairings: in scope when their grid is."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import Case, Q, QuerySet, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from jiayuan.care.choices import PairingStatus
from jiayuan.care.models import Pairing
from jiayuan.core.access import get_for
from jiayuan.core.models import User
from jiayuan.core.roles import Perm
from jiayuan.core.scope import filter_by_grid, in_scope


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


PAIRING_TABS = ("active", "quiet", "paused", "ended", "mine")


def pairings_tab(actor: User, tab: str, today: date | None = None) -> QuerySet[Pairing]:
    """The pairings of one tab of the pairing list (and GET /api/v1/pairings/),
    in the list's order; over `with_contact`."""
    qs = with_contact(pairings_for(actor))
    if tab == "active":
        return qs.filter(status=PairingStatus.ACTIVE).order_by("contact", "id")
    if tab == "quiet":
        return qs.filter(quiet(today)).order_by("contact", "id")
    if tab == "paused":
        return qs.filter(status=PairingStatus.PAUSED).order_by("contact", "id")
    if tab == "ended":
        return qs.filter(status=PairingStatus.ENDED).order_by("-ended", "-id")
    return qs.filter(helper_user=actor).annotate(rank=Case(
        When(status=PairingStatus.ACTIVE, then=0), When(status=PairingStatus.PAUSED, then=1),
        default=2)).order_by("rank", "contact", "id")


def mark_contact(pairing: Pairing, actor: User, today: date) -> None:
    """What the card and the page show of the last contact, and whether the
    resident helper's record may be opened by `actor`."""
    pairing.days_since = (  # type: ignore[attr-defined]
        (today - pairing.last_contact).days if pairing.last_contact else None)
    since = pairing.last_contact or pairing.started
    pairing.quiet = (pairing.status == PairingStatus.ACTIVE  # type: ignore[attr-defined]
                     and (today - since).days > QUIET_DAYS)
    pairing.past_planned_end = pairing.is_past_planned_end(today)  # type: ignore[attr-defined]
    person = pairing.helper_person if pairing.helper_person_id else None
    pairing.person_link = bool(  # type: ignore[attr-defined]
        person is not None and in_scope(actor, person.grid_id))
