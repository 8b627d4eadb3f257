"""The registry's figures (jiayuan.core.metrics): households and people living
here on the period's last day (or today, if the period ends later), in all and
by residency category; people by residency category and, for readers of
sensitive data only, by ethnic group (counts of people: suppressed when
published, never a list of anyone)."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiayuan.core import metrics
from jiayuan.core.metric_parts import by_choice, described
from jiayuan.core.metrics import Breakdown, Cells, Metric, Period, Place, PlaceKind, Unit
from jiayuan.core.models import User
from jiayuan.core.roles import Perm
from jiayuan.lib.ethnicity import ETHNIC_GROUPS, ETHNICITY_CHOICES
from jiayuan.registry import living_counts
from jiayuan.registry.choices import Residency
from jiayuan.registry.models import Household, Person
from jiayuan.registry.selectors import households_for, people_for


def counted_on(period: Period) -> date:
    """The day the registry is read on: the period's last, or today if sooner."""
    return min(period.end, timezone.localdate())


def living_households(actor: User, period: Period, place: Place,
                      residency: str = "") -> QuerySet[Household]:
    day = counted_on(period)
    qs = place.filter(households_for(actor)).filter(
        Q(moved_out__isnull=True) | Q(moved_out__gt=day), moved_in__lte=day)
    return qs.filter(residency=residency) if residency else qs


def living_people(actor: User, period: Period, place: Place,
                  residency: str = "") -> QuerySet[Person]:
    day = counted_on(period)
    qs = place.filter(people_for(actor)).filter(
        Q(left_on__isnull=True) | Q(left_on__gt=day),
        Q(household__moved_out__isnull=True) | Q(household__moved_out__gt=day),
        household__moved_in__lte=day)
    return qs.filter(household__residency=residency) if residency else qs


def _households(residency: str) -> metrics.Records:
    return lambda actor, period, place: living_households(actor, period, place, residency)


def _people(residency: str) -> metrics.Records:
    return lambda actor, period, place: living_people(actor, period, place, residency)


def _living_by_residency(model: str, actor: User, period: Period,
                         place: Place) -> dict[str, int]:
    """Households or people living here by residency category: one grouped
    query the four figures of each share while read together (a dashboard,
    a report), instead of four counts each joining the people to their
    households (bench/dashboard_report.py)."""
    def compute() -> dict[str, int]:
        # The counts PostgreSQL keeps, where it can be shown that they are
        # kept (jiayuan.registry.living_counts); else the people counted.
        kept = living_counts.living_by_residency(model, actor, counted_on(period), place)
        if kept is not None:
            return kept
        if model == "households":
            qs, field = living_households(actor, period, place), "residency"
        else:
            qs, field = living_people(actor, period, place), "household__residency"
        # COUNT(*), not COUNT(id): PostgreSQL then counts the people from the
        # (household, left_on) index alone, without reading their rows.
        return dict(qs.order_by().values(field).annotate(n=Count("*")).values_list(field, "n"))

    return metrics.shared(("registry.living", model, actor.pk, counted_on(period),
                           timezone.localdate(), place), compute)


def _counted(model: str, residency: str) -> metrics.ValueFunc:
    def value(actor: User, period: Period, place: Place) -> int:
        counts = _living_by_residency(model, actor, period, place)
        return counts.get(residency, 0) if residency else sum(counts.values())

    return value


def _household_list(residency: str) -> metrics.ListUrl:
    """The household list shows those living here today, in all or per grid."""
    def url(period: Period, place: Place) -> str | None:
        if period.end < timezone.localdate() or place.kind == PlaceKind.COMMUNITY:
            return None
        query = {**place.query(), **({"residency": residency} if residency else {})}
        base = reverse("household_list")
        return f"{base}?{urlencode(query)}" if query else base

    return url


HOUSEHOLDS = _("Households living here on the period's last day (today, if the period "
               "ends later): moved in by then and not moved out.")
PEOPLE = _("People living here on the period's last day (today, if the period ends "
           "later): members who had not left, of households living here; a person's "
           "residency category is the household's.")
