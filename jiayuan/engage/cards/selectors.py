"""Reading contact cards: staff see their communities' links and batches;
the public short link finds its card by the signed token alone."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import F, QuerySet, Sum

from jiayuan.core.access import Perms, get_for
from jiayuan.core.models import User
from jiayuan.core.roles import Perm
from jiayuan.core.scope import community_ids
from jiayuan.engage.cards.links import code_from_token
from jiayuan.engage.cards.models import CardBatch, CardBatchLine, CardLink
from jiayuan.places.models import Community


def card_links_for(actor: User) -> QuerySet[CardLink]:
    if not (actor.is_authenticated and actor.has(Perm.VIEW_ENGAGE)):
        return CardLink.objects.none()
    ids = community_ids(actor)
    qs = CardLink.objects.all()
    return qs if ids is None else qs.filter(community_id__in=ids)


def batches_for(actor: User) -> QuerySet[CardBatch]:
    if not (actor.is_authenticated and actor.has(Perm.VIEW_ENGAGE)):
        return CardBatch.objects.none()
    ids = community_ids(actor)
    qs = CardBatch.objects.all()
    return qs if ids is None else qs.filter(community_id__in=ids)


def get_batch_for(actor: User, pk: Any, *, perm: Perms = Perm.ISSUE_CARDS) -> CardBatch:
    return get_for(actor, perm, batches_for(actor), pk)


def get_link_for(actor: User, pk: Any, *, perm: Perms = Perm.ISSUE_CARDS) -> CardLink:
    return get_for(actor, perm, card_links_for(actor).select_related("user", "community"),
                   pk)


def live_links_for(actor: User) -> QuerySet[CardLink]:
    """The links that may be printed: live, the station's first, then by name."""
    return (card_links_for(actor).filter(revoked_at__isnull=True)
            .select_related("user", "community")
            .order_by("community__name", "user__last_name", "user__first_name", "pk"))


def link_list(actor: User, *, revoked: bool = False) -> list[CardLink]:
    qs = card_links_for(actor).filter(revoked_at__isnull=not revoked)
    return list(qs.select_related("user", "community", "revoked_by")
                .order_by("community__name", "-revoked_at", "user__last_name",
                          "user__first_name", "pk"))


def batch_list(actor: User, *, year: int | None = None) -> QuerySet[CardBatch]:
    qs = batches_for(actor).select_related("created_by").annotate(cards=Sum("lines__copies"))
    if year is not None:
        qs = qs.filter(created_at__year=year)
    return qs.order_by("-created_at", "-pk")


def batch_lines(batch: CardBatch) -> list[CardBatchLine]:
    return list(batch.lines.select_related("link__user", "link__community")
                .order_by("link__user__last_name", "link__user__first_name", "pk"))


@dataclass(frozen=True)
class Issued:
    """Cards handed out in a year: in all and per link (by the link's pk)."""

    year: int
    total: int = 0
    by_link: dict[int, int] = field(default_factory=dict)


def printed_lines(actor_or_community: User | Community | int) -> QuerySet[CardBatchLine]:
    """The lines of the printed batches (cards issued: their copies) of the
    actor's communities, or of one community (an object or its pk)."""
    if isinstance(actor_or_community, User):
        return CardBatchLine.objects.filter(batch__in=batches_for(actor_or_community))
    cid = (actor_or_community.pk if isinstance(actor_or_community, Community)
           else actor_or_community)
    return CardBatchLine.objects.filter(batch__community_id=cid)


def cards_issued(actor_or_community: User | Community | int, year: int) -> Issued:
    """How many cards the batches of `year` printed (the reports' number):
    of the actor's communities, or of one community (an object or its pk)."""
    lines = printed_lines(actor_or_community).filter(batch__created_at__year=year)
    by_link = {row["link_id"]: row["n"] or 0
               for row in lines.values("link_id").annotate(n=Sum("copies")).order_by()}
    return Issued(year=year, total=sum(by_link.values()), by_link=by_link)


# --- the public short link -------------------------------------------------------------

def link_by_token(token: str) -> CardLink | None:
    """The card of a genuine token (live or revoked), else None."""
    code = code_from_token(token)
    if code is None:
        return None
    return CardLink.objects.select_related("user", "community").filter(code=code).first()


def station_hotline(community_id: int) -> str:
    """The number to call now: the station card's, else any live card's, else
    the site's setting."""
    live = (CardLink.objects.filter(community_id=community_id, revoked_at__isnull=True)
            .exclude(hotline="").order_by(F("user_id").asc(nulls_first=True), "-created_at"))
    found = live.values_list("hotline", flat=True).first()
    return found or settings.STATION_HOTLINE
