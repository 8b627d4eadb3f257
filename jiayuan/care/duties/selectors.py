"""Reading must-visit duties and their statistics: in scope when their grid is."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from jiayuan.care.choices import SENSITIVE_RULES, DutyRule, DutyStatus
from jiayuan.care.models import Duty
from jiayuan.core import audit
from jiayuan.core.access import get_for
from jiayuan.core.models import AuditAction, User
from jiayuan.core.roles import Perm
from jiayuan.core.scope import filter_by_grid
from jiayuan.lib.festivals import festival_label
from jiayuan.places.models import Grid


def _allowed(actor: User, perm: Perm) -> bool:
    return actor.is_authenticated and actor.has(perm)


# --- why a household is owed a visit ---------------------------------------------
# The very name of some rules discloses health, hardship or (through a festival)
# religion: a role that may not see sensitive data reads only "Must-visit duty".

def may_see_sensitive(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False)
                and user.has(Perm.VIEW_SENSITIVE))


def _count(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _festival(detail: dict[str, Any]) -> str:
    code = str(detail.get("festival") or "")
    day = str(detail.get("date") or "")
    if not code:
        return ""
    if not day:
        return festival_label(code)
    return _("%(festival)s on %(date)s") % {"festival": festival_label(code), "date": day}


def _repeat(detail: dict[str, Any]) -> str:
    n, repeats = _count(detail.get("open")), _count(detail.get("repeats"))
    if not n:
        return ""
    if repeats:
        return ngettext("%(n)d unresolved request, the same request again",
                        "%(n)d unresolved requests, including the same request again",
                        n) % {"n": n}
    return ngettext("%(n)d unresolved request", "%(n)d unresolved requests", n) % {"n": n}


def duty_reason(duty: Duty, user: Any) -> str:
    """Why the household is owed this visit, in words `user` may read. Records
    nothing: a page that shows reasons reads them through `with_reasons`."""
    if duty.rule in SENSITIVE_RULES and not may_see_sensitive(user):
        return _("Must-visit duty")
    detail = duty.detail if isinstance(duty.detail, dict) else {}
    text = ""
    if duty.rule == DutyRule.DISPUTE:
        refs = [str(r) for r in detail.get("refs") or () if r]
        # The references are for those who may open the disputes.
        if refs and getattr(user, "is_authenticated", False) and user.has(Perm.VIEW_DISPUTES):
            text = _("Open dispute %(refs)s") % {"refs": ", ".join(refs)}
    elif duty.rule == DutyRule.REPEAT:
        text = _repeat(detail)
    elif duty.rule == DutyRule.FESTIVAL:
        text = _festival(detail)
    return text or str(duty.get_rule_display())


def with_reasons(actor: User, duties: Iterable[Duty]) -> list[Duty]:
    """The duties, each with `.reason` in words `actor` may read. A reason such
    as "Serious illness" discloses a sensitive circumstance of the household:
    when any is shown, one entry records which duties' reasons were read (ids
    only, never the reasons themselves)."""
    rows = list(duties)
    for duty in rows:
        duty.reason = duty_reason(duty, actor)  # type: ignore[attr-defined]
    shown = [d.pk for d in rows if d.rule in SENSITIVE_RULES]
    if shown and may_see_sensitive(actor):
        audit.record(AuditAction.VIEW_SENSITIVE, actor=actor, object_type="care.duty",
                     object_repr=str(gettext_lazy("must-visit duties")),
                     changes={"shown": ["duty reasons"], "duties": shown})
    return rows


# --- the duties in scope and their statistics --------------------------------------

def duties_for(actor: User) -> QuerySet[Duty]:
    if not _allowed(actor, Perm.VIEW_VISITS):
        return Duty.objects.none()
    return filter_by_grid(Duty.objects.all(), actor)


def get_duty_for(actor: User, pk: Any, *, perm: Perm = Perm.VIEW_VISITS) -> Duty:
    return get_for(actor, perm, duties_for(actor), pk)


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


def duty_filters(since: date, until: date, today: date) -> dict[str, Q]:
    """The duties each figure of `DutyCount` counts (due in [since, until), or
    open today): the one definition of the statistics page and the metrics
    (care/metrics.py)."""
    period = Q(due__gte=since, due__lt=until)
    done = period & Q(status=DutyStatus.DONE)
    now_open = Q(status=DutyStatus.OPEN)
    return {
        "due": period,
        "on_time": done & Q(closed_on__lte=F("due")),
        "late": done & Q(closed_on__gt=F("due")),
        # Honest: a duty that lapsed after its due date without a visit is missed.
        "missed": period & (Q(status=DutyStatus.OPEN, due__lt=today)
                            | Q(status=DutyStatus.LAPSED, closed_on__gt=F("due"))),
        "lapsed": period & Q(status=DutyStatus.LAPSED, closed_on__lte=F("due")),
        "overdue_now": now_open & Q(due__lt=today),
        "open_now": now_open & Q(due__gte=today),
    }


def duty_counts(actor: User, since: date, until: date, by: str = "grid",
                today: date | None = None) -> list[DutyCount]:
    """Per grid or per worker: duties due in [since, until) and what became of
    them, and what is open today."""
    today = today or timezone.localdate()
    field = {"grid": "grid", "worker": "assignee", "rule": "rule"}[by]
    qs = duties_for(actor)
    rows: dict[Any, DutyCount] = {}
    for name, where in duty_filters(since, until, today).items():
        for r in qs.filter(where).values(field).annotate(n=Count("id")).order_by():
            row = rows.setdefault(r[field], DutyCount(key=r[field], label=""))
            setattr(row, name, getattr(row, name) + r["n"])
    _label(rows, by)
    return sorted(rows.values(), key=lambda c: (c.label == "", c.label))


def _label(rows: dict[Any, DutyCount], by: str) -> None:
    names: dict[Any, str]
    if by == "grid":
        names = {g.pk: f"{g.code} {g.name}" for g in Grid.objects.filter(pk__in=rows)}
    elif by == "worker":
        names = {u.pk: u.display_name for u in User.objects.filter(pk__in=[k for k in rows if k])}
    else:
        names = {value: str(label) for value, label in DutyRule.choices}
    for key, count in rows.items():
        count.label = str(names.get(key, "")) or (_("Nobody assigned") if by == "worker" else "")


def week_bounds(today: date) -> tuple[date, date]:
    start = today - timedelta(days=today.weekday())
    return start, start + timedelta(days=7)


DONE_DAYS = 30


def duty_tabs(actor: User, today: date) -> dict[str, Q]:
    """What each tab of the duty list (and GET /api/v1/duties/?tab=) shows;
    the counts on the tabs use the same filters. "mine" only for an account
    that may fulfil duties."""
    week_start, week_end = week_bounds(today)
    open_ = Q(status=DutyStatus.OPEN)
    tabs = {
        "mine": open_ & Q(assignee=actor),
        "overdue": open_ & Q(due__lt=today),
        "week": open_ & Q(due__gte=week_start, due__lt=week_end),
        "open": open_,
        "done": Q(status=DutyStatus.DONE, closed_on__gte=today - timedelta(days=DONE_DAYS)),
    }
    if not actor.has(Perm.LOG_VISITS):
        # Nobody assigns a duty to an account that cannot fulfil it.
        del tabs["mine"]
    return tabs
