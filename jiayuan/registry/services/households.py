"""Writes to the registry. Each service checks permission and scope, validates
invariants, writes in one transaction and appends to the audit log.

Input is validated at the edge (forms, the importer); services re-check only
the invariants no form can see: uniqueness of ID numbers, scope of the target,
a household's head.

Households and people are versioned like cases and disputes: every write to
the row claims the next `version`. A write made from a form carries the
version the user loaded (`expected_version`); if someone else saved in
between, it is refused with `Conflict` and nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import F
from django.http import Http404
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from jiayuan.core import audit
from jiayuan.core.access import require
from jiayuan.core.models import AuditAction
from jiayuan.core.roles import Perm
from jiayuan.core.scope import in_scope
from jiayuan.lib.text import display_pinyin, search_keys
from jiayuan.places.models import Dwelling, Grid
from jiayuan.registry import signals
from jiayuan.registry.choices import ConsentPurpose, ConsentStatus, Relation
from jiayuan.registry.consent_rules import check_consent_guardian
from jiayuan.registry.identifiers import id_hash, set_id_number, set_phone
from jiayuan.registry.models import (
    Business,
    Circumstance,
    Consent,
    Household,
    HouseholdAddress,
    Membership,
    Person,
    SearchKey,
)


class Conflict(ValidationError):
    """Someone else saved the household or person since the user loaded it."""


def last_change(obj: Household | Person) -> tuple[str, Any] | None:
    """(who, when) of the latest audited write to `obj`, for a Conflict message;
    None when the log holds none (a row written by an import, say)."""
    from jiayuan.core.models import AuditEntry, User

    entry = (AuditEntry.objects.filter(object_type=obj._meta.label_lower,
                                       object_id=str(obj.pk))
             .exclude(action__in=[AuditAction.VIEW_SENSITIVE, AuditAction.REVEAL])
             .order_by("-seq").only("actor_id", "actor_username", "at").first())
    if entry is None:
        return None
    user = User.objects.filter(pk=entry.actor_id).first() if entry.actor_id else None
    who = user.display_name if user is not None else (entry.actor_username or _("the system"))
    return who, entry.at


def _conflict(obj: Household | Person) -> Conflict:
    what = (_("this household (%(ref)s)") % {"ref": obj} if isinstance(obj, Household)
            else _("the details of %(name)s") % {"name": obj.name})
    change = last_change(obj)
    if change is None:
        text = _("Someone else changed %(what)s after you opened this form. Nothing you "
                 "entered was saved.") % {"what": what}
    else:
        who, when = change
        text = _("%(who)s changed %(what)s at %(when)s, after you opened this form. "
                 "Nothing you entered was saved.") % {
            "who": who, "what": what,
            "when": formats.date_format(timezone.localtime(when), "Y-m-d H:i")}
    keep = _("Your entries are kept below: check them against the record as it is now, "
             "then save again.")
    return Conflict([ValidationError(text, code="conflict"),
                     ValidationError(keep, code="conflict")])


def _claim(obj: Household | Person, expected_version: int | None) -> None:
    """Claim the next version of `obj` (already locked and re-read by the
    caller), or refuse if it is no longer the version the user loaded."""
    if expected_version is not None and int(expected_version) != obj.version:
        raise _conflict(obj)
    obj.version += 1


def _claim_row(model: type[Household] | type[Person], pk: int,
               expected_version: int | None) -> int:
    """Claim the next version of one row without loading it into the caller's
    instance; returns the new version."""
    locked = model.objects.select_for_update().get(pk=pk)
    _claim(locked, expected_version)
    model.objects.filter(pk=pk).update(version=locked.version)
    return locked.version


def has_sensitive_consent(person: Person) -> bool:
    return Consent.objects.filter(person=person, purpose=ConsentPurpose.SENSITIVE,
                                  status=ConsentStatus.GIVEN).exists()


def _ensure_sensitive_consent(actor: Any, person: Person, given: bool, field: str) -> None:
    """Sensitive details are recorded only under a consent that covers them:
    one already on record, or one the form records now (`given`)."""
    if has_sensitive_consent(person):
        return
    if not given:
        raise ValidationError({field: _(
            "Sensitive details need the person's consent: tick the consent box if they "
            "agree, or leave this empty.")})
    guardian = None
    if person.is_under_14:
        head = person.household.head
        guardian = head if head is not None and head.pk != person.pk else None
        if guardian is None:
            raise ValidationError({field: _(
                "This person is under 14: record their guardian's consent on the person "
                "page first.")})
    consent_record(actor=actor, person=person, purpose=ConsentPurpose.SENSITIVE,
                   recorded_on=timezone.localdate(), guardian=guardian,
                   evidence=_("Given when the details were recorded (form checkbox)."))


PERSON_FIELDS = ("name", "sex", "birth_date", "ethnicity", "languages", "origin_code",
                 "permit_number", "permit_expiry", "occupation", "relation")


def _check_dwelling(actor: Any, dwelling: Dwelling) -> None:
    if not in_scope(actor, dwelling.grid_id):
        raise Http404


def _check_unique_id(number: str, exclude_pk: int | None = None) -> None:
    if not number:
        return
    clash = Person.objects.filter(id_number_hash=id_hash(number))
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError({"id_number": _(
            "A person with this ID-card number is already registered. Search for them "
            "instead of registering them again; if you cannot see them, ask the station head."
        )})


def reindex_person(person: Person) -> None:
    SearchKey.objects.filter(person=person).delete()
    SearchKey.objects.bulk_create(search_keys_for(person))


SEARCH_KEY_COLUMNS = ["person_id", "grid_id", "kind", "pos", "key"]
_KINDS = {"name": SearchKey.NAME, "pinyin": SearchKey.PINYIN, "initials": SearchKey.INITIALS}


def search_key_rows(person_id: int, grid_id: int, name: str) -> list[tuple]:
    """The search keys of a person called `name`, as rows in SEARCH_KEY_COLUMNS order
    (for bulk inserts that build no model instances)."""
    return [(person_id, grid_id, _KINDS[kind], pos, key) for kind, pos, key in search_keys(name)]


def search_keys_for(person: Person) -> list[SearchKey]:
    return [SearchKey(**dict(zip(SEARCH_KEY_COLUMNS, row, strict=True)))
            for row in search_key_rows(person.pk, person.grid_id, person.name)]


def _apply_person_fields(person: Person, data: dict[str, Any]) -> None:
    for field in PERSON_FIELDS:
        if field in data:
            setattr(person, field, data[field])
    if "languages" in data:
        person.languages = sorted(set(data["languages"] or []))
    person.pinyin = display_pinyin(person.name)
    if "id_number" in data and data["id_number"] is not None:
        set_id_number(person, data["id_number"])
    if "phone" in data and data["phone"] is not None:
        set_phone(person, data["phone"])


@audit.audited
def person_create(*, actor: Any, household: Household, joined: date | None = None,
                  **data: Any) -> Person:
    """Register a person as a member of `household`.

    `data` holds PERSON_FIELDS plus normalised `id_number` and `phone`.
    """
    require(actor, Perm.EDIT_REGISTRY)
    if not in_scope(actor, household.grid_id):
        raise Http404
    consent_given = bool(data.pop("sensitive_consent", False))
    _check_unique_id(data.get("id_number") or "")
    person = Person(household=household, grid_id=household.grid_id)
    _apply_person_fields(person, data)
    person.save()
    Membership.objects.create(person=person, household=household, relation=person.relation,
                              joined=joined or timezone.localdate())
    reindex_person(person)
    audit.record(AuditAction.CREATE, actor=actor, obj=person,
                 changes=audit.created(audit.snapshot(person, Person.AUDIT_FIELDS),
                                       Person.AUDIT_SENSITIVE))
    if person.ethnicity or consent_given:
        _ensure_sensitive_consent(actor, person, consent_given, "ethnicity")
    return person


@audit.audited
def person_update(*, actor: Any, person: Person, expected_version: int | None = None,
                  **data: Any) -> Person:
    """Change a person's details. `expected_version` is the version the user's
    form was loaded at (None: no check, for callers that read and write at once)."""
    require(actor, Perm.EDIT_REGISTRY)
    if not in_scope(actor, person.grid_id):
        raise Http404
    if data.get("id_number"):
        _check_unique_id(data["id_number"], exclude_pk=person.pk)
    consent_given = bool(data.pop("sensitive_consent", False))
    person = Person.objects.select_for_update().get(pk=person.pk)
    _claim(person, expected_version)
    before = audit.snapshot(person, Person.AUDIT_FIELDS)
    old_name, old_ethnicity = person.name, person.ethnicity
    _apply_person_fields(person, data)
    if person.ethnicity and person.ethnicity != old_ethnicity:
        _ensure_sensitive_consent(actor, person, consent_given, "ethnicity")
    if person.relation == Relation.HEAD and person.household.head_id != person.pk:
        raise ValidationError({"relation": _(
            "Only the head of the household can have the relation 'head'. Change the head "
            "on the household page.")})
    person.save()
    if person.name != old_name:
        reindex_person(person)
    changes = audit.diff(before, audit.snapshot(person, Person.AUDIT_FIELDS),
                         Person.AUDIT_SENSITIVE)
    if changes:
        audit.record(AuditAction.UPDATE, actor=actor, obj=person, changes=changes)
    return person


@audit.audited
def household_create(*, actor: Any, dwelling: Dwelling, residency: str, moved_in: date,
                     head: dict[str, Any], festivals: Iterable[str] = (),
                     note: str = "") -> Household:
    """Open a household file. A household always has a head: `head` holds the
    head's person data and is registered in the same transaction."""
    require(actor, Perm.EDIT_REGISTRY)
    _check_dwelling(actor, dwelling)
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
        _ensure_sensitive_consent(actor, person, bool(head.get("sensitive_consent")),
                                  "festivals")
    return household


