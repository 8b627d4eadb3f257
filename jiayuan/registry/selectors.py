"""Reads of the registry, always through the acting user's scope."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.db.models import Case, Count, Prefetch, Q, QuerySet, When
from django.http import Http404
from pypinyin import Style, lazy_pinyin

from jiayuan.core import audit, together
from jiayuan.core.access import as_id, get_for, get_shaped_for, require
from jiayuan.core.compiled import actor_key
from jiayuan.core.models import AuditAction, User
from jiayuan.core.roles import Perm
from jiayuan.core.scope import filter_by_grid
from jiayuan.lib.divisions import (
    OriginError,
    normalize_origin,
    origin_label,
    prefecture_choices,
)
from jiayuan.lib.festivals import festival_label
from jiayuan.lib.text import fold
from jiayuan.places.models import Dwelling, dwelling_code
from jiayuan.registry import file_reads
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
from jiayuan.registry.search import DWELLING_RE, search


def households_for(actor: User) -> QuerySet[Household]:
    return filter_by_grid(Household.objects.all(), actor)


def people_for(actor: User) -> QuerySet[Person]:
    return filter_by_grid(Person.objects.all(), actor)


def businesses_for(actor: User) -> QuerySet[Business]:
    return filter_by_grid(Business.objects.all(), actor)


def person_picks(actor: User, q: str, limit: int = 12) -> list[Person]:
    """Current residents in the actor's scope matching `q` (name, pinyin,
    phone…), ranked as the search box ranks them: for as-you-type pickers.
    An active household found by its dwelling (3-2-302) offers its head."""
    if not q:
        return []
    ids: list[int] = []
    for hit in search(actor, q, limit=limit):
        pk: int | None
        if hit.kind == "person" and hit.person is not None:
            pk = hit.person.pk
        elif hit.household is not None and hit.household.moved_out is None:
            pk = hit.household.head_id
        else:
            continue
        if pk is not None and pk not in ids:
            ids.append(pk)
    found = {p.pk: p for p in people_for(actor).filter(pk__in=ids, left_on__isnull=True)
             .select_related("household__dwelling__building")}
    return [found[pk] for pk in ids if pk in found]


def household_picks(actor: User, q: str, limit: int = 12) -> list[tuple[Household, str]]:
    """For the as-you-type household pickers: active households in scope found
    by a member's name, pinyin, phone or dwelling (3-2-302), in search order,
    each with the matched member's name ("" when the dwelling matched)."""
    order: dict[int, str] = {}
    for hit in search(actor, q, limit=limit) if q else []:
        if hit.household is not None and hit.household.pk not in order:
            order[hit.household.pk] = (hit.person.name if hit.kind == "person"
                                       and hit.person is not None else "")
    found = {h.pk: h for h in households_for(actor).filter(pk__in=order, moved_out__isnull=True)
             .select_related("dwelling__building", "head")}
    return [(found[pk], name) for pk, name in order.items() if pk in found]


def get_household_for(actor: User, pk: Any, *, perm: Perm = Perm.VIEW_REGISTRY) -> Household:
    """The household `pk` if the actor has `perm` (403) and it is in their
    scope (404): the one access call of a view that opens a household."""
    return get_shaped_for(actor, perm, Household, file_reads.household, pk)


def get_person_for(actor: User, pk: Any, *, perm: Perm = Perm.VIEW_REGISTRY) -> Person:
    """The person `pk` if the actor has `perm` (403) and they are in scope (404)."""
    return get_for(actor, perm, people_for(actor).select_related(
        "household__dwelling__building", "grid"), pk)


def household_list(actor: User, *, grid_id: int | None = None, residency: str = "",
                   active: bool = True, archived: bool = False) -> QuerySet[Household]:
    """Households living here (`active`), or moved out: those not yet archived
    by the retention rule, or (`archived`) those it archived."""
    qs = households_for(actor).select_related("dwelling__building", "grid", "head")
    qs = qs.annotate(member_count=Count("members", filter=Q(members__left_on__isnull=True)))
    if grid_id:
        qs = qs.filter(grid_id=grid_id)
    if residency:
        qs = qs.filter(residency=residency)
    qs = qs.filter(moved_out__isnull=active)
    if not active:
        qs = qs.filter(archived_on__isnull=not archived)
    return qs.order_by("dwelling__code", "pk")


MEMBER_FIELDS = file_reads.MEMBER_FIELDS


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


