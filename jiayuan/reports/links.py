"""Where a record behind a figure is opened, and how it is named in a list.

The reports app imports no domain app, so it names each model's page by its
URL name (a string, checked by `reverse`) instead of importing its views. A
model with a `get_absolute_url` of its own needs no line here. Each line also
says which relations its name reads, so a page of records costs one query
whatever its length. Names show no sensitive field: a reference, a dwelling, a
person's name (as the household list shows it), a date.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone


@dataclass(frozen=True)
class RecordPage:
    url_name: str  # the page that opens the record (or the record it belongs to)
    pk_attr: str = "pk"  # the attribute holding that page's id
    related: tuple[str, ...] = ()  # what the record's name reads (select_related)
    label: Callable[[Any], str] = str


def _day(moment: Any) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d}" if moment else ""


PAGES: dict[str, RecordPage] = {
    "registry.household": RecordPage("household_detail", related=("dwelling",)),
    "registry.person": RecordPage("person_detail"),
    "desk.case": RecordPage("case_detail"),
    "desk.followup": RecordPage("case_detail", "case_id", ("case",),
                                lambda o: f"{o.case.ref} · {_day(o.at)}"),
    "care.duty": RecordPage("household_detail", "household_id"),
    "care.dispute": RecordPage("dispute_detail"),
    "care.pairing": RecordPage("pairing_detail", related=("household__dwelling",)),
    "civic.meeting": RecordPage("meeting_detail"),
    "civic.suggestion": RecordPage("suggestion_detail"),
    "civic.project": RecordPage("project_detail"),
    "engage.hoursentry": RecordPage("volunteer_detail", "volunteer_id",
                                    label=lambda o: f"V{o.volunteer_id} · {o.on} · {o.hours}"),
    "engage.activity": RecordPage("activity_detail"),
    "engage.signup": RecordPage("session_detail", "session_id", ("session__activity",),
                                lambda o: f"{o.session.activity.ref} · {_day(o.session.starts_at)}"),
    "engage.cardbatchline": RecordPage("card_batch_detail", "batch_id"),
}


def prepared(qs: QuerySet[Any]) -> QuerySet[Any]:
    """`qs` ordered (a stable page order) and joined to what its names read."""
    page = PAGES.get(qs.model._meta.label_lower)
    if page and page.related:
        qs = qs.select_related(*page.related)
    return qs if qs.ordered else qs.order_by("-pk")


def label(obj: Model) -> str:
    page = PAGES.get(obj._meta.label_lower)
    return page.label(obj) if page else str(obj)


def url(obj: Model) -> str | None:
    own = getattr(obj, "get_absolute_url", None)
    if callable(own):
        return str(own())
    page = PAGES.get(obj._meta.label_lower)
    pk = getattr(obj, page.pk_attr, None) if page else None
    if page is None or pk is None:
        return None
    try:
        return reverse(page.url_name, args=[pk])
    except NoReverseMatch:  # an app left out of this deployment's URLs
        return None