@audit.audited
def household_update(*, actor: Any, household: Household, expected_version: int | None = None,
                     **data: Any) -> Household:
    """Change residency, festivals, note or the head (who must be a current member).
    `expected_version`: as for person_update."""
    require(actor, Perm.EDIT_REGISTRY)
    if not in_scope(actor, household.grid_id):
        raise Http404
    household = Household.objects.select_for_update().get(pk=household.pk)
    _claim(household, expected_version)
    before = audit.snapshot(household, Household.AUDIT_FIELDS)
    for field in ("residency", "note"):
        if field in data:
            setattr(household, field, data[field])
    if "festivals" in data:
        household.festivals = sorted(set(data["festivals"]))
    new_head = data.get("head")
    if new_head is not None and new_head.pk != household.head_id:
        if new_head.household_id != household.pk or new_head.left_on:
            raise ValidationError({"head": _("The head must be a current member of this "
                                             "household.")})
        old_head = household.head
        if old_head is not None:
            old_head.relation = data.get("old_head_relation") or Relation.OTHER_RELATIVE
            old_head.version = _claim_row(Person, old_head.pk, None)
            old_head.save(update_fields=["relation", "version", "updated_at"])
        new_head.relation = Relation.HEAD
        new_head.version = _claim_row(Person, new_head.pk, None)
        new_head.save(update_fields=["relation", "version", "updated_at"])
        household.head = new_head
    # Festivals already recorded stay under the consent they were given with when
    # the head changes (a death or a move must not force a new form); changing
    # them needs the current head's consent.
    if household.festivals and household.head and household.festivals != before["festivals"]:
        _ensure_sensitive_consent(actor, household.head, bool(data.get("sensitive_consent")),
                                  "festivals")
    household.save()
    changes = audit.diff(before, audit.snapshot(household, Household.AUDIT_FIELDS),
                         Household.AUDIT_SENSITIVE)
    if changes:
        audit.record(AuditAction.UPDATE, actor=actor, obj=household, changes=changes)
    return household


