"""Households: opening a file, changing it, moving (the household, or a
person between households) and moving out.

Households are versioned like people (core.versioning): a write from a form
carries the version the user loaded (`expected_version`) and is refused with
`Conflict` if someone saved in between.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from jiayuan.core import audit
from jiayuan.core.access import require
from jiayuan.core.models import AuditAction, User
from jiayuan.core.roles import Perm
from jiayuan.core.versioning import claim
from jiayuan.places.models import Dwelling
from jiayuan.registry import signals
from jiayuan.registry.choices import Relation
from jiayuan.registry.models import (
    Circumstance,
    Household,
    HouseholdAddress,
    Membership,
    Person,
    SearchKey,
)
from jiayuan.registry.services.common import (
    KEEP,
    Keep,
    check_dwelling,
    check_not_erased,
    check_scope,
    lock_households,
    what,
)
from jiayuan.registry.services.consents import ensure_sensitive_consent
from jiayuan.registry.services.people import person_create, require_sensitive_write


def check_moved_in(moved_in: date) -> None:
    """Raise ValidationError (on ``moved_in``) for a moving-in date in the future."""
    if moved_in > timezone.localdate():
        raise ValidationError({"moved_in": _("The moving-in date is in the future.")})


@audit.audited
def household_create(*, actor: User, dwelling: Dwelling, residency: str, moved_in: date,
                     head: Mapping[str, Any], festivals: Iterable[str] = (),
                     note: str = "") -> Household:
    """Open a household file. A household always has a head: `head` holds the
    head's person_create arguments (name, sex, id_number…) and is registered
    in the same transaction."""
    require(actor, Perm.EDIT_REGISTRY)
    check_dwelling(actor, dwelling)
    require_sensitive_write(actor, changed=bool(festivals), consent=False)
    check_moved_in(moved_in)
    if not head or not head.get("name"):
        raise ValidationError({"head_name": _("A household needs a head of household.")})
    household = Household.objects.create(dwelling=dwelling, grid_id=dwelling.grid_id,
                                         residency=residency, moved_in=moved_in,
                                         festivals=sorted(set(festivals)), note=note)
    HouseholdAddress.objects.create(household=household, dwelling=dwelling, moved_in=moved_in)
    audit.record(AuditAction.CREATE, actor=actor, obj=household,
                 changes=audit.created(audit.snapshot(household, Household.AUDIT_FIELDS),
                                       Household.AUDIT_SENSITIVE))
    person = person_create(actor=actor, household=household, joined=moved_in,
                           **{**head, "relation": Relation.HEAD})
    household.head = person
    household.save(update_fields=["head", "updated_at"])
    if household.festivals:
        ensure_sensitive_consent(actor, person, bool(head.get("sensitive_consent")),
                                 "festivals")
    return household


@audit.audited
def household_update(*, actor: User, household: Household, expected_version: int | None = None,
                     residency: str | Keep = KEEP, note: str | Keep = KEEP,
                     festivals: Iterable[str] | Keep = KEEP, head: Person | None = None,
                     old_head_relation: str = "", sensitive_consent: bool = False) -> Household:
    """Change residency, festivals, note (KEEP: as recorded) or the head (who
    must be a current member; the old head takes `old_head_relation`).
    `expected_version`: as for person_update."""
    require(actor, Perm.EDIT_REGISTRY)
    check_scope(actor, household.grid_id)
    check_not_erased(head)
    require_sensitive_write(actor, consent=sensitive_consent, changed=(
        festivals is not KEEP and sorted(set(festivals)) != household.festivals))
    household = claim(household, expected_version, what(household))
    before = audit.snapshot(household, Household.AUDIT_FIELDS)
    if residency is not KEEP:
        household.residency = residency
    if note is not KEEP:
        household.note = note
    if festivals is not KEEP:
        household.festivals = sorted(set(festivals))
    if head is not None and head.pk != household.head_id:
        if head.household_id != household.pk or head.left_on:
            raise ValidationError({"head": _("The head must be a current member of this "
                                             "household.")})
        old_head = household.head
        if old_head is not None:
            old_head.relation = old_head_relation or Relation.OTHER_RELATIVE
            claim(old_head, None, what(old_head))
            old_head.save(update_fields=["relation", "version", "updated_at"])
        head.relation = Relation.HEAD
        claim(head, None, what(head))
        head.save(update_fields=["relation", "version", "updated_at"])
        household.head = head
    # Festivals already recorded stay under the consent they were given with when
    # the head changes (a death or a move must not force a new form); changing
    # them needs the current head's consent.
    if household.festivals and household.head and household.festivals != before["festivals"]:
        ensure_sensitive_consent(actor, household.head, sensitive_consent, "festivals")
    household.save()
    changes = audit.diff(before, audit.snapshot(household, Household.AUDIT_FIELDS),
                         Household.AUDIT_SENSITIVE)
    if changes:
        audit.record(AuditAction.UPDATE, actor=actor, obj=household, changes=changes)
    return household


def _set_grid(household: Household, grid_id: int) -> None:
    """The household and its members take the grid of their new dwelling;
    the apps built on the registry move their copies on `household_moved`
    (sent inside this transaction, so a receiver that fails undoes the move)."""
    old_grid_id = household.grid_id
    household.grid_id = grid_id
    Person.objects.filter(household=household).update(grid_id=grid_id)
    SearchKey.objects.filter(person__household=household).update(grid_id=grid_id)
    signals.household_moved.send(sender=Household, household=household,
                                 old_grid_id=old_grid_id, new_grid_id=grid_id)


@audit.audited
def household_move(*, actor: User, household: Household, dwelling: Dwelling,
                   on: date, expected_version: int | None = None) -> Household:
    """Move a whole household to another dwelling; the old address stays in history."""
    require(actor, Perm.EDIT_REGISTRY)
    check_scope(actor, household.grid_id)
    check_dwelling(actor, dwelling)
    claim(household, expected_version, what(household))
    if dwelling.pk == household.dwelling_id:
        raise ValidationError({"dwelling": _("The household already lives there.")})
    if on < household.moved_in:
        raise ValidationError({"on": _("The move cannot be before the household moved in.")})
    HouseholdAddress.objects.filter(household=household, moved_out__isnull=True).update(
        moved_out=on)
    HouseholdAddress.objects.create(household=household, dwelling=dwelling, moved_in=on)
    old = household.dwelling_id
    household.dwelling = dwelling
    _set_grid(household, dwelling.grid_id)
    household.save(update_fields=["dwelling", "grid", "version", "updated_at"])
    audit.record(AuditAction.MOVE, actor=actor, obj=household,
                 changes={"dwelling_id": [old, dwelling.pk], "on": on})
    return household


@audit.audited
def household_move_out(*, actor: User, household: Household, on: date,
                       reason: str = "", expected_version: int | None = None) -> Household:
    """The household leaves the community. Its file and history stay."""
    require(actor, Perm.EDIT_REGISTRY)
    check_scope(actor, household.grid_id)
    claim(household, expected_version, what(household))
    household.refresh_from_db(fields=["moved_out", "moved_in"])
    if household.moved_out:
        raise ValidationError(_("The household has already moved out."))
    if on < household.moved_in:
        raise ValidationError({"on": _("The move cannot be before the household moved in.")})
    household.moved_out = on
    household.save(update_fields=["moved_out", "version", "updated_at"])
    HouseholdAddress.objects.filter(household=household, moved_out__isnull=True).update(
        moved_out=on)
    Person.objects.filter(household=household, left_on__isnull=True).update(
        left_on=on, version=F("version") + 1, updated_at=timezone.now())
    Membership.objects.filter(household=household, left__isnull=True).update(left=on,
                                                                            reason=reason)
    audit.record(AuditAction.MOVE, actor=actor, obj=household,
                 changes={"moved_out": on, "reason": reason})
    return household


@audit.audited
def person_move(*, actor: User, person: Person, to_household: Household, on: date,
                relation: str, new_head: Person | None = None, reason: str = "",
                expected_version: int | None = None) -> Person:
    """Move a person into another household (both must be in the actor's scope).

    A head who leaves a household with other members needs a successor; a head
    who leaves it empty closes that household.
    """
    require(actor, Perm.EDIT_REGISTRY)
    check_scope(actor, person.grid_id)
    check_scope(actor, to_household.grid_id)
    check_not_erased(person, new_head)
    if to_household.pk == person.household_id:
        raise ValidationError({"to_household": _("The person is already in that household.")})
    if to_household.moved_out:
        raise ValidationError({"to_household": _("That household has moved out.")})
    if relation == Relation.HEAD:
        raise ValidationError({"relation": _(
            "Move the person first, then make them head on the household page.")})
    # Both households before the person (common.lock_households), as
    # household_update and a consent's withdrawal lock them: the other order
    # deadlocks against them.
    lock_households(person.household_id, to_household.pk)
    claim(person, expected_version, what(person))
    old = Household.objects.select_for_update().get(pk=person.household_id)
    if old.head_id == person.pk:
        others = old.members.filter(left_on__isnull=True).exclude(pk=person.pk)
        if others.exists():
            if new_head is None or new_head.pk not in set(others.values_list("pk", flat=True)):
                raise ValidationError({"new_head": _(
                    "This person is the head of their household: choose who becomes the "
                    "new head.")})
            household_update(actor=actor, household=old, head=new_head,
                             old_head_relation=relation)
            person.refresh_from_db()
        else:
            household_move_out(actor=actor, household=old, on=on, reason=reason)
            person.refresh_from_db()
    Membership.objects.filter(person=person, left__isnull=True).update(left=on, reason=reason)
    Membership.objects.create(person=person, household=to_household, relation=relation,
                              joined=on, reason=reason)
    person.household = to_household
    person.grid_id = to_household.grid_id
    person.relation = relation
    person.left_on = None
    # Claimed above (and again if the person handed over the head's role).
    person.version = Person.objects.values_list("version", flat=True).get(pk=person.pk)
    person.save(update_fields=["household", "grid", "relation", "left_on", "version",
                               "updated_at"])
    SearchKey.objects.filter(person=person).update(grid_id=to_household.grid_id)
    # Circumstances concerning the person go with them: the old household's
    # file (and grid) must not keep them.
    Circumstance.objects.filter(person=person).update(household=to_household)
    audit.record(AuditAction.MOVE, actor=actor, obj=person,
                 changes={"household_id": [old.pk, to_household.pk], "on": on,
                          "relation": relation})
    return person
