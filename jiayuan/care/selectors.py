"""Reading visits, duties, disputes and pairings: always with the acting user.

A visit, a duty or a pairing is in scope when its grid is. A dispute is in
scope when its grid is, when the account mediates it, or — for a dispute not
yet tied to a grid — when it belongs to the account's community.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone

from jiayuan.care.choices import OPEN_DISPUTE_STATUSES, DisputeStatus, DutyStatus
from jiayuan.care.models import Dispute, DisputeParty, Duty, Pairing, Visit
from jiayuan.core.access import get_in_scope
from jiayuan.core.roles import Perm
from jiayuan.core.scope import ALL, filter_by_grid, grid_ids


def _allowed(actor: Any, perm: Perm) -> bool:
    return actor.is_authenticated and actor.has(perm)


def visits_for(actor: Any) -> QuerySet[Visit]:
    if not _allowed(actor, Perm.VIEW_VISITS):
        return Visit.objects.none()
    return filter_by_grid(Visit.objects.all(), actor)


def get_visit_for(actor: Any, pk: Any) -> Visit:
    return get_in_scope(actor, visits_for(actor).select_related(
        "business", "created_by", "grid"), pk)


def duties_for(actor: Any) -> QuerySet[Duty]:
    if not _allowed(actor, Perm.VIEW_VISITS):
        return Duty.objects.none()
    return filter_by_grid(Duty.objects.all(), actor)


def disputes_for(actor: Any) -> QuerySet[Dispute]:
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


def get_dispute_for(actor: Any, pk: Any) -> Dispute:
    return get_in_scope(actor, disputes_for(actor).select_related("case", "grid", "created_by"),
                        pk)


def pairings_for(actor: Any) -> QuerySet[Pairing]:
    if not (_allowed(actor, Perm.VIEW_VISITS) or _allowed(actor, Perm.MANAGE_PAIRINGS)):
        return Pairing.objects.none()
    return filter_by_grid(Pairing.objects.all(), actor)


def get_pairing_for(actor: Any, pk: Any) -> Pairing:
    return get_in_scope(actor, pairings_for(actor).select_related(
        "household__dwelling", "helper_user", "helper_person"), pk)


def household_disputes(actor: Any, household: Any) -> QuerySet[Dispute]:
    return disputes_for(actor).filter(parties__household=household).distinct()


def business_disputes(actor: Any, business: Any) -> QuerySet[Dispute]:
    return disputes_for(actor).filter(parties__business=business).distinct()


def followups_due(actor: Any, today: date) -> QuerySet[Dispute]:
    """Closed disputes whose agreement nobody has checked yet, due by today."""
    return disputes_for(actor).filter(status=DisputeStatus.CLOSED, followup_on__isnull=True,
                                      followup_due__lte=today)


def followups_pending(actor: Any, *, mediated_by: Any = None) -> QuerySet[Dispute]:
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


def open_disputes(actor: Any) -> QuerySet[Dispute]:
    return disputes_for(actor).filter(status__in=OPEN_DISPUTE_STATUSES)


@dataclass
class DutyCount:
    key: Any
    label: str
    due: int = 0  # duties whose due date fell in the period
    on_time: int = 0  # of those, visited by the due date
    late: int = 0  # visited after the due date
    missed: int = 0  # still open past the due date, or lapsed after it unvisited
    lapsed: int = 0  # the reason ended before the due date (not counted against anyone)
    open_now: int = 0  # open today, not yet due
    overdue_now: int = 0  # open today and past due

    @property
    def rate(self) -> float | None:
        counted = self.on_time + self.late + self.missed
        return self.on_time / counted if counted else None


def duty_counts(actor: Any, since: date, until: date, by: str = "grid",
                today: date | None = None) -> list[DutyCount]:
    """Per grid or per worker: duties due in [since, until) and what became of
    them, and what is open today. Honest: a duty that lapsed after its due date
    without a visit counts as missed."""
    today = today or timezone.localdate()
    field = {"grid": "grid", "worker": "assignee", "rule": "rule"}[by]
    qs = duties_for(actor)
    rows: dict[Any, DutyCount] = {}

    def row(key: Any) -> DutyCount:
        return rows.setdefault(key, DutyCount(key=key, label=""))

    period = qs.filter(due__gte=since, due__lt=until)
    for r in period.values(field, "status").annotate(n=Count("id")):
        row(r[field]).due += r["n"]
    done = period.filter(status=DutyStatus.DONE)
    for r in done.filter(closed_on__lte=F("due")).values(field).annotate(n=Count("id")):
        row(r[field]).on_time += r["n"]
    for r in done.filter(closed_on__gt=F("due")).values(field).annotate(n=Count("id")):
        row(r[field]).late += r["n"]
    missed = period.filter(Q(status=DutyStatus.OPEN, due__lt=today)
                           | Q(status=DutyStatus.LAPSED, closed_on__gt=F("due")))
    for r in missed.values(field).annotate(n=Count("id")):
        row(r[field]).missed += r["n"]
    lapsed = period.filter(status=DutyStatus.LAPSED, closed_on__lte=F("due"))
    for r in lapsed.values(field).annotate(n=Count("id")):
        row(r[field]).lapsed += r["n"]
    now_open = qs.filter(status=DutyStatus.OPEN)
    for r in now_open.filter(due__lt=today).values(field).annotate(n=Count("id")):
        row(r[field]).overdue_now += r["n"]
    for r in now_open.filter(due__gte=today).values(field).annotate(n=Count("id")):
        row(r[field]).open_now += r["n"]
    _label(rows, by)
    return sorted(rows.values(), key=lambda c: (c.label == "", c.label))


def _label(rows: dict[Any, DutyCount], by: str) -> None:
    from django.utils.translation import gettext as _

    if by == "grid":
        from jiayuan.places.models import Grid

        names = {g.pk: f"{g.code} {g.name}" for g in Grid.objects.filter(pk__in=rows)}
    elif by == "worker":
        from jiayuan.core.models import User

        names = {u.pk: u.display_name for u in User.objects.filter(pk__in=[k for k in rows if k])}
    else:
        from jiayuan.care.choices import DutyRule

        names = dict(DutyRule.choices)
    for key, count in rows.items():
        count.label = str(names.get(key, "")) or (_("Nobody assigned") if by == "worker" else "")


def week_bounds(today: date) -> tuple[date, date]:
    start = today - timedelta(days=today.weekday())
    return start, start + timedelta(days=7)


@dataclass
class HouseholdCare:
    """What the household file shows of visits and care, each part only for
    the roles that may read it."""

    visits: list[Visit]
    visit_count: int
    duties: list[Duty]
    disputes: list[Dispute]
    pairings: list[Pairing]


def household_care(actor: Any, household: Any, visits: int = 10) -> HouseholdCare:
    visit_qs = visits_for(actor).filter(households=household)
    shown = list(visit_qs.prefetch_related("visitors").order_by("-visited_at", "-id")[:visits])
    return HouseholdCare(
        visits=shown,
        # Counted only when the page is full: most households have fewer visits.
        visit_count=visit_qs.count() if len(shown) == visits else len(shown),
        duties=list(duties_for(actor).filter(household=household, status=DutyStatus.OPEN)
                    .select_related("assignee").order_by("due")),
        disputes=list(household_disputes(actor, household).order_by("-opened_on", "-id")),
        pairings=list(pairings_for(actor).filter(household=household)
                      .select_related("helper_user", "helper_person")
                      .order_by("status", "-started")),
    )


def household_picks(actor: Any, q: str, limit: int = 12) -> list[tuple[Any, str]]:
    """For the as-you-type household pickers: active households in scope found
    by a member's name, pinyin, phone or dwelling (3-2-302), in search order,
    each with the matched member's name ("" when the dwelling matched)."""
    from jiayuan.registry.search import search
    from jiayuan.registry.selectors import households_for

    order: dict[int, str] = {}
    for hit in search(actor, q, limit=limit) if q else []:
        if hit.household is not None and hit.household.pk not in order:
            order[hit.household.pk] = hit.person.name if hit.kind == "person" else ""
    found = {h.pk: h for h in households_for(actor).filter(pk__in=order, moved_out__isnull=True)
             .select_related("dwelling__building", "head")}
    return [(found[pk], name) for pk, name in order.items() if pk in found]
