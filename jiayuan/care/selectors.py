"""What the household file shows of visits and care, and the household picker
of the care forms. Each sub-domain reads its own records in its selectors
module (visits, duties, mediation, pairing); the names are re-exported here for
the callers outside care."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
from jiayuan.core.models import User
from jiayuan.registry.models import Household
from jiayuan.registry.search import search
from jiayuan.registry.selectors import households_for

__all__ = [
    "DutyCount", "HouseholdCare", "business_disputes", "disputes_for", "duties_for",
    "duty_counts", "followups_due", "followups_pending", "get_dispute_for", "get_pairing_for",
    "get_visit_for", "household_care", "household_disputes", "household_picks",
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


def household_care(actor: User, household: Household, visits: int = 10) -> HouseholdCare:
    visit_qs = visits_for(actor).filter(households=household)
    shown = list(visit_qs.prefetch_related("visitors").order_by("-visited_at", "-id")[:visits])
    return HouseholdCare(
        visits=shown,
        # Counted only when the page is full: most households have fewer visits.
        visit_count=visit_qs.count() if len(shown) == visits else len(shown),
        # Their reasons may disclose a sensitive circumstance: read (and
        # recorded) through the duties' selector.
        duties=with_reasons(actor, duties_for(actor).filter(
            household=household, status=DutyStatus.OPEN).select_related("assignee")
            .order_by("due")),
        disputes=list(household_disputes(actor, household).order_by("-opened_on", "-id")),
        pairings=list(pairings_for(actor).filter(household=household)
                      .select_related("helper_user", "helper_person")
                      .order_by("status", "-started")),
    )


def household_picks(actor: User, q: str, limit: int = 12) -> list[tuple[Any, str]]:
    """For the as-you-type household pickers: active households in scope found
    by a member's name, pinyin, phone or dwelling (3-2-302), in search order,
    each with the matched member's name ("" when the dwelling matched)."""
    order: dict[int, str] = {}
    for hit in search(actor, q, limit=limit) if q else []:
        if hit.household is not None and hit.household.pk not in order:
            order[hit.household.pk] = hit.person.name if hit.person is not None else ""
    found = {h.pk: h for h in households_for(actor).filter(pk__in=order, moved_out__isnull=True)
             .select_related("dwelling__building", "head")}
    return [(found[pk], name) for pk, name in order.items() if pk in found]
