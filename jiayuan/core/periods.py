"""Where and when a figure is taken: a `Period` of days in station time and a
`Place` (the district, a community or a grid). `core.metrics` reads every
figure for one of each, and re-exports these names (`metrics.Period`)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# --- the period ------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    """The days a figure covers: `start` to `end`, both inclusive, in station
    time. A period may end in the future (this month's duties not yet due)
    but not start there: there is nothing to count yet. `today` (for tests
    and callers that hold the station's date) defaults to the station's date."""

    start: date
    end: date
    today: date | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.start, date) or not isinstance(self.end, date):
            raise ValueError(_("A period needs a first and a last day."))
        if isinstance(self.start, datetime) or isinstance(self.end, datetime):
            raise ValueError(_("A period is made of days, not moments."))
        if self.end < self.start:
            raise ValueError(_("The last day (%(end)s) is before the first day (%(start)s).")
                             % {"start": self.start.isoformat(), "end": self.end.isoformat()})
        today = self.today or timezone.localdate()
        if self.start > today:
            raise ValueError(_("The first day (%(start)s) is in the future: there is nothing "
                               "to count yet.") % {"start": self.start.isoformat()})

    @classmethod
    def custom(cls, start: date, end: date, *, today: date | None = None) -> Period:
        return cls(start, end, today)

    @classmethod
    def month(cls, year: int, month: int, *, today: date | None = None) -> Period:
        if not 1 <= month <= 12:
            raise ValueError(_("A month is numbered 1 to 12, not %(month)s.") % {"month": month})
        last = calendar.monthrange(year, month)[1]
        return cls(date(year, month, 1), date(year, month, last), today)

    @classmethod
    def quarter(cls, year: int, quarter: int, *, today: date | None = None) -> Period:
        if not 1 <= quarter <= 4:
            raise ValueError(_("A quarter is numbered 1 to 4, not %(quarter)s.")
                             % {"quarter": quarter})
        first = 3 * quarter - 2
        return cls(date(year, first, 1),
                   date(year, first + 2, calendar.monthrange(year, first + 2)[1]), today)

    @classmethod
    def year(cls, year: int, *, today: date | None = None) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31), today)

    @property
    def since(self) -> datetime:
        """The first moment of the period (aware, station time)."""
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def until(self) -> datetime:
        """The first moment after the period (exclusive)."""
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    @property
    def after_end(self) -> date:
        """The day after the last (exclusive bound for date fields)."""
        return self.end + timedelta(days=1)

    def __str__(self) -> str:
        return f"{self.start.isoformat()}/{self.end.isoformat()}"


# --- the place -------------------------------------------------------------------

class PlaceKind(StrEnum):
    DISTRICT = "district"
    COMMUNITY = "community"
    GRID = "grid"


PLACE_LABELS = {PlaceKind.DISTRICT: gettext_lazy("district"),
                PlaceKind.COMMUNITY: gettext_lazy("community"),
                PlaceKind.GRID: gettext_lazy("grid")}
EVERY_PLACE = frozenset(PlaceKind)


@dataclass(frozen=True)
class Place:
    """Where a figure is taken: the whole district (whatever the reader's
    scope holds of it), one community or one grid, by id. A place narrows the
    reader's scope, never widens it: a grid out of scope counts nothing."""

    kind: PlaceKind
    id: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in EVERY_PLACE:
            raise ValueError(_("Choose the district, a community or a grid."))
        if self.kind == PlaceKind.DISTRICT:
            if self.id is not None:
                raise ValueError(_("The district has no number."))
        elif isinstance(self.id, bool) or not isinstance(self.id, int) or self.id < 1:
            raise ValueError(_("Say which %(place)s.") % {"place": PLACE_LABELS[self.kind]})

    @classmethod
    def district(cls) -> Place:
        return cls(PlaceKind.DISTRICT)

    @classmethod
    def community(cls, pk: int) -> Place:
        return cls(PlaceKind.COMMUNITY, pk)

    @classmethod
    def grid(cls, pk: int) -> Place:
        return cls(PlaceKind.GRID, pk)

    def filter(self, qs: QuerySet[Any], *, grid: str = "grid",
               community: str | None = None) -> QuerySet[Any]:
        """`qs` cut to this place through its `grid` relation (a path such as
        "household__grid" works too) and, for rows that may belong to a whole
        community without a grid, its `community` relation."""
        if self.kind == PlaceKind.GRID:
            return qs.filter(**{grid: self.id})
        if self.kind == PlaceKind.COMMUNITY:
            return qs.filter(**{community or f"{grid}__community": self.id})
        return qs

    def query(self) -> dict[str, int]:
        """The place as list filters (`?grid=3`)."""
        return {} if self.id is None else {str(self.kind): self.id}

    def __str__(self) -> str:
        return str(self.kind) if self.id is None else f"{self.kind}:{self.id}"


def months(period: Period) -> list[Period]:
    """The calendar months a period touches, each cut to the period (a
    quarter gives three; 10 March to 5 April gives 10-31 March and 1-5 April),
    up to this month (months still to come have nothing to count)."""
    out = []
    first = period.start.replace(day=1)
    today = period.today or timezone.localdate()
    while first <= period.end and first <= today:  # nothing to count in months to come
        last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
        out.append(Period(max(first, period.start), min(last, period.end), period.today))
        first = last + timedelta(days=1)
    return out


def last_months(count: int, today: date | None = None) -> Period:
    """The `count` calendar months ending with this one (this one so far)."""
    today = today or timezone.localdate()
    year, month = today.year, today.month - (count - 1)
    while month < 1:
        year, month = year - 1, month + 12
    return Period(date(year, month, 1), today, today)