def household_file(actor: User, household: Household, *,
                   printing: bool = False) -> HouseholdFile:
    """The household's file as the actor may see it; showing sensitive details
    on the page is audited here (which kinds, never the values). `printing`:
    for the PDF, whose print is audited as such (registry.pdf)."""
    show_sensitive = actor.has(Perm.VIEW_SENSITIVE)
    # One round trip for the whole file (jiayuan.core.together), each list
    # reading the columns the file shows (jiayuan.core.columns): of a member
    # MEMBER_FIELDS, of the people other rows name their name. Each statement
    # is compiled once (jiayuan.registry.file_reads).
    pk, scope = household.pk, actor_key(actor)
    members, former, addresses, circumstances, consent_rows, businesses = together.fetch(
        file_reads.members((), pk), file_reads.former((), pk), file_reads.addresses((), pk),
        file_reads.circumstances((), pk) if show_sensitive else Circumstance.objects.none(),
        file_reads.consents((), pk), file_reads.businesses(scope, pk, actor=actor))
    for row in (*members, *addresses, *circumstances):  # as household.<related> gives them
        type(row).household.field.set_cached_value(row, household)
    # Head first, then by age.
    members.sort(key=lambda p: (p.pk != household.head_id,))
    consent_rows.sort(key=lambda c: c.recorded_on, reverse=True)
    consent_rows.sort(key=lambda c: c.person_id)
    by_pk = {p.pk: p for p in members}
    for consent in consent_rows:  # each names a member already read
        if consent.person_id in by_pk:
            consent.person = by_pk[consent.person_id]
    file = HouseholdFile(household=household, members=members, former_members=former,
                         addresses=addresses,
                         circumstances=circumstances if show_sensitive else None,
                         consent_rows=consent_rows, businesses=businesses,
                         show_sensitive=show_sensitive)
    if not printing:
        _audit_sensitive_view(actor, household, file)
    return file


def person_detail(actor: User, person: Person) -> dict[str, Any]:
    """The person page's reads; showing their ethnic group or circumstances is
    audited here."""
    show_sensitive = actor.has(Perm.VIEW_SENSITIVE)
    context = {
        "memberships": list(person.memberships.select_related("household__dwelling")),
        "consents": list(person.consents.select_related("recorded_by", "guardian",
                                                         "department")),
        "circumstances": list(person.circumstances.all()) if show_sensitive else None,
        "show_sensitive": show_sensitive,
        "businesses": list(person.businesses.all()),
        "language_labels": [str(label) for code, label in LANGUAGE_CHOICES
                            if code in (person.languages or [])],
    }
    if show_sensitive and (person.ethnicity or context["circumstances"]):
        audit.record(AuditAction.VIEW_SENSITIVE, actor=actor, obj=person,
                     changes={"shown": [k for k, v in (("ethnicity", person.ethnicity), (
                         "circumstances", context["circumstances"])) if v]})
    return context


def person_for_edit(actor: User, pk: Any, *, showing: bool = True) -> Person:
    """The person whose edit form opens (EDIT_REGISTRY); `showing` the form
    with the ethnic group it holds is audited."""
    person = get_person_for(actor, pk, perm=Perm.EDIT_REGISTRY)
    if showing and person.ethnicity and actor.has(Perm.VIEW_SENSITIVE):
        audit.record(AuditAction.VIEW_SENSITIVE, actor=actor, obj=person,
                     changes={"shown": ["ethnicity"]})
    return person


def household_for_edit(actor: User, pk: Any, *, showing: bool = True) -> Household:
    """The household whose edit form opens (EDIT_REGISTRY); `showing` the form
    with the festivals it declared is audited."""
    household = get_household_for(actor, pk, perm=Perm.EDIT_REGISTRY)
    if showing and household.festivals:
        audit.record(AuditAction.VIEW_SENSITIVE, actor=actor, obj=household,
                     changes={"shown": ["festivals"]})
    return household


def household_for_circumstances(actor: User, pk: Any) -> Household:
    """The household whose circumstances the actor records or ends: they must
    see sensitive details (403) and edit the registry (403), in scope (404)."""
    require(actor, Perm.VIEW_SENSITIVE)
    return get_household_for(actor, pk, perm=Perm.EDIT_REGISTRY)


def circumstance_of(household: Household, cid: Any) -> Circumstance:
    """One of the household's circumstances, or 404."""
    pk = as_id(cid)
    item = None if pk is None else Circumstance.objects.filter(household=household,
                                                               pk=pk).first()
    if item is None:
        raise Http404
    return item


def consent_of(person: Person, cid: Any) -> Consent:
    """One of the person's consents, or 404."""
    pk = as_id(cid)
    consent = None if pk is None else Consent.objects.filter(person=person, pk=pk).first()
    if consent is None:
        raise Http404
    return consent


def members_prefetch() -> Prefetch:
    return Prefetch("members", queryset=Person.objects.filter(left_on__isnull=True))


def _audit_sensitive_view(actor: User, household: Household, file: HouseholdFile) -> None:
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


# --- type-ahead pickers: dwellings and origin places ----------------------------

