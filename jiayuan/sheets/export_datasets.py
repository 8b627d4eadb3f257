"""What can be exported: the four lists (households, people, cases, visits), each with
its columns, the ordinary ones and the sensitive ones with the permission each needs."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiayuan.care.models import Visit
from jiayuan.care.selectors import visits_for
from jiayuan.core.crypto import decrypt
from jiayuan.core.models import AuditEntry
from jiayuan.core.roles import Perm
from jiayuan.desk.models import Case
from jiayuan.desk.selectors import cases_for
from jiayuan.places.models import Building, Dwelling, Grid
from jiayuan.registry.identifiers import id_number_of, phone_of
from jiayuan.registry.models import Circumstance, Household, Person
from jiayuan.registry.selectors import households_for, people_for
from jiayuan.sheets.xlsx import Cell

SEP = "; "


def _verbose(model: Any, name: str) -> Any:
    """A model field's label, capitalised, lazily (translated when written)."""
    return capfirst(model._meta.get_field(name).verbose_name)


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # lazy: the header, in the exporting user's language
    get: Callable[[Any], Cell]
    perm: Perm | None = None  # None: every account that may export the list
    choice: Any = None  # for a sensitive column: the checkbox's words
    replaces: str = ""  # a whole number takes the place of its masked column
    text: bool = False  # codes and numbers that must stay text in Excel
    width: float = 12
    prefetch: tuple[Any, ...] = ()

    @property
    def sensitive(self) -> bool:
        return self.perm is not None


@dataclass(frozen=True)
class Dataset:
    key: str
    label: Any
    perm: Perm  # the permission to read these rows at all
    columns: tuple[Column, ...]
    scoped: Callable[[Any], QuerySet]  # the actor's rows, from a selector
    prepare: Callable[[QuerySet], QuerySet]  # joins and order for writing
    dated: str = ""  # the field a period filters on
    current: Q | None = None  # "current only" (without moved-out)


@dataclass(frozen=True)
class Spec:
    """What the user asked for (validated by ExportForm, re-checked by `check`)."""

    dataset: str
    format: str
    grid: Grid | None = None
    include_moved_out: bool = False
    since: date | None = None
    until: date | None = None
    sensitive: tuple[str, ...] = ()
    reason: str = ""


@dataclass
class Export:
    filename: str
    content_type: str
    content: Iterator[bytes] | IO[bytes]  # csv: a generator; xlsx: an open file
    rows: int
    entry: AuditEntry
    columns: list[Column]


# --- cell helpers -----------------------------------------------------------------

@functools.lru_cache(maxsize=128)
def _labels(model: Any, name: str, language: str | None) -> dict[str, str]:
    return {str(k): str(v) for k, v in model._meta.get_field(name).flatchoices}


def _display(model: Any, name: str, value: str) -> str:
    """get_FOO_display() without rebuilding the choices for every cell."""
    return _labels(model, name, translation.get_language()).get(value, value)


def _choice(model: Any, name: str) -> Callable[[Any], str]:
    return lambda obj: _display(model, name, getattr(obj, name))


def _yes(value: bool) -> str:
    return _("Yes") if value else ""


def _name(user: Any) -> str:
    return user.display_name if user is not None else ""


def _circumstances(obj: Any) -> str:
    kinds = dict.fromkeys(_display(Circumstance, "kind", c.kind)
                          for c in obj.export_circumstances)
    return SEP.join(kinds)


def _current_circumstances() -> Prefetch:
    today = timezone.localdate()
    return Prefetch("circumstances", to_attr="export_circumstances",
                    queryset=Circumstance.objects.filter(
                        Q(ended__isnull=True) | Q(ended__gte=today)).order_by("kind", "pk"))


# Ethnic group, languages and festivals are never exported, with or without a
# reason: a list of residents by identity is exactly what serve-don't-surveil
# rules out (docs/data-protection.md). Circumstances and sensitive visit notes
# are, for casework (a subsidy list for civil affairs), with a reason, audited.
S = Perm.VIEW_SENSITIVE
WHOLE_ID = gettext_lazy("Whole ID-card numbers")
WHOLE_PHONE = gettext_lazy("Whole phone numbers")
PHONE = gettext_lazy("Phone")
GRID = gettext_lazy("Grid")
DWELLING = gettext_lazy("Dwelling")
HOUSEHOLD_NO = gettext_lazy("Household no.")
CIRCUMSTANCES = gettext_lazy("Circumstances")
CIRCUMSTANCES_CHOICE = gettext_lazy("Circumstances (hardship, health, disability…)")


# --- households -------------------------------------------------------------------

def _households_prepare(qs: QuerySet) -> QuerySet:
    members = (Person.objects.filter(household=OuterRef("pk"), left_on__isnull=True)
               .order_by().values("household").annotate(n=Count("pk")).values("n"))
    return (qs.select_related("grid", "dwelling__building", "head")
            .annotate(export_members=Coalesce(Subquery(members, output_field=IntegerField()), 0))
            .order_by("grid__code", "dwelling__code", "pk"))