BUSINESS_FIELDS = ("name", "kind", "owner", "dwelling", "address", "licence_note")


def _place_business(actor: Any, business: Business, grid: Grid | None,
                    dwelling: Dwelling | None, address: str) -> None:
    """A business stands in a grid the actor works in: at premises among the
    dwellings (which decide the grid; `grid` is then ignored) or at an address
    in the grid the actor chooses."""
    if dwelling is not None:
        _check_dwelling(actor, dwelling)
        business.grid_id = dwelling.grid_id
        return
    if grid is None:
        raise ValidationError({"grid": _(
            "Choose the grid the business is in (or its premises).")})
    if not in_scope(actor, grid.pk):
        raise Http404
    if not address.strip():
        raise ValidationError({"address": _(
            "Write the address, or choose the premises from the dwellings.")})
    business.grid_id = grid.pk


def _check_owner(actor: Any, owner: Person | None, keep_id: int | None = None) -> None:
    """A new owner must be someone the actor may see who still lives here; the
    owner already on record stays even when they live in another grid."""
    if owner is None or owner.pk == keep_id:
        return
    if not in_scope(actor, owner.grid_id):
        raise Http404
    if owner.left_on is not None:
        raise ValidationError({"owner": _("%(name)s has left the community.")
                               % {"name": owner.name}})