ALL = [("", _("Households"), _("People"))] + [
    (code, format_lazy(_("Households: {category}"), category=label),
     format_lazy(_("People: {category}"), category=label))
    for code, label in Residency.choices]

HOUSEHOLDS_OF = _("Of the households living here on the period's last day (today, if the "
                  "period ends later), those of this residency category.")
PEOPLE_OF = _("Of the people living here on the period's last day (today, if the period "
              "ends later), those whose household is of this residency category.")

for order, (code, households, people) in enumerate(ALL):
    suffix = f".{code}" if code else ""
    metrics.register(Metric(
        code=f"registry.households{suffix}", order=order, name=households,
        description=HOUSEHOLDS_OF if code else HOUSEHOLDS, unit=Unit.COUNT, model=Household,
        dated_by="moved_in, moved_out", on_last_day=True, permission=Perm.VIEW_REGISTRY,
        records=_households(code), counted=_counted("households", code),
        list_url=_household_list(code)))
    metrics.register(Metric(
        code=f"registry.people{suffix}", order=10 + order, name=people,
        description=PEOPLE_OF if code else PEOPLE, unit=Unit.COUNT, model=Person,
        dated_by="left_on; household moved_in, moved_out", on_last_day=True,
        permission=Perm.VIEW_REGISTRY,
        records=_people(code), counted=_counted("people", code)))



# --- breakdowns -----------------------------------------------------------------

PEOPLE_COLUMN = ("people", pgettext_lazy("breakdown column", "People"))
NOT_STATED = ("not_stated", pgettext_lazy("ethnic group", "Not stated"))
GROUP_ORDER = {code: n for n, (code, _zh, _en) in enumerate(ETHNIC_GROUPS)}
GROUP_LABELS: dict[str, Any] = dict(ETHNICITY_CHOICES)


def _people_by_ethnicity(actor: User, period: Period, place: Place) -> Cells:
    """Rows: the ethnic groups that occur among the people counted (in the
    standard's order), then "not stated"; one column, the people. (Not split
    by residency category: those totals are published in full as figures of
    the same report, and a hidden count must not be recoverable from them.)"""
    found: dict[str, int] = dict(
        living_people(actor, period, place).order_by().values("ethnicity")
        .annotate(n=Count("id")).values_list("ethnicity", "n"))
    groups = sorted((group for group in found if group),
                    key=lambda code: (GROUP_ORDER.get(code, len(GROUP_ORDER)), code))
    rows: list[tuple[str, Any]] = [(code, GROUP_LABELS.get(code, code)) for code in groups]
    counts = [[found.get(code, 0)] for code in [*groups, ""]]  # "": stated none
    return Cells(rows=[*rows, NOT_STATED], columns=[PEOPLE_COLUMN], counts=counts)


metrics.register_breakdown(Breakdown(
    code="registry.people_by_residency", order=10, name=_("People by residency category"),
    description=_("The people living here on the period's last day (today, if the period "
                  "ends later), as “People” counts them, by their household's residency "
                  "category."),
    permission=Perm.VIEW_REGISTRY, dated_by="left_on; household moved_in, moved_out",
    # Not through the suppression rule: residency is not a sensitive category, and
    # these are the report's "People: ..." figures, shown in full beside it.
    cells=by_choice(living_people, "household__residency", list(Residency.choices),
                    PEOPLE_COLUMN)))
metrics.register_breakdown(Breakdown(
    code="registry.people_by_ethnicity", order=20, name=_("People by ethnic group"),
    description=_("The people living here on the period's last day (today, if the period "
                  "ends later), as “People” counts them, by the ethnic group they declared "
                  "(the groups that occur, then those who stated none). Counts only, for "
                  "readers of sensitive data: never a list of people, never a filter."),
    permission=Perm.VIEW_REGISTRY, dated_by="left_on; household moved_in, moved_out",
    people=True, sensitive=True,
    cells=described(
        _people_by_ethnicity, _("The ethnic groups that occur (in the order of GB/T 3304), "
                                "then “Not stated”"), [PEOPLE_COLUMN])))
