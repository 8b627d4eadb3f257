"""The desk's figures (jiayuan.core.metrics). Each one counts the cases of
`selectors.cases_for` that one filter of `stats.case_filters` selects: the
filters the desk statistics page counts with, so both show the same number."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiayuan.core import metrics
from jiayuan.core.metrics import Metric, Period, Place, PlaceKind, Unit
from jiayuan.core.models import User
from jiayuan.core.roles import Perm
from jiayuan.desk import stats
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
        row = _cases(actor, place).aggregate(part=Count("id", filter=where[part]),
                                             whole=Count("id", filter=where[whole]))
        return metrics.percent(row["part"], row["whole"])

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
           records=_records("received"), **COMMON),
    Metric(code="desk.cases_resolved", order=20, name=_("Cases resolved"),
           description=_("Cases resolved in the period."),
           unit=Unit.COUNT, dated_by="resolved_at", permission=Perm.VIEW_CASES,
           records=_records("resolved"), **COMMON),
    Metric(code="desk.cases_open", order=30, name=_("Open cases"),
           description=_("Cases not yet resolved, closed or withdrawn, today."),
           unit=Unit.COUNT, permission=Perm.VIEW_CASES,
           records=_records("open"), list_url=_queue("open"), **COMMON),
    Metric(code="desk.cases_due", order=40, name=_("Cases due"),
           description=_("Open cases whose resolution is due in the period and not yet "
                         "past due."),
           unit=Unit.COUNT, dated_by="due", permission=Perm.VIEW_CASES,
           records=_records("due_ahead"), list_url=_due_today, **COMMON),
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
]

for metric in METRICS:
    metrics.register(metric)
