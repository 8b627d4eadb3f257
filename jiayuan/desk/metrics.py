"""The desk's figures (jiayuan.core.metrics). Each one counts the cases of
`selectors.cases_for` that one filter of `stats.case_filters` selects: the
filters the desk statistics page counts with, so both show the same number.
Also: how long residents wait (median and 90th percentile, in days) and the
breakdowns of the cases resolved by outcome and received by channel."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiayuan.core import metrics
from jiayuan.core.metric_parts import DaysBetween, by_choice, monthly
from jiayuan.core.metrics import Breakdown, Metric, Period, Place, PlaceKind, Unit
from jiayuan.core.models import User
from jiayuan.core.roles import Perm
from jiayuan.desk import stats
from jiayuan.desk.choices import Channel, Outcome
from jiayuan.desk.models import Case, FollowUp
from jiayuan.desk.selectors import cases_for


def _cases(actor: User, place: Place) -> QuerySet[Case]:
    return place.filter(cases_for(actor), community="community")


def _records(figure: str) -> metrics.Records:
    def records(actor: User, period: Period, place: Place) -> QuerySet[Case]:
        where = stats.case_filters(period.since, period.until, timezone.now())[figure]
        return _cases(actor, place).filter(where)

    return records


def _rate(part: str, whole: str) -> metrics.ValueFunc:
    def value(actor: User, period: Period, place: Place) -> float | None:
        where = stats.case_filters(period.since, period.until, timezone.now())
        # The part is a subset of the whole: select the whole (the period's
        # cases, by index) first, then count the part among them.
        row = _cases(actor, place).filter(where[whole]).aggregate(
            part=Count("id", filter=where[part]), whole=Count("id"))
        return metrics.percent(row["part"], row["whole"])

    return value


# --- how long residents wait --------------------------------------------------

def nearest_rank(values: list[float], pct: int) -> float | None:
    """The `pct`th percentile of `values` by nearest rank: sorted, the value
    at rank ⌈pct × n / 100⌉ (the median of 4 values is the 2nd, the 90th
    percentile of 5 the 5th), in days with one decimal; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-pct * len(ordered) // 100))
    return round(ordered[rank - 1], 1)


def _answered(actor: User, period: Period, place: Place) -> QuerySet[Case]:
    """Requests received in the period that have had their first response."""
    return _records("received")(actor, period, place).filter(acknowledged_at__isnull=False)


def rank_in_database(days: QuerySet[Any], field: str, pct: int) -> float | None:
    """`nearest_rank` of the values of `field` over `days`, found by the
    database in one statement (so one snapshot): the rows counted, then the
    value at rank ⌈pct × n / 100⌉ of their order, OFFSET by the count. Only
    that value leaves the database, not one per case (at a million people,
    the four waits over a quarter's 170,000 cases 301–386 → 220–261 ms each,
    over a month's 26–34 → 18–23 ms; docs/scale.md)."""
    values = days.order_by().values_list(field)
    try:
        sql, params = values.query.sql_with_params()
    except EmptyResultSet:  # a scope that selects nothing (no grid, no community)
        return None
    qn = connections[values.db].ops.quote_name(field)
    rank = "((%s * n + 99) / 100)"  # ⌈pct × n / 100⌉, in integers
    statement = (f"SELECT v.{qn} FROM ({sql}) v ORDER BY v.{qn} "  # noqa: S608
                 f"LIMIT 1 OFFSET (SELECT CASE WHEN n = 0 THEN 0 ELSE {rank} - 1 END "
                 f"FROM (SELECT COUNT(*) AS n FROM ({sql}) c) k)")
    with connections[values.db].cursor() as cursor:
        cursor.execute(statement, [*params, pct, *params])
        row = cursor.fetchone()
    return None if row is None else round(max(0.0, float(row[0])), 1)


def _wait(records: metrics.Records, end: str, pct: int) -> metrics.ValueFunc:
    """The `pct`th percentile of the days from opening to `end`, over `records`
    (computed by the database; a moment before the opening counts as no
    wait: clamping to 0 keeps the order, so the rank's value is clamped)."""
    def value(actor: User, period: Period, place: Place) -> float | None:
        days = (records(actor, period, place).filter(**{f"{end}__isnull": False})
                .annotate(_days=DaysBetween("opened_at", end)))
        return rank_in_database(days, "_days", pct)

    return value


