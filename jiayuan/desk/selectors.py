"""Reading cases: every query for cases goes through here with the acting user.

A case is in an account's scope when its household's grid is, when the account
owns it, or — for requests not yet matched to the registry — when it belongs to
the account's community (someone has to triage them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiayuan.core.access import get_in_scope
from jiayuan.core.roles import Perm
from jiayuan.core.scope import ALL, grid_ids
from jiayuan.desk.choices import OPEN_STATUSES, Channel, ReferralStatus, Status
from jiayuan.desk.models import Case, Referral


def cases_for(actor: Any) -> QuerySet[Case]:
    if not (actor.is_authenticated and actor.has(Perm.VIEW_CASES)):
        return Case.objects.none()
    ids = grid_ids(actor)
    if ids is ALL:
        return Case.objects.all()
    visible = Q(grid_id__in=ids) | Q(owner_id=actor.pk)
    if actor.community_id:
        visible |= Q(grid__isnull=True, community_id=actor.community_id)
    return Case.objects.filter(visible)


def can_see(actor: Any, case: Case) -> bool:
    if not (actor.is_authenticated and actor.has(Perm.VIEW_CASES)):
        return False
    ids = grid_ids(actor)
    if ids is ALL or case.owner_id == actor.pk:
        return True
    if case.grid_id is None:
        return case.community_id == actor.community_id
    return case.grid_id in ids


def get_case_for(actor: Any, pk: Any) -> Case:
    return get_in_scope(actor, cases_for(actor).select_related(
        "item", "item__department", "owner", "person", "household", "household__dwelling",
        "duplicate_of"), pk)


def _today_bounds(now: datetime) -> tuple[datetime, datetime]:
    local = timezone.localtime(now)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)


@dataclass(frozen=True)
class Queue:
    code: str
    label: Any


QUEUES = (
    Queue("mine", _("Mine")),
    Queue("unassigned", _("Unassigned")),
    Queue("due_today", _("Due today")),
    Queue("overdue", _("Overdue")),
    Queue("waiting", _("Waiting on departments")),
    Queue("portal", _("Portal requests to triage")),
    Queue("follow_up", _("Follow-up calls due")),
    Queue("open", _("All open")),
    Queue("all", _("All")),
)
QUEUE_CODES = {q.code for q in QUEUES}


def queue(actor: Any, code: str, now: datetime | None = None) -> QuerySet[Case]:
    """The cases of one work queue, most urgent first."""
    now = now or timezone.now()
    qs = cases_for(actor)
    open_q = Q(status__in=OPEN_STATUSES)
    if code == "mine":
        qs = qs.filter(open_q, owner_id=actor.pk)
    elif code == "unassigned":
        qs = qs.filter(open_q, owner__isnull=True)
    elif code == "due_today":
        start, end = _today_bounds(now)
        qs = qs.filter(open_q, due__gte=max(start, now), due__lt=end)
    elif code == "overdue":
        qs = qs.filter(open_q, due__lt=now)
    elif code == "waiting":
        qs = qs.filter(status=Status.WAITING_DEPARTMENT)
    elif code == "portal":
        qs = qs.filter(channel=Channel.PORTAL, person__isnull=True,
                       status__in=OPEN_STATUSES)
    elif code == "follow_up":
        qs = qs.filter(status=Status.RESOLVED)
        return qs.select_related("item", "owner", "person").order_by("resolved_at", "id")
    elif code == "open":
        qs = qs.filter(open_q)
    elif code != "all":
        raise ValueError(code)
    if code == "all":
        return qs.select_related("item", "owner", "person").order_by("-opened_at", "-id")
    return qs.select_related("item", "owner", "person").order_by("due", "id")


def queue_counts(actor: Any, now: datetime | None = None) -> dict[str, int]:
    """How many cases each queue holds (one query per queue, each on an index)."""
    return {q.code: queue(actor, q.code, now).count() for q in QUEUES if q.code != "all"}


def household_cases(actor: Any, household: Any) -> list[Case]:
    return list(cases_for(actor).filter(household=household)
                .select_related("item", "owner", "person").order_by("-opened_at", "-id"))


def person_cases(actor: Any, person: Any) -> list[Case]:
    """The requests a person made, as far as the actor's scope and role allow."""
    if not actor.has(Perm.VIEW_CASES):
        return []
    return list(cases_for(actor).filter(person=person)
                .select_related("item", "owner", "person").order_by("-opened_at", "-id"))


