"""Visits and care's figures (jiayuan.core.metrics): visits made, must-visit
duties (the filters of the care statistics page, duties.selectors.duty_filters),
disputes and pairings; visits by purpose and disputes by outcome as breakdowns."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiayuan.care.choices import (
    OPEN_DISPUTE_STATUSES,
    DisputeOutcome,
    PairingStatus,
    VisitPurpose,
)
from jiayuan.care.duties.selectors import duties_for, duty_filters
from jiayuan.care.mediation.selectors import disputes_for
from jiayuan.care.models import Dispute, Duty, Pairing, Visit
from jiayuan.care.pairing.selectors import pairings_for, quiet, with_contact
from jiayuan.care.visits.selectors import visits_for
from jiayuan.core import metrics
from jiayuan.core.metric_parts import by_choice, monthly
from jiayuan.core.metrics import Breakdown, Metric, Period, Place, PlaceKind, Unit
from jiayuan.core.models import User
from jiayuan.core.roles import Perm


def _duty_filter(period: Period, name: str) -> Q:
    return duty_filters(period.start, period.after_end, timezone.localdate())[name]


def _duties(*names: str) -> metrics.Records:
    def records(actor: User, period: Period, place: Place) -> QuerySet[Duty]:
        where = Q()
        for name in names:
            where |= _duty_filter(period, name)
        return place.filter(duties_for(actor)).filter(where)

    return records


def _visits(actor: User, period: Period, place: Place) -> QuerySet[Visit]:
    return place.filter(visits_for(actor), community="community").filter(
        visited_at__gte=period.since, visited_at__lt=period.until)


ON_TIME_JUDGED = ("on_time", "late", "missed")


def _on_time_rate(actor: User, period: Period, place: Place) -> float | None:
    """DutyCount.rate: visited by the due date, of the duties due in the period
    that were visited or missed (lapsed before their due date left out)."""
    row = _duties(*ON_TIME_JUDGED)(actor, period, place).aggregate(
        judged=Count("id"), on_time=Count("id", filter=_duty_filter(period, "on_time")))
    return metrics.percent(row["on_time"], row["judged"])


def _overdue_list(period: Period, place: Place) -> str | None:
    if place.kind == PlaceKind.COMMUNITY:
        return None
    return f"{reverse('duty_list')}?{urlencode({**place.query(), 'tab': 'overdue'})}"


def _tab(url_name: str, tab: str) -> metrics.ListUrl:
    """A list tab of the reader's whole scope: for the district only."""
    def url(period: Period, place: Place) -> str | None:
        if place.kind != PlaceKind.DISTRICT:
            return None
        return f"{reverse(url_name)}?{urlencode({'tab': tab})}"

    return url


def _disputes(actor: User, place: Place) -> QuerySet[Dispute]:
    return place.filter(disputes_for(actor), community="community")


def _disputes_open(actor: User, period: Period, place: Place) -> QuerySet[Dispute]:
    return _disputes(actor, place).filter(status__in=OPEN_DISPUTE_STATUSES)


def _disputes_resolved(actor: User, period: Period, place: Place) -> QuerySet[Dispute]:
    return _disputes(actor, place).filter(outcome=DisputeOutcome.RESOLVED,
                                          closed_on__gte=period.start,
                                          closed_on__lte=period.end)


def _disputes_closed(actor: User, period: Period, place: Place) -> QuerySet[Dispute]:
    return _disputes(actor, place).filter(closed_on__gte=period.start, closed_on__lte=period.end)


def _disputes_escalated(actor: User, period: Period, place: Place) -> QuerySet[Dispute]:
    return _disputes(actor, place).filter(escalated_on__gte=period.start,
                                          escalated_on__lte=period.end)


def _pairings_active(actor: User, period: Period, place: Place) -> QuerySet[Pairing]:
    return place.filter(pairings_for(actor), community="community").filter(
        status=PairingStatus.ACTIVE)


def _pairings_quiet(actor: User, period: Period, place: Place) -> QuerySet[Pairing]:
    """Active, and no contact (check-in or visit) for QUIET_DAYS, counted from
    the start when there was never any: the pairing list's "quiet" tab (one rule,
    care.pairing.selectors.quiet)."""
    return with_contact(_pairings_active(actor, period, place)).filter(quiet())


