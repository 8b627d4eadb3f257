"""Participation's figures (jiayuan.core.metrics): volunteer hours and the
volunteers who served, activities held and their attendance, contact cards
issued; each with its month-by-month series in one grouped query."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiayuan.core import metrics
from jiayuan.core.metric_parts import monthly, monthly_totals
from jiayuan.core.metrics import Metric, Period, Place, PlaceKind, Unit
from jiayuan.core.models import User
from jiayuan.core.roles import Perm
from jiayuan.engage.activities.models import Activity, ActivitySession, SignUp
from jiayuan.engage.activities.selectors import activities_for, sessions_for
from jiayuan.engage.cards.models import CardBatchLine
from jiayuan.engage.cards.selectors import printed_lines
from jiayuan.engage.volunteers.models import HoursEntry, Volunteer
from jiayuan.engage.volunteers.selectors import volunteers_for


def _hours_entries(actor: User, period: Period, place: Place) -> QuerySet[HoursEntry]:
    volunteers = place.filter(volunteers_for(actor), community="community")
    return HoursEntry.objects.filter(volunteer__in=volunteers, on__gte=period.start,
                                     on__lte=period.end)


def _hours(actor: User, period: Period, place: Place) -> Decimal:
    total = _hours_entries(actor, period, place).aggregate(s=Sum("hours"))["s"]
    return total if total is not None else Decimal("0")


def _volunteers_active(actor: User, period: Period, place: Place) -> QuerySet[Volunteer]:
    """Volunteers with hours in the ledger dated in the period, more than none
    once corrections are taken off (hours entered and reversed count nothing)."""
    served = (_hours_entries(actor, period, place).order_by().values("volunteer")
              .annotate(total=Sum("hours")).filter(total__gt=0).values("volunteer"))
    return place.filter(volunteers_for(actor), community="community").filter(pk__in=served)


def _volunteers_trend(actor: User, period: Period, place: Place) -> dict[date, metrics.Figure]:
    """Per month, the volunteers whose hours dated in it add up to more than
    none: one query grouped by volunteer and month, counted here."""
    rows = (_hours_entries(actor, period, place).order_by()
            .annotate(month=TruncMonth("on")).values("volunteer", "month")
            .annotate(total=Sum("hours")).filter(total__gt=0).values_list("month", flat=True))
    out: dict[date, metrics.Figure] = {}
    for month in rows:
        out[month] = int(out.get(month) or 0) + 1
    return out


def _sessions_held(actor: User, period: Period) -> QuerySet[ActivitySession]:
    """Sessions not cancelled that started in the period (and by now)."""
    return sessions_for(actor).filter(cancelled=False, starts_at__gte=period.since,
                                      starts_at__lt=min(period.until, timezone.now()))


def _activities_held(actor: User, period: Period, place: Place) -> QuerySet[Activity]:
    held = _sessions_held(actor, period).values("activity_id")
    return place.filter(activities_for(actor), community="community").filter(pk__in=held)


def _activities_trend(actor: User, period: Period, place: Place) -> dict[date, metrics.Figure]:
    """Per month, the activities with a session held in it (one held in two
    months counts in each, as the figure for each month does)."""
    activities = place.filter(activities_for(actor), community="community")
    return monthly_totals(_sessions_held(actor, period).filter(activity__in=activities),
                          "starts_at", period, Count("activity", distinct=True))


def _attendance(actor: User, period: Period, place: Place) -> QuerySet[SignUp]:
    signups = SignUp.objects.filter(session__in=_sessions_held(actor, period),
                                    attended_at__isnull=False)
    return place.filter(signups, grid="session__activity__grid",
                        community="session__activity__community")


def _card_lines(actor: User, period: Period, place: Place) -> QuerySet[CardBatchLine]:
    lines = printed_lines(actor).filter(batch__created_at__gte=period.since,
                                        batch__created_at__lt=period.until)
    return place.filter(lines, community="batch__community")


def _cards(actor: User, period: Period, place: Place) -> int:
    return _card_lines(actor, period, place).aggregate(n=Sum("copies"))["n"] or 0


ENGAGE = {"permission": Perm.VIEW_ENGAGE}
METRICS = [
    Metric(code="engage.volunteer_hours", order=10, name=_("Volunteer hours"),
           description=_("Hours in the volunteers' ledger dated in the period: approved claims, "
                         "hours served at activities and hours recorded by staff, less "
                         "corrections."),
           how=_("Records: the ledger's entries; value: the sum of their hours."),
           unit=Unit.HOURS, model=HoursEntry, dated_by="on", records=_hours_entries,
           value=_hours, trend=monthly(_hours_entries, "on", Sum("hours")), **ENGAGE),
    Metric(code="engage.volunteers_active", order=15, name=_("Volunteers who served"),
           description=_("Volunteers with hours in the ledger dated in the period (approved "
                         "claims, hours served at activities, hours recorded by staff) adding "
                         "up to more than none once corrections are taken off."),
           unit=Unit.COUNT, model=Volunteer, dated_by="hours on", records=_volunteers_active,
           trend=_volunteers_trend, **ENGAGE),
    Metric(code="engage.activities_held", order=20, name=_("Activities held"),
           description=_("Activities with at least one session (not cancelled) that started "
                         "in the period."),
           unit=Unit.COUNT, model=Activity, dated_by="session starts_at",
           records=_activities_held, trend=_activities_trend, **ENGAGE),
    Metric(code="engage.attendance", order=30, name=_("Attendance at activities"),
           description=_("Check-ins at the sessions held in the period: a resident who came "
                         "to two sessions counts twice."),
           unit=Unit.COUNT, model=SignUp, dated_by="session starts_at", records=_attendance,
           trend=monthly(_attendance, "session__starts_at"), **ENGAGE),
    Metric(code="engage.cards_issued", order=40, name=_("Contact cards issued"),
           description=_("Contact cards printed in batches made in the period (the "
                         "figure the cards page gives for a year)."),
           how=_("Records: the lines of the printed batches; value: the sum of their copies."),
           unit=Unit.COUNT, model=CardBatchLine, dated_by="batch created_at",
           records=_card_lines, value=_cards,
           trend=monthly(_card_lines, "batch__created_at", Sum("copies")),
           places=frozenset({PlaceKind.DISTRICT, PlaceKind.COMMUNITY}), **ENGAGE),
]

for metric in METRICS:
    metrics.register(metric)