def repeat_flags(household: Any, cases: list[Case] | None = None) -> list[str]:
    """Why this household's requests keep coming back: several unresolved at
    once, or the same service asked for again within the repeat window. The
    station is failing them; the visits issue makes this a must-visit duty."""
    if cases is None:
        cases = list(Case.objects.filter(household=household).only(
            "status", "is_repeat", "item_id"))
    open_cases = [c for c in cases if c.status in OPEN_STATUSES]
    flags = []
    if len(open_cases) >= settings.DESK_REPEAT_OPEN:
        flags.append(_("%(n)d requests unresolved") % {"n": len(open_cases)})
    if any(c.is_repeat for c in open_cases):
        flags.append(_("the same request again within %(days)d days")
                     % {"days": settings.DESK_REPEAT_DAYS})
    return flags


@dataclass
class OnTime:
    key: Any
    label: str
    resolved: int
    on_time: int
    open: int
    overdue: int

    @property
    def rate(self) -> float | None:
        return self.on_time / self.resolved if self.resolved else None


def on_time_rates(actor: Any, since: datetime, until: datetime | None = None,
                  by: str = "owner") -> list[OnTime]:
    """Per owner (or per service): cases resolved in the period and how many of
    them within the target; open and overdue now."""
    now = timezone.now()
    until = until or now
    qs = cases_for(actor)
    field = {"owner": "owner", "item": "item"}[by]
    resolved = (qs.filter(resolved_at__gte=since, resolved_at__lt=until)
                .values(field).annotate(n=Count("id"),
                                        on_time=Count("id", filter=Q(resolution_breached=False))))
    opened = (qs.filter(status__in=OPEN_STATUSES).values(field)
              .annotate(n=Count("id"), overdue=Count("id", filter=Q(due__lt=now))))
    rows: dict[Any, OnTime] = {}
    for r in resolved:
        rows[r[field]] = OnTime(r[field], "", r["n"], r["on_time"], 0, 0)
    for r in opened:
        row = rows.setdefault(r[field], OnTime(r[field], "", 0, 0, 0, 0))
        row.open, row.overdue = r["n"], r["overdue"]
    _label(rows, by)
    return sorted(rows.values(), key=lambda r: (-(r.resolved + r.open), r.label))


def _label(rows: dict[Any, OnTime], by: str) -> None:
    from jiayuan.core.models import User
    from jiayuan.desk.models import ServiceItem

    model = User if by == "owner" else ServiceItem
    names = {o.pk: str(o) for o in model.objects.filter(pk__in=[k for k in rows if k])}
    for key, row in rows.items():
        row.label = names.get(key, "") if key else str(_("(nobody)"))


def referral_stats(actor: Any, since: datetime,
                   until: datetime | None = None) -> list[dict[str, Any]]:
    """Per department: referrals sent in the period, answered, and the average
    days to answer."""
    refs = (Referral.objects.filter(case__in=cases_for(actor), sent_at__gte=since)
            .select_related("department").only("department__name", "department_id",
                                               "status", "sent_at", "answered_at"))
    if until is not None:
        refs = refs.filter(sent_at__lt=until)
    table: dict[int, dict[str, Any]] = {}
    for r in refs:
        row = table.setdefault(r.department_id, {"department": r.department, "sent": 0,
                                                 "answered": 0, "days": 0.0})
        row["sent"] += 1
        if r.status == ReferralStatus.ANSWERED and r.answered_at:
            row["answered"] += 1
            row["days"] += (r.answered_at - r.sent_at).total_seconds() / 86400
    for row in table.values():
        row["avg_days"] = row["days"] / row["answered"] if row["answered"] else None
    return sorted(table.values(), key=lambda r: -r["sent"])
