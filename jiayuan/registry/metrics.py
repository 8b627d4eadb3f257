"""The registry's figures (jiayuan.core.metrics): households and people living
here on the period's last day (or today, if the period ends later), in all and
by residency category."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from jiayuan.core import metrics
from jiayuan.core.metrics import Metric, Period, Place, PlaceKind, Unit
from jiayuan.core.models import User
from jiayuan.core.roles import Perm
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
        dated_by="moved_in, moved_out", permission=Perm.VIEW_REGISTRY,
        records=_households(code), list_url=_household_list(code)))
    metrics.register(Metric(
        code=f"registry.people{suffix}", order=10 + order, name=people,
        description=PEOPLE_OF if code else PEOPLE, unit=Unit.COUNT, model=Person,
        dated_by="left_on; household moved_in, moved_out", permission=Perm.VIEW_REGISTRY,
        records=_people(code)))