@audit.audited
def business_create(*, actor: Any, name: str, kind: str, grid: Grid | None = None,
                    dwelling: Dwelling | None = None, owner: Person | None = None,
                    address: str = "", licence_note: str = "") -> Business:
    """Register a shop or other business (商户) so it can be visited and be a
    party to disputes."""
    require(actor, Perm.EDIT_REGISTRY)
    business = Business(name=name, kind=kind, owner=owner, dwelling=dwelling,
                        address=address, licence_note=licence_note)
    _place_business(actor, business, grid, dwelling, address)
    _check_owner(actor, owner)
    business.full_clean()
    business.save()
    audit.record(AuditAction.CREATE, actor=actor, obj=business,
                 changes=audit.created(audit.snapshot(business, Business.AUDIT_FIELDS)))
    return business


@audit.audited
def business_update(*, actor: Any, business: Business, grid: Grid | None = None,
                    **data: Any) -> Business:
    """Change a business's name, kind, owner, premises, address or licence note.
    Moving it to premises in a grid outside the actor's scope is refused."""
    require(actor, Perm.EDIT_REGISTRY)
    if not in_scope(actor, business.grid_id):
        raise Http404
    business = Business.objects.select_for_update().get(pk=business.pk)
    before = audit.snapshot(business, Business.AUDIT_FIELDS)
    keep_owner = business.owner_id
    unknown = set(data) - set(BUSINESS_FIELDS)
    if unknown:
        raise TypeError(f"unknown business fields: {sorted(unknown)}")
    for field, value in data.items():
        setattr(business, field, value)
    _place_business(actor, business, grid, business.dwelling, business.address)
    _check_owner(actor, business.owner, keep_id=keep_owner)
    business.full_clean()
    business.save()
    changes = audit.diff(before, audit.snapshot(business, Business.AUDIT_FIELDS))
    if changes:
        audit.record(AuditAction.UPDATE, actor=actor, obj=business, changes=changes)
    return business


def _set_grid(household: Household, grid_id: int) -> None:
    """The household and its members take the grid of their new dwelling;
    higher apps move their copies on `signals.household_moved`."""
    old_grid_id = household.grid_id
    household.grid_id = grid_id
    Person.objects.filter(household=household).update(grid_id=grid_id)
    SearchKey.objects.filter(person__household=household).update(grid_id=grid_id)
    signals.household_moved.send(sender=Household, household=household,
                                 old_grid_id=old_grid_id, new_grid_id=grid_id)


@audit.audited
def household_move(*, actor: Any, household: Household, dwelling: Dwelling,
                   on: date, expected_version: int | None = None) -> Household:
    """Move a whole household to another dwelling; the old address stays in history."""
    require(actor, Perm.EDIT_REGISTRY)
    if not in_scope(actor, household.grid_id):
        raise Http404
    _check_dwelling(actor, dwelling)
    household.version = _claim_row(Household, household.pk, expected_version)
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
def household_move_out(*, actor: Any, household: Household, on: date,
                       reason: str = "", expected_version: int | None = None) -> Household:
    """The household leaves the community. Its file and history stay."""
    require(actor, Perm.EDIT_REGISTRY)
    if not in_scope(actor, household.grid_id):
        raise Http404
    household.version = _claim_row(Household, household.pk, expected_version)
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
def person_move(*, actor: Any, person: Person, to_household: Household, on: date,
                relation: str, new_head: Person | None = None, reason: str = "",
                expected_version: int | None = None) -> Person:
    """Move a person into another household (both must be in the actor's scope).

    A head who leaves a household with other members needs a successor; a head
    who leaves it empty closes that household.
    """
    require(actor, Perm.EDIT_REGISTRY)
    if not in_scope(actor, person.grid_id) or not in_scope(actor, to_household.grid_id):
        raise Http404
    if to_household.pk == person.household_id:
        raise ValidationError({"to_household": _("The person is already in that household.")})
    if to_household.moved_out:
        raise ValidationError({"to_household": _("That household has moved out.")})
    if relation == Relation.HEAD:
        raise ValidationError({"relation": _(
            "Move the person first, then make them head on the household page.")})
    person.version = _claim_row(Person, person.pk, expected_version)
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


