"""People: registering, changing, leaving, residence permits, revealing an
identifier, circumstances; and the search index of their names.

People are versioned: every write to the row claims the next `version`
(core.versioning). A write made from a form carries the version the user
loaded (`expected_version`); if someone else saved in between, it is refused
with `Conflict` and nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from jiayuan.core import audit
from jiayuan.core.access import require
from jiayuan.core.models import AuditAction, User
from jiayuan.core.roles import Perm
from jiayuan.core.unique import unique_or
from jiayuan.core.versioning import claim
from jiayuan.lib.idcard import IDNumberError, check_agrees
from jiayuan.lib.text import display_pinyin, search_keys
from jiayuan.registry.choices import Relation
from jiayuan.registry.identifiers import (
    id_hash,
    id_number_of,
    phone_of,
    set_id_number,
    set_phone,
)
from jiayuan.registry.models import Circumstance, Household, Membership, Person, SearchKey
from jiayuan.registry.services.common import (
    KEEP,
    Keep,
    check_not_erased,
    check_scope,
    lock_households,
    what,
)
from jiayuan.registry.services.consents import ensure_sensitive_consent

# --- the search index -------------------------------------------------------------

SEARCH_KEY_COLUMNS = ["person_id", "grid_id", "kind", "pos", "key"]
_KINDS = {"name": SearchKey.NAME, "pinyin": SearchKey.PINYIN, "initials": SearchKey.INITIALS}


def search_key_rows(person_id: int, grid_id: int, name: str) -> list[tuple]:
    """The search keys of a person called `name`, as rows in SEARCH_KEY_COLUMNS order
    (for bulk inserts that build no model instances)."""
    return [(person_id, grid_id, _KINDS[kind], pos, key) for kind, pos, key in search_keys(name)]


def search_keys_for(person: Person) -> list[SearchKey]:
    return [SearchKey(**dict(zip(SEARCH_KEY_COLUMNS, row, strict=True)))
            for row in search_key_rows(person.pk, person.grid_id, person.name)]


def reindex_person(person: Person) -> None:
    SearchKey.objects.filter(person=person).delete()
    SearchKey.objects.bulk_create(search_keys_for(person))


# --- checks ------------------------------------------------------------------------

def _already_registered() -> ValidationError:
    return ValidationError({"id_number": _(
        "A person with this ID-card number is already registered. Search for them "
        "instead of registering them again; if you cannot see them, ask the station head."
    )})


def _check_unique_id(number: str, exclude_pk: int | None = None) -> None:
    if not number:
        return
    clash = Person.objects.filter(id_number_hash=id_hash(number))
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise _already_registered()


def _save_unique_id(person: Person) -> None:
    """Save `person`. The unique index decides between two registrations of
    one ID number at once (both passed `_check_unique_id` before either was
    committed): the later one gets the check's refusal, not a server error."""
    # PostgreSQL names the constraint; SQLite names the column.
    with unique_or(_already_registered(), constraints=("person_id_number_hash_unique",
                                                       "registry_person.id_number_hash")):
        person.save()


def check_id_agrees(person: Person, *, given_number: str | None) -> None:
    """The birth date and sex on record must agree with the ID number: the one
    given now (an error on that field) or, when none is given, the one stored
    (an error for the whole form, as the number is not on it)."""
    number = given_number or (id_number_of(person) if person.id_number_hash else "")
    if not number:
        return
    try:
        check_agrees(number, birth_date=person.birth_date, sex=person.sex or None)
    except IDNumberError as exc:
        error = ValidationError(str(exc.message), code=exc.code)
        raise (ValidationError({"id_number": error}) if given_number else error) from exc


# --- writes ------------------------------------------------------------------------

def _set_fields(person: Person, fields: dict[str, Any]) -> None:
    """Set the given fields (KEEP: as recorded); pinyin follows the name."""
    for field, value in fields.items():
        if value is KEEP:
            continue
        if field == "languages":
            value = sorted(set(value or []))
        setattr(person, field, value)
    person.pinyin = display_pinyin(person.name)


def check_birth_date(birth_date: date | None) -> None:
    """Raise ValidationError (on ``birth_date``) for a birth date in the future."""
    if birth_date is not None and birth_date > timezone.localdate():
        raise ValidationError({"birth_date": _("The birth date is in the future.")})


def require_sensitive_write(actor: User, *, changed: bool, consent: bool) -> None:
    """Sensitive details (the ethnic group, festivals) and the consent that covers
    them are written only by a role that may see them (PermissionDenied), as for
    circumstances. `changed`: a sensitive field changes; `consent`: the form
    records the sensitive consent now."""
    if changed or consent:
        require(actor, Perm.VIEW_SENSITIVE)


def _head_only() -> str:
    return _("Only the head of the household can have the relation 'head'. Change the head "
             "on the household page.")


