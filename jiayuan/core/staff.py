"""Staff accounts to choose from in forms: owners, visitors, mediators, helpers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet

from jiayuan.core.models import User
from jiayuan.core.roles import Perm, roles_with


def staff_with(actor: Any, perm: Perm, keep: Iterable[Any] = ()) -> QuerySet[User]:
    """Active accounts whose role has `perm`, of the actor's community (all
    communities for a district-wide actor), plus the accounts in `keep` (who
    hold the job now, even if their role changed since)."""
    visible = Q(is_active=True, role__in=roles_with(perm))
    if actor.community_id:
        visible &= Q(community_id=actor.community_id)
    keep_ids = [u.pk for u in keep]
    if keep_ids:
        visible |= Q(pk__in=keep_ids)
    return User.objects.filter(visible).order_by("last_name", "first_name", "username")