HOUSEHOLDS = Dataset(
    key="households", label=gettext_lazy("Households"), perm=Perm.VIEW_REGISTRY,
    scoped=households_for, prepare=_households_prepare, current=Q(moved_out__isnull=True),
    columns=(
        Column("household_no", HOUSEHOLD_NO, lambda h: h.pk, width=10),
        Column("grid", GRID, lambda h: h.grid.code, text=True, width=8),
        Column("estate", _verbose(Building, "name"), lambda h: h.dwelling.building.name,
               width=16),
        Column("building", _verbose(Building, "number"), lambda h: h.dwelling.building.number,
               text=True, width=8),
        Column("unit", _verbose(Dwelling, "unit"), lambda h: h.dwelling.unit, text=True, width=6),
        Column("room", _verbose(Dwelling, "room"), lambda h: h.dwelling.room, text=True, width=8),
        Column("dwelling", DWELLING, lambda h: h.dwelling.code, text=True, width=12),
        Column("residency", _verbose(Household, "residency"), _choice(Household, "residency"),
               width=18),
        Column("head", gettext_lazy("Head of household"),
               lambda h: h.head.name if h.head else "", width=12),
        Column("phone", PHONE, lambda h: h.head.phone_mask if h.head else "", text=True,
               width=14),
        Column("phone_whole", PHONE, lambda h: phone_of(h.head) if h.head else "",
               perm=Perm.REVEAL_PHONE, choice=WHOLE_PHONE, replaces="phone", text=True,
               width=14),
        Column("members", gettext_lazy("Members"), lambda h: h.export_members, width=8),
        Column("moved_in", _verbose(Household, "moved_in"), lambda h: h.moved_in),
        Column("moved_out", _verbose(Household, "moved_out"), lambda h: h.moved_out),
        Column("circumstances", CIRCUMSTANCES, _circumstances, perm=S,
               choice=CIRCUMSTANCES_CHOICE, width=20, prefetch=(_current_circumstances,)),
    ),
)


# --- people -----------------------------------------------------------------------

def _people_prepare(qs: QuerySet) -> QuerySet:
    return (qs.select_related("grid", "household__dwelling")
            .order_by("grid__code", "household__dwelling__code", "household_id", "pk"))


PEOPLE = Dataset(
    key="people", label=capfirst(Person._meta.verbose_name_plural), perm=Perm.VIEW_REGISTRY,
    scoped=people_for, prepare=_people_prepare,
    current=Q(left_on__isnull=True, household__moved_out__isnull=True),
    columns=(
        Column("household_no", HOUSEHOLD_NO, lambda p: p.household_id, width=10),
        Column("grid", GRID, lambda p: p.grid.code, text=True, width=8),
        Column("dwelling", DWELLING, lambda p: p.household.dwelling.code, text=True, width=12),
        Column("name", gettext_lazy("Name"), lambda p: p.name, width=12),
        Column("sex", _verbose(Person, "sex"), _choice(Person, "sex"), width=6),
        Column("birth_date", _verbose(Person, "birth_date"), lambda p: p.birth_date),
        Column("id_number", gettext_lazy("ID-card number"), lambda p: p.id_number_mask,
               text=True, width=21),
        Column("id_number_whole", gettext_lazy("ID-card number"), id_number_of,
               perm=Perm.REVEAL_ID_NUMBER, choice=WHOLE_ID, replaces="id_number", text=True,
               width=21),
        Column("phone", PHONE, lambda p: p.phone_mask, text=True, width=14),
        Column("phone_whole", PHONE, phone_of, perm=Perm.REVEAL_PHONE, choice=WHOLE_PHONE,
               replaces="phone", text=True, width=14),
        Column("relation", _verbose(Person, "relation"), _choice(Person, "relation"),
               width=12),
        Column("residency", _verbose(Household, "residency"),
               lambda p: _display(Household, "residency", p.household.residency), width=18),
        Column("origin", _verbose(Person, "origin_code"), lambda p: p.origin_label, width=18),
        Column("permit_number", _verbose(Person, "permit_number"), lambda p: p.permit_number,
               text=True, width=16),
        Column("permit_expiry", _verbose(Person, "permit_expiry"), lambda p: p.permit_expiry),
        Column("occupation", _verbose(Person, "occupation"), lambda p: p.occupation, width=14),
        Column("left_on", _verbose(Person, "left_on"), lambda p: p.left_on),
        Column("circumstances", CIRCUMSTANCES, _circumstances, perm=S,
               choice=CIRCUMSTANCES_CHOICE, width=20, prefetch=(_current_circumstances,)),
    ),
)


# --- cases ------------------------------------------------------------------------

def _requester_phone(case: Case) -> str:
    return case.person.phone_mask if case.person_id else case.caller_phone_mask


def _requester_phone_whole(case: Case) -> str:
    return phone_of(case.person) if case.person_id else decrypt(case.caller_phone_enc)


