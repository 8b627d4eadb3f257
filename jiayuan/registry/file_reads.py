"""The household file's reads as compiled shapes (jiayuan.core.compiled).

Each is the queryset the file read before, built from ids instead of the
household object, so that its statement is compiled once (per account where
the scope enters it) and bound to the household's id on each page. The rows
the page gets are those of the ORM (tests/registry/test_file_reads.py).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from jiayuan.core.columns import own_and
from jiayuan.core.compiled import Shape
from jiayuan.core.scope import filter_by_grid
from jiayuan.registry.models import (
    Business,
    Circumstance,
    Consent,
    Household,
    HouseholdAddress,
    Membership,
    Person,
)

# What the household file shows of a member (the page, its PDF, the API's file);
# the rest of a person's row (encrypted numbers and their hashes, languages, the
# permit number, bookkeeping) is left unread.
MEMBER_FIELDS = ("household", "name", "pinyin", "sex", "birth_date", "id_number_mask",
                 "phone_mask", "ethnicity", "origin_code", "permit_expiry", "occupation",
                 "relation", "left_on")


def _household(pk: int, *, actor: Any) -> QuerySet[Household]:
    # As get_in_scope's scoped.filter(pk=pk).first().
    return (filter_by_grid(Household.objects.all(), actor)
            .select_related("dwelling__building", "grid__community", "head")
            .filter(pk=pk).order_by("pk")[:1])


def _current(household: int) -> QuerySet[Person]:
    return Person.objects.filter(household_id=household, left_on__isnull=True)


def _members(household: int) -> QuerySet[Person]:
    return _current(household).only(*MEMBER_FIELDS).order_by("birth_date", "pk")


def _former(household: int) -> QuerySet[Membership]:
    return (Membership.objects.filter(household_id=household, left__isnull=False)
            .select_related("person").only(*own_and(Membership, "person__name")))


def _addresses(household: int) -> QuerySet[HouseholdAddress]:
    return (HouseholdAddress.objects.filter(household_id=household)
            .select_related("dwelling__building"))


def _circumstances(household: int) -> QuerySet[Circumstance]:
    return (Circumstance.objects.filter(household_id=household).select_related("person")
            .only(*own_and(Circumstance, "person__name")))


def _consents(household: int) -> QuerySet[Consent]:
    # By the members' ids (a subquery) rather than a join on household, and
    # sorted by the caller: the planner cannot then choose to walk the whole
    # consent table in person order.
    return (Consent.objects.filter(person_id__in=_current(household).values("pk"))
            .select_related("department").order_by())


def _businesses(household: int, *, actor: Any) -> QuerySet[Business]:
    return (filter_by_grid(Business.objects.all(), actor)
            .filter(owner__household_id=household).select_related("owner")
            .only(*own_and(Business, "owner__name")))


household = Shape(_household, 1)
members = Shape(_members, 1)
former = Shape(_former, 1)
addresses = Shape(_addresses, 1)
circumstances = Shape(_circumstances, 1)
consents = Shape(_consents, 1)
businesses = Shape(_businesses, 1)