DUTY = {"model": Duty, "permission": Perm.VIEW_VISITS}
DISPUTE = {"model": Dispute, "permission": Perm.VIEW_DISPUTES}
METRICS = [
    Metric(code="care.visits", order=5, name=_("Visits made"),
           description=_("Entries of the visit diary dated in the period: home visits, calls "
                         "and meetings at the shop or the station, whatever their purpose. A "
                         "visit to several households counts once."),
           unit=Unit.COUNT, dated_by="visited_at", model=Visit, permission=Perm.VIEW_VISITS,
           records=_visits, trend=monthly(_visits, "visited_at")),
    Metric(code="care.duties_due", order=10, name=_("Must-visit duties due"),
           description=_("Must-visit duties whose due date falls in the period, whatever "
                         "became of them."),
           unit=Unit.COUNT, dated_by="due", records=_duties("due"),
           trend=monthly(_duties("due"), "due"), **DUTY),
    Metric(code="care.duties_on_time", order=20, name=_("Must-visit duties visited on time"),
           description=_("Of the duties due in the period, those closed by a visit on or "
                         "before their due date."),
           unit=Unit.COUNT, dated_by="due", records=_duties("on_time"),
           trend=monthly(_duties("on_time"), "due"), **DUTY),
    Metric(code="care.duties_overdue", order=30, name=_("Must-visit duties overdue"),
           description=_("Duties still open today and past their due date."),
           unit=Unit.COUNT, records=_duties("overdue_now"), list_url=_overdue_list, **DUTY),
    Metric(code="care.duties_on_time_rate", order=40, name=_("Must-visit duties on time"),
           description=_("Of the duties due in the period that were visited or missed, the "
                         "share visited by their due date. A duty whose reason ended before "
                         "its due date is left out; one that ended after it unvisited counts "
                         "as missed."),
           how=_("Records: the duties judged (on time, late or missed); value: the "
                 "percentage of them visited on time."),
           unit=Unit.PERCENT, dated_by="due", model=Duty, permission=Perm.VIEW_CARE_STATS,
           records=_duties(*ON_TIME_JUDGED), value=_on_time_rate),
    Metric(code="care.disputes_open", order=50, name=_("Disputes open"),
           description=_("Disputes open or in mediation today."),
           unit=Unit.COUNT, records=_disputes_open, list_url=_tab("dispute_list", "open"),
           **DISPUTE),
    Metric(code="care.disputes_resolved", order=60, name=_("Disputes resolved"),
           description=_("Disputes closed in the period with the outcome “resolved” "
                         "(partly resolved, referred and withdrawn ones not counted)."),
           unit=Unit.COUNT, dated_by="closed_on", records=_disputes_resolved,
           trend=monthly(_disputes_resolved, "closed_on"), **DISPUTE),
    Metric(code="care.disputes_escalated", order=70, name=_("Disputes escalated"),
           description=_("Disputes escalated in the period."),
           unit=Unit.COUNT, dated_by="escalated_on", records=_disputes_escalated,
           trend=monthly(_disputes_escalated, "escalated_on"), **DISPUTE),
    Metric(code="care.pairings_active", order=80, name=_("Pairings active"),
           description=_("One-to-one pairings active today (paused and ended ones not "
                         "counted)."),
           unit=Unit.COUNT, model=Pairing, permission=Perm.VIEW_VISITS,
           records=_pairings_active, list_url=_tab("pairing_list", "active")),
    Metric(code="care.pairings_quiet", order=90, name=_("Pairings without a recent check-in"),
           description=_("Pairings active today with no contact (a check-in or a visit by "
                         "the helper) in the last 30 days; one never contacted counts from "
                         "its start, so a pairing begun last week is not counted."),
           unit=Unit.COUNT, model=Pairing, permission=Perm.VIEW_VISITS,
           records=_pairings_quiet, list_url=_tab("pairing_list", "quiet")),
]

for metric in METRICS:
    metrics.register(metric)


# --- breakdowns -----------------------------------------------------------------


metrics.register_breakdown(Breakdown(
    code="care.visits_by_reason", order=10, name=_("Visits by purpose"),
    description=_("The visits made in the period (as “Visits made” counts them), by the "
                  "purpose recorded: routine, must-visit duty, follow-up, festival greeting, "
                  "merchant contact."),
    permission=Perm.VIEW_VISITS, dated_by="visited_at",
    cells=by_choice(_visits, "purpose", list(VisitPurpose.choices),
              ("visits", pgettext_lazy("breakdown column", "Visits")))))
metrics.register_breakdown(Breakdown(
    code="care.disputes_by_outcome", order=20, name=_("Disputes closed by outcome"),
    description=_("The disputes closed in the period, by outcome: resolved, partly resolved, "
                  "referred to a department or court, withdrawn (closed ones without an "
                  "outcome not counted)."),
    permission=Perm.VIEW_DISPUTES, dated_by="closed_on",
    cells=by_choice(_disputes_closed, "outcome", list(DisputeOutcome.choices),
              ("disputes", pgettext_lazy("breakdown column", "Disputes")))))