@audit.audited
def person_create(*, actor: User, household: Household, name: str, sex: str,
                  relation: str = Relation.OTHER_RELATIVE, birth_date: date | None = None,
                  id_number: str = "", phone: str = "", ethnicity: str = "",
                  languages: Iterable[str] = (), origin_code: str = "",
                  permit_number: str = "", permit_expiry: date | None = None,
                  occupation: str = "", sensitive_consent: bool = False,
                  joined: date | None = None) -> Person:
    """Register a person as a member of `household`. `id_number` and `phone`
    come normalised (the form's job); the birth date and sex must agree with
    the ID number. `sensitive_consent`: the person agrees, now, to their
    sensitive details (the ethnic group) being recorded."""
    require(actor, Perm.EDIT_REGISTRY)
    check_scope(actor, household.grid_id)
    require_sensitive_write(actor, changed=bool(ethnicity), consent=sensitive_consent)
    check_birth_date(birth_date)
    if relation == Relation.HEAD and household.head_id is not None:
        raise ValidationError({"relation": _head_only()})
    _check_unique_id(id_number or "")
    person = Person(household=household, grid_id=household.grid_id)
    _set_fields(person, {"name": name, "sex": sex, "relation": relation,
                         "birth_date": birth_date, "ethnicity": ethnicity,
                         "languages": languages, "origin_code": origin_code,
                         "permit_number": permit_number, "permit_expiry": permit_expiry,
                         "occupation": occupation})
    check_id_agrees(person, given_number=id_number or None)
    set_id_number(person, id_number or "")
    set_phone(person, phone or "")
    _save_unique_id(person)
    Membership.objects.create(person=person, household=household, relation=person.relation,
                              joined=joined or timezone.localdate())
    reindex_person(person)
    audit.record(AuditAction.CREATE, actor=actor, obj=person,
                 changes=audit.created(audit.snapshot(person, Person.AUDIT_FIELDS),
                                       Person.AUDIT_SENSITIVE))
    if person.ethnicity or sensitive_consent:
        ensure_sensitive_consent(actor, person, sensitive_consent, "ethnicity")
    return person


@audit.audited
def person_update(*, actor: User, person: Person, expected_version: int | None = None,
                  name: str | Keep = KEEP, sex: str | Keep = KEEP,
                  relation: str | Keep = KEEP, birth_date: date | None | Keep = KEEP,
                  id_number: str | None = None, phone: str | None = None,
                  ethnicity: str | Keep = KEEP, languages: Iterable[str] | Keep = KEEP,
                  origin_code: str | Keep = KEEP, permit_number: str | Keep = KEEP,
                  permit_expiry: date | None | Keep = KEEP, occupation: str | Keep = KEEP,
                  sensitive_consent: bool = False) -> Person:
    """Change a person's details (KEEP, or None for `id_number`/`phone`: as
    recorded). The birth date and sex must still agree with the ID number,
    given or stored. `expected_version` is the version the user's form was
    loaded at (None: no check, for callers that read and write at once)."""
    require(actor, Perm.EDIT_REGISTRY)
    check_scope(actor, person.grid_id)
    check_not_erased(person)
    require_sensitive_write(actor, consent=sensitive_consent,
                            changed=ethnicity is not KEEP and ethnicity != person.ethnicity)
    if birth_date is not KEEP:
        check_birth_date(birth_date)
    if id_number:
        _check_unique_id(id_number, exclude_pk=person.pk)
    person = claim(person, expected_version, what(person))
    before = audit.snapshot(person, Person.AUDIT_FIELDS)
    old_name, old_ethnicity = person.name, person.ethnicity
    _set_fields(person, {"name": name, "sex": sex, "relation": relation,
                         "birth_date": birth_date, "ethnicity": ethnicity,
                         "languages": languages, "origin_code": origin_code,
                         "permit_number": permit_number, "permit_expiry": permit_expiry,
                         "occupation": occupation})
    if id_number or birth_date is not KEEP or sex is not KEEP:
        check_id_agrees(person, given_number=id_number or None)
    if id_number is not None:
        set_id_number(person, id_number)
    if phone is not None:
        set_phone(person, phone)
    if person.ethnicity and person.ethnicity != old_ethnicity:
        ensure_sensitive_consent(actor, person, sensitive_consent, "ethnicity")
    if person.relation == Relation.HEAD and person.household.head_id != person.pk:
        raise ValidationError({"relation": _head_only()})
    if person.relation != Relation.HEAD and person.household.head_id == person.pk:
        raise ValidationError({"relation": _(
            "The head of the household keeps the relation 'head'. Change the head on the "
            "household page.")})
    _save_unique_id(person)
    if person.name != old_name:
        reindex_person(person)
    changes = audit.diff(before, audit.snapshot(person, Person.AUDIT_FIELDS),
                         Person.AUDIT_SENSITIVE)
    if changes:
        audit.record(AuditAction.UPDATE, actor=actor, obj=person, changes=changes)
    return person


