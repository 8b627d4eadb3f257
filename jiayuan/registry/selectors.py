"""Reads of the registry, always through the acting user's scope."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from jiayuan.core import audit
from jiayuan.core.access import get_in_scope
from jiayuan.core.models import AuditAction
from jiayuan.core.roles import Perm
from jiayuan.core.scope import filter_by_grid
from jiayuan.lib.festivals import festival_label
from jiayuan.registry.choices import LANGUAGE_CHOICES
from jiayuan.registry.models import (
    Business,
    Circumstance,
    Consent,
    Household,
    HouseholdAddress,
    Membership,
    Person,
)
from jiayuan.registry.search import search


def households_for(actor: Any) -> QuerySet[Household]:
    return filter_by_grid(Household.objects.all(), actor)


def people_for(actor: Any) -> QuerySet[Person]:
    return filter_by_grid(Person.objects.all(), actor)


def businesses_for(actor: Any) -> QuerySet[Business]:
    return filter_by_grid(Business.objects.all(), actor)


def person_picks(actor: Any, q: str, limit: int = 12) -> list[Person]:
    """Current residents in the actor's scope matching `q` (name, pinyin,
    phone…), ranked as the search box ranks them: for as-you-type pickers."""
    if not q:
        return []
    ids = [hit.person.pk for hit in search(actor, q, limit=limit) if hit.kind == "person"]
    found = {p.pk: p for p in people_for(actor).filter(pk__in=ids, left_on__isnull=True)
             .select_related("household__dwelling")}
    return [found[pk] for pk in ids if pk in found]


def get_household_for(actor: Any, pk: Any) -> Household:
    return get_in_scope(actor, households_for(actor).select_related(
        "dwelling__building", "grid__community", "head"), pk)


def get_person_for(actor: Any, pk: Any) -> Person:
    return get_in_scope(actor, people_for(actor).select_related(
        "household__dwelling__building", "grid"), pk)


def household_list(actor: Any, *, grid_id: int | None = None, residency: str = "",
                   active: bool = True) -> QuerySet[Household]:
    qs = households_for(actor).select_related("dwelling__building", "grid", "head")
    qs = qs.annotate(member_count=Count("members", filter=Q(members__left_on__isnull=True)))
    if grid_id:
        qs = qs.filter(grid_id=grid_id)
    if residency:
        qs = qs.filter(residency=residency)
    qs = qs.filter(moved_out__isnull=active)
    return qs.order_by("dwelling__code", "pk")


@dataclass
class HouseholdFile:
    """Everything on one page. Sensitive parts are None for roles that may not
    see them (the template shows a notice, not an empty list)."""

    household: Household
    members: list[Person]
    former_members: list[Membership]
    addresses: list[HouseholdAddress]
    circumstances: list[Circumstance] | None
    consent_rows: list[Consent] = field(default_factory=list)
    businesses: list[Business] = field(default_factory=list)
    show_sensitive: bool = False

    @property
    def festival_labels(self) -> list[str]:
        return [str(festival_label(code)) for code in self.household.festivals]


def household_file(actor: Any, household: Household) -> HouseholdFile:
    show_sensitive = actor.has(Perm.VIEW_SENSITIVE)
    members = list(
        household.members.filter(left_on__isnull=True)
        .select_related("grid")
        .order_by("birth_date", "pk")
    )
    # Head first, then by age.
    members.sort(key=lambda p: (p.pk != household.head_id,))
    former = list(
        Membership.objects.filter(household=household, left__isnull=False)
        .select_related("person__household__dwelling")
    )
    addresses = list(household.addresses.select_related("dwelling__building"))
    circumstances = None
    if show_sensitive:
        circumstances = list(household.circumstances.select_related("person"))
    # By member ids rather than a join on household: the planner cannot then
    # choose to walk the whole consent table in person order.
    consent_rows = list(Consent.objects.filter(person_id__in=[p.pk for p in members])
                        .select_related("person", "department")
                        .order_by("person_id", "-recorded_on"))
    businesses = list(businesses_for(actor).filter(owner__household=household)
                      .select_related("owner"))
    return HouseholdFile(household=household, members=members, former_members=former,
                         addresses=addresses, circumstances=circumstances,
                         consent_rows=consent_rows, businesses=businesses,
                         show_sensitive=show_sensitive)


def person_detail(actor: Any, person: Person) -> dict[str, Any]:
    show_sensitive = actor.has(Perm.VIEW_SENSITIVE)
    return {
        "memberships": list(person.memberships.select_related("household__dwelling")),
        "consents": list(person.consents.select_related("recorded_by", "guardian",
                                                         "department")),
        "circumstances": list(person.circumstances.all()) if show_sensitive else None,
        "show_sensitive": show_sensitive,
        "businesses": list(person.businesses.all()),
        "language_labels": [str(label) for code, label in LANGUAGE_CHOICES
                            if code in (person.languages or [])],
    }


def members_prefetch() -> Prefetch:
    return Prefetch("members", queryset=Person.objects.filter(left_on__isnull=True))


def audit_sensitive_view(actor: Any, household: Household, file: HouseholdFile) -> None:
    """Every disclosure of sensitive details is audited: record which kinds of
    sensitive detail this page showed (never the values)."""
    if not file.show_sensitive:
        return
    shown = []
    if file.circumstances:
        shown.append("circumstances")
    if any(p.ethnicity for p in file.members):
        shown.append("ethnicity")
    if household.festivals:
        shown.append("festivals")
    if shown:
        audit.record(AuditAction.VIEW_SENSITIVE, actor=actor, obj=household,
                     changes={"shown": shown})
