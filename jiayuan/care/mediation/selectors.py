"""Reading disputes. A dispute is in scope when its grid is, when the account
mediates it, or — for a dispute not yet tied to a grid — when it belongs to the
account's community."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from jiayuan.care.choices import OPEN_DISPUTE_STATUSES, DisputeStatus, PartyRole
from jiayuan.care.models import Dispute, DisputeParty
from jiayuan.core.access import get_for
from jiayuan.core.models import User
from jiayuan.core.roles import Perm
from jiayuan.core.scope import ALL, grid_ids, grids_for
from jiayuan.core.staff import staff_with
from jiayuan.places.models import Grid
from jiayuan.registry.models import Business, Household

ROLE_ORDER: dict[str, int] = {PartyRole.APPLICANT: 0, PartyRole.RESPONDENT: 1, PartyRole.OTHER: 2}


def sorted_parties(parties: Iterable[DisputeParty]) -> list[DisputeParty]:
    """Applicants, then respondents, then others; in the order they were added."""
    return sorted(parties, key=lambda p: (ROLE_ORDER.get(p.role, 9), p.pk))


def _allowed(actor: User, perm: Perm) -> bool:
    return actor.is_authenticated and actor.has(perm)


def disputes_for(actor: User) -> QuerySet[Dispute]:
    if not _allowed(actor, Perm.VIEW_DISPUTES):
        return Dispute.objects.none()
    ids = grid_ids(actor)
    if ids is ALL:
        return Dispute.objects.all()
    mine = Dispute.mediators.through.objects.filter(user_id=actor.pk).values("dispute_id")
    visible = Q(grid_id__in=ids) | Q(pk__in=mine)
    if actor.community_id:
        visible |= Q(grid__isnull=True, community_id=actor.community_id)
    return Dispute.objects.filter(visible)


def get_dispute_for(actor: User, pk: Any, *, perm: Perm = Perm.VIEW_DISPUTES) -> Dispute:
    return get_for(actor, perm, disputes_for(actor).select_related("case", "grid", "created_by"),
                   pk)


def household_disputes(actor: User, household: Household) -> QuerySet[Dispute]:
    return disputes_for(actor).filter(parties__household=household).distinct()


def business_disputes(actor: User, business: Business) -> QuerySet[Dispute]:
    return disputes_for(actor).filter(parties__business=business).distinct()


def followups_due(actor: User, today: date) -> QuerySet[Dispute]:
    """Closed disputes whose agreement nobody has checked yet, due by today."""
    return disputes_for(actor).filter(status=DisputeStatus.CLOSED, followup_on__isnull=True,
                                      followup_due__lte=today)


def followups_pending(actor: User, *, mediated_by: User | None = None) -> QuerySet[Dispute]:
    """Follow-up checks still to make, soonest first: disputes closed with an
    agreement whose check nobody has recorded, overdue ones included (only
    those `mediated_by` mediates, when given). The mediators and the parties
    come with them (two queries whatever the count)."""
    qs = disputes_for(actor)
    if mediated_by is not None:
        qs = qs.filter(pk__in=Dispute.mediators.through.objects.filter(
            user_id=mediated_by.pk).values("dispute_id"))
    return (qs
            .filter(status=DisputeStatus.CLOSED, followup_due__isnull=False,
                    followup_on__isnull=True)
            .select_related("grid")
            .prefetch_related(Prefetch("parties", queryset=DisputeParty.objects.select_related(
                "person", "household__head", "household__dwelling", "business")), "mediators")
            .order_by("followup_due", "id"))


def open_disputes(actor: User) -> QuerySet[Dispute]:
    return disputes_for(actor).filter(status__in=OPEN_DISPUTE_STATUSES)


def mediator_choices(actor: User, keep: Iterable[User] = ()) -> QuerySet[User]:
    """Accounts that may mediate: active staff of the actor's community whose
    role mediates (and whoever mediates it now). The form offers these; the
    services accept no other."""
    return staff_with(actor, Perm.MEDIATE, keep)


def grid_choices(actor: User) -> QuerySet[Grid]:
    return grids_for(actor)


def grid_optional(actor: User) -> bool:
    """A community-wide account may open a dispute for the whole community; a
    grid worker's dispute belongs to one of their grids, and a district-wide
    account must say which community through the grid."""
    return bool(actor.community_id) and not actor.grids.exists()


DISPUTE_TABS = ("open", "followups", "closed", "mine")


def disputes_tab(actor: User, tab: str, today: date, kind: str = "") -> QuerySet[Dispute]:
    """The disputes of one tab of the dispute list (and GET /api/v1/disputes/),
    in the list's order."""
    if tab == "open":
        qs = open_disputes(actor).order_by("-opened_on", "-id")
    elif tab == "followups":
        qs = followups_due(actor, today).order_by("followup_due", "id")
    elif tab == "closed":
        qs = disputes_for(actor).filter(status=DisputeStatus.CLOSED).order_by(
            "-closed_on", "-id")
    else:
        mine = Dispute.mediators.through.objects.filter(user_id=actor.pk).values("dispute_id")
        qs = disputes_for(actor).filter(pk__in=mine).order_by("-opened_on", "-id")
    return qs.filter(kind=kind) if kind else qs