@audit.audited
def person_leave(*, actor: Any, person: Person, on: date, reason: str = "",
                 expected_version: int | None = None) -> Person:
    """One member leaves the community (the household stays)."""
    require(actor, Perm.EDIT_REGISTRY)
    if not in_scope(actor, person.grid_id):
        raise Http404
    person.version = _claim_row(Person, person.pk, expected_version)
    if person.household.head_id == person.pk:
        raise ValidationError(_("The head cannot leave alone: choose a new head first, or "
                                "move the whole household out."))
    person.left_on = on
    person.save(update_fields=["left_on", "version", "updated_at"])
    Membership.objects.filter(person=person, left__isnull=True).update(left=on, reason=reason)
    audit.record(AuditAction.MOVE, actor=actor, obj=person,
                 changes={"left_on": on, "reason": reason})
    return person


@audit.audited
def person_set_permit(*, actor: Any, person: Person, permit_number: str,
                      permit_expiry: date | None, expected_version: int | None = None,
                      reason: str = "") -> Person:
    """Record a residence permit just issued (number and expiry) on the person,
    e.g. when the desk resolves a permit case (`reason` names it in the log).
    An empty number keeps the one on record, so a renewal can give only the
    new expiry."""
    require(actor, Perm.EDIT_REGISTRY)
    if not in_scope(actor, person.grid_id):
        raise Http404
    permit_number = " ".join((permit_number or "").split())
    if not permit_number and permit_expiry is None:
        raise ValidationError({"permit_number": _(
            "Enter the permit number or its expiry date.")})
    if len(permit_number) > Person._meta.get_field("permit_number").max_length:
        raise ValidationError({"permit_number": _("The permit number is too long.")})
    person = Person.objects.select_for_update().get(pk=person.pk)
    before = audit.snapshot(person, Person.AUDIT_FIELDS)
    if permit_number:
        person.permit_number = permit_number
    if permit_expiry is not None:
        person.permit_expiry = permit_expiry
    changes = audit.diff(before, audit.snapshot(person, Person.AUDIT_FIELDS),
                         Person.AUDIT_SENSITIVE)
    if not changes:
        return person
    _claim(person, expected_version)
    person.save(update_fields=["permit_number", "permit_expiry", "version", "updated_at"])
    audit.record(AuditAction.UPDATE, actor=actor, obj=person,
                 changes={**changes, **({"reason": reason} if reason else {})})
    return person


def person_reveal(*, actor: Any, person: Person, field: str) -> str:
    """The whole ID-card or phone number, for roles that may see it; audited."""
    from jiayuan.registry.identifiers import id_number_of, phone_of

    perm = {"id_number": Perm.REVEAL_ID_NUMBER, "phone": Perm.REVEAL_PHONE}.get(field)
    if perm is None:
        raise Http404
    require(actor, perm)
    if not in_scope(actor, person.grid_id):
        raise Http404
    value = id_number_of(person) if field == "id_number" else phone_of(person)
    audit.record(AuditAction.REVEAL, actor=actor, obj=person, changes={"field": field})
    return value


@audit.audited
def circumstance_add(*, actor: Any, household: Household, kind: str, started: date,
                     person: Person | None = None, note: str = "",
                     sensitive_consent: bool = False) -> Circumstance:
    """Record a circumstance under the consent of the person it concerns (or of the
    head, for the household as a whole)."""
    require(actor, Perm.EDIT_REGISTRY)
    require(actor, Perm.VIEW_SENSITIVE)
    if not in_scope(actor, household.grid_id):
        raise Http404
    if person is not None and person.household_id != household.pk:
        raise ValidationError({"person": _("That person is not a member of this household.")})
    subject = person or household.head
    if subject is not None:
        _ensure_sensitive_consent(actor, subject, sensitive_consent, "sensitive_consent")
    item = Circumstance.objects.create(household=household, person=person, kind=kind,
                                       started=started, note=note)
    audit.record(AuditAction.CREATE, actor=actor, obj=item, object_repr=f"household {household.pk}",
                 changes=audit.created(audit.snapshot(item, Circumstance.AUDIT_FIELDS),
                                       Circumstance.AUDIT_SENSITIVE))
    return item