_DWELLING_WORDS_RE = re.compile(r"\s*(?:栋|幢|號樓|号楼|棟|单元|單元)\s*")


def _dwelling_token(token: str) -> str:
    """A typed part of a dwelling's code as stored (3栋2单元302室 -> 3-2-302)."""
    return _DWELLING_WORDS_RE.sub("-", token).removesuffix("室").strip("-")


def dwelling_picks(actor: User, q: str, limit: int = 12,
                   exclude: int | None = None) -> list[Dwelling]:
    """Dwellings in the actor's grids matching `q`, for the as-you-type picker.

    Every word of `q` must match the dwelling's code (3-2-302, also typed as
    3栋2单元302室) or its estate's name; an exact code comes first, then codes
    that start with the query, then the rest, in code order.
    """
    plain = unicodedata.normalize("NFKC", q or "").strip().lower()[:60]
    if not plain:
        return []
    qs = filter_by_grid(Dwelling.objects.select_related("building", "grid"), actor)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    whole = DWELLING_RE.match(plain)
    first = dwelling_code(*(g or "" for g in whole.groups())) if whole else ""
    for word in plain.split():
        token = _dwelling_token(word)
        name = fold(word)
        match = Q(building__name__icontains=name) if name else Q()
        if token:
            match |= Q(code__startswith=token) | Q(code__contains=f"-{token}")
        if not match:
            return []
        qs = qs.filter(match)
        first = first or token
    qs = qs.annotate(rank=Case(When(code=first, then=0), When(code__startswith=first, then=1),
                               default=2))
    return list(qs.order_by("rank", "code", "building__name", "pk")[:limit])


def get_business_for(actor: User, pk: Any, *, perm: Perm = Perm.VIEW_REGISTRY) -> Business:
    """The business `pk` if the actor has `perm` (403) and it is in scope (404)."""
    return get_for(actor, perm, businesses_for(actor).select_related(
        "grid", "owner__household__dwelling", "dwelling__building"), pk)


def get_dwelling_for(actor: User, pk: Any, *, perm: Perm = Perm.VIEW_REGISTRY) -> Dwelling:
    """A dwelling in the actor's grids, or 404 (the same for one elsewhere)."""
    return get_for(actor, perm, filter_by_grid(
        Dwelling.objects.select_related("building", "grid"), actor), pk)


@dataclass(frozen=True)
class OriginPlace:
    code: str
    label: str


@lru_cache(maxsize=1)
def _origin_index() -> list[tuple[OriginPlace, tuple[str, ...], tuple[str, ...]]]:
    """Each selectable origin place with its search keys: (names folded, the
    prefecture's first) and (pinyin, initials; the prefecture's first)."""
    index = []
    for code, label in prefecture_choices():
        parts = label.split()
        own = parts[-1]
        names = tuple(dict.fromkeys(fold(p) for p in [own, *parts[:-1], label]))
        latin: list[str] = []
        for part in [own, *parts[:-1]]:
            syls = [s for s in lazy_pinyin(part, style=Style.NORMAL) if s.isalpha()]
            latin += ["".join(syls), "".join(s[0] for s in syls)]
        index.append((OriginPlace(code, label), names, tuple(dict.fromkeys(latin))))
    return index


def origin_place(code: str) -> OriginPlace | None:
    """The place of a valid origin code (a county code shows as its prefecture)."""
    try:
        code = normalize_origin(code or "")
    except OriginError:
        return None
    return OriginPlace(code, origin_label(code))


def origin_picks(q: str, limit: int = 12) -> list[OriginPlace]:
    """Origin places (GB/T 2260, prefecture level) matching `q`: by name
    (Traditional or Simplified), pinyin or its initials (suzhou, sz), or code
    (3205, or a whole county code, which stands for its prefecture). Places
    whose own name matches come before places matched by their province."""
    folded = fold(q or "")[:30]
    if not folded:
        return []
    if folded.isdigit():
        if len(folded) == 6:
            place = origin_place(folded)
            return [place] if place else []
        return [place for place, _names, _latin in _origin_index()
                if place.code.startswith(folded)][:limit]
    latin = folded.isascii()
    scored = []
    for place, names, keys in _origin_index():
        best = None
        for position, key in enumerate(keys if latin else names):
            if key == folded:
                rank = 0
            elif key.startswith(folded):
                rank = 1
            elif not latin and folded in key:
                rank = 2
            else:
                continue
            # The prefecture's own keys come first (position 0 and, for pinyin, 1).
            rank = rank * 2 + (0 if position < (2 if latin else 1) else 1)
            best = rank if best is None else min(best, rank)
        if best is not None:
            scored.append((best, place.code, place))
    scored.sort(key=lambda row: row[:2])
    return [place for _rank, _code, place in scored[:limit]]
