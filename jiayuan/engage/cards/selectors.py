"""Reading contact cards: staff see their communities' links and batches."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from jiayuan.core.access import Perms, get_for
from jiayuan.core.models import User
from jiayuan.core.roles import Perm
from jiayuan.core.scope import community_ids
from jiayuan.engage.cards.models import CardBatch, CardLink


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
