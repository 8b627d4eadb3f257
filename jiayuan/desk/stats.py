"""Desk statistics: counts and on-time rates of a period, in the actor's
scope (selectors.cases_for). Counts only: no resident is named, and nothing is
broken down by ethnic group. Read by the desk statistics page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Avg, Count, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiayuan.core.models import User
from jiayuan.desk.choices import (
    COUNTED_OUTCOMES,
    OPEN_STATUSES,
    Channel,
    Outcome,
    ReferralStatus,
    Status,
)
from jiayuan.desk.models import Case, FollowUp, Referral, ServiceItem
from jiayuan.desk.selectors import cases_for


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


def on_time_rates(actor: User, since: datetime, until: datetime | None = None,
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
    model = User if by == "owner" else ServiceItem
    names = {o.pk: str(o) for o in model.objects.filter(pk__in=[k for k in rows if k])}
    for key, row in rows.items():
        row.label = names.get(key, "") if key else str(_("(nobody)"))


def referral_stats(actor: User, since: datetime,
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


@dataclass(frozen=True)
class Ratio:
    """part of whole, shown as a percentage, or "—" when there is nothing to divide."""

    part: int
    whole: int

    @property
    def value(self) -> float | None:
        return self.part / self.whole if self.whole else None

    def __str__(self) -> str:
        if not self.whole:
            return "—"
        pct = 100 * self.part / self.whole
        # Never round a miss away (199/200 is not 100%) or a hit to nothing.
        if 0 < pct < 1:
            return "<1%"
        if 99 < pct < 100:
            return ">99%"
        return f"{round(pct)}%"


def case_filters(since: datetime, until: datetime, now: datetime) -> dict[str, Q]:
    """The cases each figure of `case_figures` counts: the one definition the
    statistics page and the metrics (desk/metrics.py) share."""
    received = Q(opened_at__gte=since, opened_at__lt=until)
    resolved = Q(resolved_at__gte=since, resolved_at__lt=until)
    is_open = Q(status__in=OPEN_STATUSES)
    # A first response is judged once it was given, or once its target passed
    # without one; requests withdrawn before any response are left out.
    responded = received & (Q(acknowledged_at__isnull=False)
                            | (Q(response_due__lt=now) & ~Q(status=Status.CANCELLED)))
    return {
        "received": received,
        "received_open": received & is_open,
        "received_cancelled": received & Q(status=Status.CANCELLED),
        "resolved": resolved,
        "closed": Q(closed_at__gte=since, closed_at__lt=until),
        "open": is_open,
        "overdue": is_open & Q(due__lt=now),
        # Open, due in the period and not yet past due (the "due today" queue
        # when the period is today).
        "due_ahead": is_open & Q(due__gte=max(since, now), due__lt=until),
        "response_judged": responded,
        "response_flag_ok": responded & Q(response_breached=False),
        "response_direct_ok": responded & Q(acknowledged_at__lte=F("response_due")),
        "resolution_flag_ok": resolved & Q(resolution_breached=False),
        "resolution_direct_ok": resolved & Q(resolved_at__lte=F("due")),
    }


def case_figures(actor: User, since: datetime, until: datetime,
                 now: datetime) -> dict[str, Any]:
    """Counts and on-time rates of the period, in one aggregate query."""
    row = cases_for(actor).aggregate(**{
        name: Count("id", filter=q) for name, q in case_filters(since, until, now).items()})
    # Two figures per target, because they can disagree. The breach flags are
    # what `manage.py tick` sets while a case is past a target: a case resolved
    # (or answered) late between two ticks, or while tick was not running, is
    # never flagged, and a flag stays set when a later edit moves the due date.
    # Comparing the timestamps with the targets is exact for cases that are
    # decided, so that figure is shown first; the flag figure matches the
    # per-owner and per-service tables (selectors.on_time_rates), and a gap
    # between the two says tick does not run often enough.
    row["response_rate"] = Ratio(row["response_direct_ok"], row["response_judged"])
    row["response_rate_flag"] = Ratio(row["response_flag_ok"], row["response_judged"])
    row["resolution_rate_flag"] = Ratio(row["resolution_flag_ok"], row["resolved"])
    row["resolution_rate"] = Ratio(row["resolution_direct_ok"], row["resolved"])
    return row


def outcome_figures(actor: User, since: datetime, until: datetime) -> list[dict[str, Any]]:
    """Outcomes of the cases resolved in the period, with summed quantities
    for the outcomes that count something (jobs, school places...)."""
    labels = dict(Outcome.choices)
    rows = (cases_for(actor)
            .filter(resolved_at__gte=since, resolved_at__lt=until).exclude(outcome="")
            .values("outcome").annotate(n=Count("id"), quantity=Sum("outcome_quantity"),
                                        with_quantity=Count("outcome_quantity"))
            .order_by("-n", "outcome"))
    return [{"code": r["outcome"], "label": labels.get(r["outcome"], r["outcome"]),
             "cases": r["n"], "counted": r["outcome"] in COUNTED_OUTCOMES,
             "quantity": r["quantity"] or 0, "without_quantity": r["n"] - r["with_quantity"]}
            for r in rows]


def channel_figures(actor: User, since: datetime, until: datetime) -> list[dict[str, Any]]:
    labels = dict(Channel.choices)
    rows = (cases_for(actor).filter(opened_at__gte=since, opened_at__lt=until)
            .values("channel").annotate(n=Count("id")).order_by("-n", "channel"))
    total = sum(r["n"] for r in rows)
    return [{"label": labels.get(r["channel"], r["channel"]), "cases": r["n"],
             "share": Ratio(r["n"], total)} for r in rows]


#: A rated follow-up call in which the resident said 4 or 5 (of 5).
SATISFIED = Q(satisfaction__gte=4)


def follow_up_calls(cases: QuerySet[Case], since: datetime,
                    until: datetime) -> QuerySet[FollowUp]:
    """The follow-up calls made in [since, until) about `cases`. Every call is
    about a case: for a reader who sees every case (an unfiltered `cases`) the
    calls are not matched against the whole table of cases."""
    calls = FollowUp.objects.filter(at__gte=since, at__lt=until)
    return calls.filter(case__in=cases) if cases.query.has_filters() else calls


def follow_up_figures(actor: User, since: datetime, until: datetime) -> dict[str, Any]:
    """Follow-up calls made in the period: how many cases were reached, and how
    satisfied the residents said they were (comments are not shown here)."""
    calls = follow_up_calls(cases_for(actor), since, until)
    row = calls.aggregate(
        calls=Count("id"), cases=Count("case", distinct=True),
        reached_cases=Count("case", distinct=True, filter=Q(reached=True)),
        rated=Count("satisfaction"), average=Avg("satisfaction"),
        satisfied=Count("id", filter=SATISFIED))
    row["satisfied_rate"] = Ratio(row["satisfied"], row["rated"])
    counts = dict(calls.filter(satisfaction__isnull=False).values_list("satisfaction")
                  .annotate(n=Count("id")).order_by())
    row["reach_rate"] = Ratio(row["reached_cases"], row["cases"])
    row["distribution"] = [{"score": s, "n": counts.get(s, 0),
                            "share": Ratio(counts.get(s, 0), row["rated"])}
                           for s in range(5, 0, -1)]
    row["average_display"] = (f"{row['average']:.1f}" if row["average"] is not None
                              else "—")
    return row


def on_time_table(actor: User, since: datetime, until: datetime, by: str) -> list[dict]:
    return [{"label": r.label, "resolved": r.resolved, "on_time": r.on_time,
             "rate": Ratio(r.on_time, r.resolved), "open": r.open, "overdue": r.overdue}
            for r in on_time_rates(actor, since, until, by=by)]


def referral_table(actor: User, since: datetime, until: datetime) -> list[dict[str, Any]]:
    rows = referral_stats(actor, since, until)
    for row in rows:
        row["answer_rate"] = Ratio(row["answered"], row["sent"])
        row["avg_display"] = (f"{row['avg_days']:.1f}" if row["avg_days"] is not None
                              else "—")
    return rows