@audit.audited
def circumstance_end(*, actor: Any, circumstance: Circumstance, ended: date) -> Circumstance:
    require(actor, Perm.EDIT_REGISTRY)
    require(actor, Perm.VIEW_SENSITIVE)
    if not in_scope(actor, circumstance.household.grid_id):
        raise Http404
    if ended < circumstance.started:
        raise ValidationError({"ended": _("The end date is before the start date.")})
    circumstance.ended = ended
    circumstance.save(update_fields=["ended"])
    audit.record(AuditAction.UPDATE, actor=actor, obj=circumstance,
                 object_repr=f"household {circumstance.household_id}",
                 changes={"ended": ended})
    return circumstance


@audit.audited
def consent_record(*, actor: Any, person: Person, purpose: str, recorded_on: date,
                   department: Any = None, evidence: str = "", guardian: Person | None = None,
                   guardian_name: str = "") -> Consent:
    """Record a consent. Children under 14 consent through a guardian (PIPL art. 31).
    A referral consent names one `directory.Department` (`department`)."""
    require(actor, Perm.RECORD_CONSENT)
    if not in_scope(actor, person.grid_id):
        raise Http404
    check_consent_guardian(age=person.age_on(recorded_on), guardian=guardian,
                           guardian_name=guardian_name)
    if purpose != "referral":
        department = None
    elif department is None:
        raise ValidationError({"department": _("Name the department the referral consent "
                                               "covers.")})
    consent = Consent.objects.create(person=person, purpose=purpose, department=department,
                                     recorded_on=recorded_on, recorded_by=actor,
                                     evidence=evidence, guardian=guardian,
                                     guardian_name=guardian_name)
    audit.record(AuditAction.CREATE, actor=actor, obj=consent,
                 changes=audit.created(audit.snapshot(consent, Consent.AUDIT_FIELDS)))
    return consent


@audit.audited
def consent_withdraw(*, actor: Any, consent: Consent, on: date) -> Consent:
    require(actor, Perm.RECORD_CONSENT)
    if not in_scope(actor, consent.person.grid_id):
        raise Http404
    if consent.status == "withdrawn":
        raise ValidationError(_("This consent is already withdrawn."))
    consent.status = "withdrawn"
    consent.withdrawn_on = on
    consent.save(update_fields=["status", "withdrawn_on"])
    audit.record(AuditAction.UPDATE, actor=actor, obj=consent,
                 changes={"status": ["given", "withdrawn"], "withdrawn_on": on})
    if consent.purpose == ConsentPurpose.SENSITIVE and not has_sensitive_consent(consent.person):
        _erase_sensitive(actor, consent.person)
    return consent


def _erase_sensitive(actor: Any, person: Person) -> None:
    """Without consent, the sensitive details it covered are erased (PIPL art. 47):
    the person's ethnic group and the circumstances concerning them; and, when
    the household's current head holds no sensitive consent, the household's
    festivals and household-wide circumstances."""
    household = person.household
    erase = list(Circumstance.objects.filter(person=person))
    clear_festivals = False
    head = household.head
    if head is None or not has_sensitive_consent(head):
        erase += list(Circumstance.objects.filter(household=household, person__isnull=True))
        clear_festivals = bool(household.festivals)
    if person.ethnicity:
        person.ethnicity = ""
        person.version = _claim_row(Person, person.pk, None)
        person.save(update_fields=["ethnicity", "version", "updated_at"])
        audit.record(AuditAction.UPDATE, actor=actor, obj=person,
                     changes={"ethnicity": audit.CHANGED, "reason": "consent withdrawn"})
    if clear_festivals:
        household.festivals = []
        household.version = _claim_row(Household, household.pk, None)
        household.save(update_fields=["festivals", "version", "updated_at"])
        audit.record(AuditAction.UPDATE, actor=actor, obj=household,
                     changes={"festivals": audit.CHANGED, "reason": "consent withdrawn"})
    for item in erase:
        audit.record(AuditAction.DELETE, actor=actor, obj=item,
                     object_repr=f"household {item.household_id}",
                     changes={"reason": "consent withdrawn"})
        item.delete()
