"""What the household file shows of visits and care. Each sub-domain reads its
own records in its selectors module (visits, duties, mediation, pairing); the
names are re-exported here for the callers outside care. (The household picker
of the care forms is registry.pickers, kind "household".)"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from jiayuan.care.choices import DutyStatus
from jiayuan.care.duties.selectors import (
    DutyCount,
    duties_for,
    duty_counts,
    week_bounds,
    with_reasons,
)
from jiayuan.care.mediation.selectors import (
    business_disputes,
    disputes_for,
    followups_due,
    followups_pending,
    get_dispute_for,
    household_disputes,
    open_disputes,
)
from jiayuan.care.models import Dispute, Duty, Pairing, Visit
from jiayuan.care.pairing.selectors import get_pairing_for, pairings_for
from jiayuan.care.visits.selectors import get_visit_for, visits_for
from jiayuan.core import together
from jiayuan.core.columns import of, own_and
from jiayuan.core.compiled import Shape, actor_key
from jiayuan.core.models import User
from jiayuan.registry.models import Household

__all__ = [
    "DutyCount", "HouseholdCare", "business_disputes", "disputes_for", "duties_for",
    "duty_counts", "followups_due", "followups_pending", "get_dispute_for", "get_pairing_for",
    "get_visit_for", "household_care", "household_disputes",
    "open_disputes", "pairings_for", "visits_for", "week_bounds",
]


@dataclass
class HouseholdCare:
    """What the household file shows of visits and care, each part only for
    the roles that may read it."""

    visits: list[Visit]
    visit_count: int
    duties: list[Duty]
    disputes: list[Dispute]
    pairings: list[Pairing]


# What the file's list of disputes shows (care/_household_care.html).
DISPUTE_ROW_FIELDS = ("ref", "kind", "summary", "status", "opened_on", "outcome", "closed_on")


def _visits(household: int, *, actor: User, visits: int) -> QuerySet[Visit]:
    names = User.objects.only(*User.NAME_FIELDS)
    return (visits_for(actor).filter(households=household)
            .prefetch_related(Prefetch("visitors", queryset=names))
            .order_by("-visited_at", "-id")[:visits])


def _duties(household: int, *, actor: User) -> QuerySet[Duty]:
    return (duties_for(actor).filter(household_id=household, status=DutyStatus.OPEN)
            .select_related("assignee").only(*own_and(Duty, *of("assignee", User.NAME_FIELDS)))
            .order_by("due"))


def _disputes(household: int, *, actor: User) -> QuerySet[Dispute]:
    return (disputes_for(actor).filter(parties__household_id=household).distinct()
            .only(*DISPUTE_ROW_FIELDS).order_by("-opened_on", "-id"))


def _pairings(household: int, *, actor: User) -> QuerySet[Pairing]:
    return (pairings_for(actor).filter(household_id=household)
            .select_related("helper_user", "helper_person")
            .only(*own_and(Pairing, *of("helper_user", User.NAME_FIELDS), "helper_person__name"))
            .order_by("status", "-started"))


# Each compiled once an account (its scope and role) and bound to the household.
_shapes = {"visits": Shape(_visits, 1), "duties": Shape(_duties, 1),
           "disputes": Shape(_disputes, 1), "pairings": Shape(_pairings, 1)}


def household_care(actor: User, household: Household, visits: int = 10) -> HouseholdCare:
    # One round trip for the four lists (jiayuan.core.together); the visitors
    # are prefetched after it. Of the staff and helpers named, only their names
    # are read (jiayuan.core.columns).
    key, pk = actor_key(actor), household.pk
    shown, duties, disputes, pairings = together.fetch(
        _shapes["visits"]((key, visits), pk, actor=actor, visits=visits),
        _shapes["duties"](key, pk, actor=actor),
        _shapes["disputes"](key, pk, actor=actor),
        _shapes["pairings"](key, pk, actor=actor))
    return HouseholdCare(
        visits=shown,
        # Counted only when the page is full: most households have fewer visits.
        visit_count=(visits_for(actor).filter(households=household).count()
                     if len(shown) == visits else len(shown)),
        # Their reasons may disclose a sensitive circumstance: read (and
        # recorded) through the duties' selector.
        duties=with_reasons(actor, duties),
        disputes=disputes,
        pairings=pairings,
    )