@audit.audited
def person_leave(*, actor: User, person: Person, on: date, reason: str = "",
                 expected_version: int | None = None) -> Person:
    """One member leaves the community (the household stays)."""
    require(actor, Perm.EDIT_REGISTRY)
    check_scope(actor, person.grid_id)
    check_not_erased(person)
    claim(person, expected_version, what(person))
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
def person_set_permit(*, actor: User, person: Person, permit_number: str,
                      permit_expiry: date | None, expected_version: int | None = None,
                      reason: str = "") -> Person:
    """Record a residence permit just issued (number and expiry) on the person,
    e.g. when the desk resolves a permit case (`reason` names it in the log).
    An empty number keeps the one on record, so a renewal can give only the
    new expiry."""
    require(actor, Perm.EDIT_REGISTRY)
    check_scope(actor, person.grid_id)
    check_not_erased(person)
    permit_number = " ".join((permit_number or "").split())
    if not permit_number and permit_expiry is None:
        raise ValidationError({"permit_number": _(
            "Enter the permit number or its expiry date.")})
    if len(permit_number) > cast(int, Person._meta.get_field("permit_number").max_length):
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
    claim(person, expected_version, what(person))
    person.save(update_fields=["permit_number", "permit_expiry", "version", "updated_at"])
    audit.record(AuditAction.UPDATE, actor=actor, obj=person,
                 changes={**changes, **({"reason": reason} if reason else {})})
    return person


REVEAL_PERMS = {"id_number": Perm.REVEAL_ID_NUMBER, "phone": Perm.REVEAL_PHONE}


def reveal_perm(field: str) -> Perm | None:
    """The permission that shows `field` whole; None for a field never revealed."""
    return REVEAL_PERMS.get(field)


class ConfirmationRequired(PermissionDenied):
    """A whole ID number asked for without a recent confirmation of the person."""

    code = "confirmation_required"


def person_reveal(*, actor: User, person: Person, field: str, confirmed: bool) -> str:
    """The whole ID-card or phone number, for roles that may see it; audited.
    A whole ID number also needs `confirmed`: the person confirmed it's them
    recently (jiayuan.core.reauth; a page's session, never an API token)."""
    perm = reveal_perm(field)
    if perm is None:
        raise Http404
    require(actor, perm)
    check_scope(actor, person.grid_id)
    if field == "id_number" and not confirmed:
        raise ConfirmationRequired(_(
            "A whole ID number is shown only after you confirm it's you: "
            "on the site, in a session confirmed in the last minutes."))
    value = id_number_of(person) if field == "id_number" else phone_of(person)
    audit.record(AuditAction.REVEAL, actor=actor, obj=person, changes={"field": field})
    return value


@audit.audited
def circumstance_add(*, actor: User, household: Household, kind: str, started: date,
                     person: Person | None = None, note: str = "",
                     sensitive_consent: bool = False) -> Circumstance:
    """Record a circumstance under the consent of the person it concerns (or of the
    head, for the household as a whole)."""
    require(actor, Perm.EDIT_REGISTRY)
    require(actor, Perm.VIEW_SENSITIVE)
    check_scope(actor, household.grid_id)
    check_not_erased(person)
    if person is not None and person.household_id != household.pk:
        raise ValidationError({"person": _("That person is not a member of this household.")})
    subject = person or household.head
    if subject is not None:
        # The household before the person (common.lock_households): a
        # withdrawal of the consent erases the household's circumstances.
        lock_households(household.pk)
        ensure_sensitive_consent(actor, subject, sensitive_consent, "sensitive_consent")
    item = Circumstance.objects.create(household=household, person=person, kind=kind,
                                       started=started, note=note)
    audit.record(AuditAction.CREATE, actor=actor, obj=item, object_repr=f"household {household.pk}",
                 changes=audit.created(audit.snapshot(item, Circumstance.AUDIT_FIELDS),
                                       Circumstance.AUDIT_SENSITIVE))
    return item


@audit.audited
def circumstance_end(*, actor: User, circumstance: Circumstance, ended: date) -> Circumstance:
    require(actor, Perm.EDIT_REGISTRY)
    require(actor, Perm.VIEW_SENSITIVE)
    check_scope(actor, circumstance.household.grid_id)
    if ended < circumstance.started:
        raise ValidationError({"ended": _("The end date is before the start date.")})
    circumstance.ended = ended
    circumstance.save(update_fields=["ended"])
    audit.record(AuditAction.UPDATE, actor=actor, obj=circumstance,
                 object_repr=f"household {circumstance.household_id}",
                 changes={"ended": ended})
    return circumstance