def _queue(code: str) -> metrics.ListUrl:
    """A work queue: the reader's cases in scope, so only for the district."""
    def url(period: Period, place: Place) -> str | None:
        return reverse("desk_queue", args=[code]) if place.kind == PlaceKind.DISTRICT else None

    return url


def _due_today(period: Period, place: Place) -> str | None:
    today = timezone.localdate()
    if period.start == period.end == today:
        return _queue("due_today")(period, place)
    return None


def _calls(actor: User, period: Period, place: Place) -> QuerySet[FollowUp]:
    calls = stats.follow_up_calls(_cases(actor, place), period.since, period.until)
    return calls.filter(satisfaction__isnull=False)


def _satisfied(actor: User, period: Period, place: Place) -> float | None:
    row = _calls(actor, period, place).aggregate(
        rated=Count("id"), satisfied=Count("id", filter=stats.SATISFIED))
    return metrics.percent(row["satisfied"], row["rated"])


COMMON: dict[str, Any] = {"model": Case}
METRICS = [
    Metric(code="desk.cases_opened", order=10, name=_("Requests received"),
           description=_("Requests opened at the desk, on the hotline or through the portal "
                         "in the period, whatever became of them."),
           unit=Unit.COUNT, dated_by="opened_at", permission=Perm.VIEW_CASES,
           records=_records("received"), trend=monthly(_records("received"), "opened_at"),
           **COMMON),
    Metric(code="desk.cases_resolved", order=20, name=_("Cases resolved"),
           description=_("Cases resolved in the period."),
           unit=Unit.COUNT, dated_by="resolved_at", permission=Perm.VIEW_CASES,
           records=_records("resolved"), trend=monthly(_records("resolved"), "resolved_at"),
           **COMMON),
    Metric(code="desk.cases_open", order=30, name=_("Open cases"),
           description=_("Cases not yet resolved, closed or withdrawn, today."),
           unit=Unit.COUNT, permission=Perm.VIEW_CASES,
           records=_records("open"), list_url=_queue("open"), **COMMON),
    Metric(code="desk.cases_due", order=40, name=_("Cases due"),
           description=_("Open cases whose resolution is due in the period and not yet "
                         "past due."),
           unit=Unit.COUNT, dated_by="due", permission=Perm.VIEW_CASES,
           records=_records("due_ahead"), list_url=_due_today,
           trend=monthly(_records("due_ahead"), "due"), **COMMON),
    Metric(code="desk.cases_overdue", order=50, name=_("Overdue cases"),
           description=_("Open cases past their resolution due date, today."),
           unit=Unit.COUNT, permission=Perm.VIEW_CASES,
           records=_records("overdue"), list_url=_queue("overdue"), **COMMON),
    Metric(code="desk.first_response_on_time", order=60, name=_("First response on time"),
           description=_("Of the requests received in the period whose first response was "
                         "given or is past its target (withdrawn ones without a response "
                         "left out), the share answered by the target."),
           how=_("Records: the requests judged; value: the percentage of them "
                 "acknowledged by their first-response target."),
           unit=Unit.PERCENT, dated_by="opened_at", permission=Perm.VIEW_DESK_STATS,
           records=_records("response_judged"),
           value=_rate("response_direct_ok", "response_judged"), **COMMON),
    Metric(code="desk.resolution_on_time", order=70, name=_("Resolved on time"),
           description=_("Of the cases resolved in the period, the share resolved by their "
                         "due date."),
           how=_("Records: the cases resolved; value: the percentage of them resolved by "
                 "their due date."),
           unit=Unit.PERCENT, dated_by="resolved_at", permission=Perm.VIEW_DESK_STATS,
           records=_records("resolved"), value=_rate("resolution_direct_ok", "resolved"),
           **COMMON),
    Metric(code="desk.follow_up_satisfied", order=80, name=_("Satisfied at follow-up"),
           description=_("Of the follow-up calls made in the period in which the resident "
                         "rated the service, the share rating it 4 or 5 out of 5."),
           how=_("Records: the rated follow-up calls; value: the percentage of them rated "
                 "4 or 5."),
           unit=Unit.PERCENT, dated_by="at", permission=Perm.VIEW_DESK_STATS,
           model=FollowUp, records=_calls, value=_satisfied),
    Metric(code="desk.days_to_first_response_median", order=90,
           name=_("Days to first response (median)"),
           description=_("Of the requests received in the period that have had their first "
                         "response, the median of the days from receipt to the first response "
                         "(requests still waiting are left out: see “First response on time”). "
                         "Percentile by nearest rank: the days sorted, the value at rank ⌈p × n "
                         "/ 100⌉ (the median of 4 is the 2nd, the 90th percentile of 5 the 5th), "
                         "in calendar days with one decimal; empty when there is no case."),
           how=_("Records: the requests received in the period and answered; value: the "
                 "median of their days to the first response (nearest rank)."),
           unit=Unit.DAYS, dated_by="opened_at", permission=Perm.VIEW_DESK_STATS,
           records=_answered, value=_wait(_answered, "acknowledged_at", 50), **COMMON),
    Metric(code="desk.days_to_first_response_p90", order=91,
           name=_("Days to first response (90th percentile)"),
           description=_("Of the requests received in the period that have had their first "
                         "response, the days within which nine in ten of them were answered. "
                         "Percentile by nearest rank: the days sorted, the value at rank ⌈p × n "
                         "/ 100⌉ (the median of 4 is the 2nd, the 90th percentile of 5 the 5th), "
                         "in calendar days with one decimal; empty when there is no case."),
           how=_("Records: the requests received in the period and answered; value: the "
                 "90th percentile of their days to the first response (nearest rank)."),
           unit=Unit.DAYS, dated_by="opened_at", permission=Perm.VIEW_DESK_STATS,
           records=_answered, value=_wait(_answered, "acknowledged_at", 90), **COMMON),
    Metric(code="desk.days_to_resolution_median", order=92,
           name=_("Days to resolution (median)"),
           description=_("Of the cases resolved in the period, the median of the days from "
                         "receipt to resolution. Percentile by nearest rank: the days sorted, "
                         "the value at rank ⌈p × n / 100⌉ (the median of 4 is the 2nd, the 90th "
                         "percentile of 5 the 5th), in calendar days with one decimal; empty "
                         "when there is no case."),
           how=_("Records: the cases resolved in the period; value: the median of their "
                 "days from receipt to resolution (nearest rank)."),
           unit=Unit.DAYS, dated_by="resolved_at", permission=Perm.VIEW_DESK_STATS,
           records=_records("resolved"), value=_wait(_records("resolved"), "resolved_at", 50),
           **COMMON),
    Metric(code="desk.days_to_resolution_p90", order=93,
           name=_("Days to resolution (90th percentile)"),
           description=_("Of the cases resolved in the period, the days within which nine in ten "
                         "of them were resolved. Percentile by nearest rank: the days sorted, "
                         "the value at rank ⌈p × n / 100⌉ (the median of 4 is the 2nd, the 90th "
                         "percentile of 5 the 5th), in calendar days with one decimal; empty "
                         "when there is no case."),
           how=_("Records: the cases resolved in the period; value: the 90th percentile of "
                 "their days from receipt to resolution (nearest rank)."),
           unit=Unit.DAYS, dated_by="resolved_at", permission=Perm.VIEW_DESK_STATS,
           records=_records("resolved"), value=_wait(_records("resolved"), "resolved_at", 90),
           **COMMON),
]

for metric in METRICS:
    metrics.register(metric)


# --- breakdowns -----------------------------------------------------------------


CASES = ("cases", pgettext_lazy("breakdown column", "Cases"))
metrics.register_breakdown(Breakdown(
    code="desk.outcomes", order=10, name=_("Cases resolved by outcome"),
    description=_("The cases resolved in the period, by the outcome recorded (jobs found, "
                  "school places, subsidies…); cases resolved without an outcome are not "
                  "counted."),
    permission=Perm.VIEW_CASES, dated_by="resolved_at",
    cells=by_choice(_records("resolved"), "outcome", list(Outcome.choices), CASES)))
metrics.register_breakdown(Breakdown(
    code="desk.channels", order=20, name=_("Requests received by channel"),
    description=_("The requests received in the period, by the way they came in."),
    permission=Perm.VIEW_CASES, dated_by="opened_at",
    cells=by_choice(_records("received"), "channel", list(Channel.choices),
              ("requests", pgettext_lazy("breakdown column", "Requests")))))