def _cases_prepare(qs: QuerySet) -> QuerySet:
    return (qs.select_related("grid", "item", "owner", "person", "household__dwelling")
            .order_by("opened_at", "pk"))


CASES = Dataset(
    key="cases", label=gettext_lazy("Cases"), perm=Perm.VIEW_CASES,
    scoped=cases_for, prepare=_cases_prepare, dated="opened_at",
    columns=(
        Column("ref", _verbose(Case, "ref"), lambda c: c.ref, text=True, width=18),
        Column("opened_at", _verbose(Case, "opened_at"), lambda c: c.opened_at, width=16),
        Column("grid", GRID, lambda c: c.grid.code if c.grid_id else "", text=True, width=8),
        Column("service", _verbose(Case, "item"), lambda c: c.item.name, width=20),
        Column("channel", _verbose(Case, "channel"), _choice(Case, "channel")),
        Column("priority", _verbose(Case, "priority"), _choice(Case, "priority")),
        Column("status", _verbose(Case, "status"), _choice(Case, "status"), width=16),
        Column("requester", gettext_lazy("Requester"), lambda c: c.requester_name),
        Column("phone", PHONE, _requester_phone, text=True, width=14),
        Column("phone_whole", PHONE, _requester_phone_whole, perm=Perm.REVEAL_PHONE,
               choice=WHOLE_PHONE, replaces="phone", text=True, width=14),
        Column("dwelling", DWELLING,
               lambda c: c.household.dwelling.code if c.household_id else "", text=True),
        Column("summary", _verbose(Case, "summary"), lambda c: c.summary, width=30),
        Column("owner", _verbose(Case, "owner"), lambda c: _name(c.owner)),
        Column("due", _verbose(Case, "due"), lambda c: c.due, width=16),
        Column("acknowledged_at", _verbose(Case, "acknowledged_at"),
               lambda c: c.acknowledged_at, width=16),
        Column("resolved_at", _verbose(Case, "resolved_at"), lambda c: c.resolved_at, width=16),
        Column("closed_at", _verbose(Case, "closed_at"), lambda c: c.closed_at, width=16),
        Column("resolution_late", _verbose(Case, "resolution_breached"),
               lambda c: _yes(c.resolution_breached), width=8),
        Column("outcome", _verbose(Case, "outcome"), _choice(Case, "outcome"),
               width=16),
        Column("outcome_quantity", _verbose(Case, "outcome_quantity"),
               lambda c: c.outcome_quantity, width=8),
        Column("outcome_note", _verbose(Case, "outcome_note"), lambda c: c.outcome_note,
               width=24),
    ),
)


# --- visits -----------------------------------------------------------------------

def _visit_households(visit: Visit) -> str:
    return SEP.join(f"{h.dwelling.code} {h.head.name}" if h.head else h.dwelling.code
                    for h in visit.export_households)


def _visits_prepare(qs: QuerySet) -> QuerySet:
    households = Prefetch("households", to_attr="export_households",
                          queryset=Household.objects.select_related("dwelling", "head")
                          .order_by("dwelling__code", "pk"))
    return (qs.select_related("grid", "business", "created_by")
            .prefetch_related(households, "visitors").order_by("visited_at", "pk"))


VISITS = Dataset(
    key="visits", label=gettext_lazy("Visits"), perm=Perm.VIEW_VISITS,
    scoped=visits_for, prepare=_visits_prepare, dated="visited_at",
    columns=(
        Column("visited_at", _verbose(Visit, "visited_at"), lambda v: v.visited_at, width=16),
        Column("grid", GRID, lambda v: v.grid.code, text=True, width=8),
        Column("mode", _verbose(Visit, "mode"), _choice(Visit, "mode")),
        Column("purpose", _verbose(Visit, "purpose"), _choice(Visit, "purpose")),
        Column("households", _verbose(Visit, "households"), _visit_households, width=24),
        Column("business", _verbose(Visit, "business"),
               lambda v: v.business.name if v.business else "", width=16),
        Column("visitors", _verbose(Visit, "visitors"),
               lambda v: SEP.join(u.display_name for u in v.visitors.all()), width=16),
        Column("volunteers", _verbose(Visit, "volunteers"), lambda v: v.volunteers, width=16),
        Column("found", _verbose(Visit, "found"), lambda v: v.found, width=30),
        Column("needs", _verbose(Visit, "needs"), lambda v: v.needs, width=30),
        Column("next_visit", _verbose(Visit, "next_visit"), lambda v: v.next_visit),
        Column("recorded_by", gettext_lazy("Recorded by"), lambda v: _name(v.created_by)),
        Column("sensitive_note", _verbose(Visit, "sensitive_note"), lambda v: v.sensitive_note,
               perm=S, width=30),
    ),
)

DATASETS: dict[str, Dataset] = {d.key: d for d in (HOUSEHOLDS, PEOPLE, CASES, VISITS)}


# --- who may have what ------------------------------------------------------------
