"""Consents (PIPL): recording and withdrawing them, and the sensitive details
that may be kept only under one."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from jiayuan.core import audit
from jiayuan.core.access import require
from jiayuan.core.models import AuditAction, User
from jiayuan.core.roles import Perm
from jiayuan.core.scheduler import ACTOR
from jiayuan.core.versioning import claim
from jiayuan.directory.models import Department
from jiayuan.registry.choices import ConsentPurpose, ConsentStatus
from jiayuan.registry.consent_rules import consent_columns
from jiayuan.registry.models import Circumstance, Consent, Person
from jiayuan.registry.services.common import (
    check_not_erased,
    check_scope,
    lock_person,
    what,
)
from jiayuan.registry.signals import consent_withdrawn


def has_sensitive_consent(person: Person) -> bool:
    return Consent.objects.filter(person=person, purpose=ConsentPurpose.SENSITIVE,
                                  status=ConsentStatus.GIVEN).exists()


def ensure_sensitive_consent(actor: User, person: Person, given: bool, field: str) -> None:
    """Sensitive details are recorded only under a consent that covers them:
    one already on record, or one the form records now (`given`).

    The person's row is locked before the consents are read, as
    `consent_withdraw` locks it before it withdraws and erases: a detail
    written while the last consent is being withdrawn is either seen (and
    erased) by the withdrawal or refused here. A caller writing the
    household's details (festivals, its circumstances) holds the household's
    lock first (common.lock_households: household, then person)."""
    Person.objects.select_for_update(no_key=True).only("pk").get(pk=person.pk)
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


@audit.audited
def consent_record(*, actor: User, person: Person, purpose: str, recorded_on: date,
                   department: Department | None = None, evidence: str = "",
                   guardian: Person | None = None, guardian_name: str = "") -> Consent:
    """Record a consent. Children under 14 consent through a guardian (PIPL art. 31).
    A referral consent names one `directory.Department` (`department`)."""
    require(actor, Perm.RECORD_CONSENT)
    check_scope(actor, person.grid_id)
    check_not_erased(person, guardian)
    if guardian is not None and guardian.pk != person.pk and (
            guardian.household_id != person.household_id or guardian.left_on is not None):
        raise ValidationError({"guardian": _(
            "The guardian must be a current member of this person's household.")})
    columns = consent_columns(person_id=person.pk, birth_date=person.birth_date,
                              purpose=purpose, recorded_on=recorded_on,
                              recorded_by_id=actor.pk, evidence=evidence,
                              guardian_id=guardian.pk if guardian is not None else None,
                              guardian_name=guardian_name)
    if purpose != "referral":
        department = None
    elif department is None:
        raise ValidationError({"department": _("Name the department the referral consent "
                                               "covers.")})
    elif not department.active:
        raise ValidationError({"department": _("Choose a department from the list.")})
    columns["department_id"] = department.pk if department is not None else None
    consent = Consent.objects.create(**columns)
    audit.record(AuditAction.CREATE, actor=actor, obj=consent,
                 changes=audit.created(audit.snapshot(consent, Consent.AUDIT_FIELDS)))
    return consent


@audit.audited
def consent_withdraw(*, actor: User | None, consent: Consent, on: date) -> Consent:
    """`actor` None is the system (retention's erasure of an archived
    household): no permission or scope to check, its entries are the
    scheduler's (scheduler.ACTOR)."""
    if actor is not None:
        require(actor, Perm.RECORD_CONSENT)
        check_scope(actor, consent.person.grid_id)
    # The household and the person first (what _erase_sensitive writes, and
    # what ensure_sensitive_consent locks before it reads the consents), then
    # the consent (a referral being made under it waits, desk.referral_create).
    person = lock_person(consent.person_id)
    status = (Consent.objects.select_for_update().values_list("status", flat=True)
              .get(pk=consent.pk))
    if status == "withdrawn":
        raise ValidationError(_("This consent is already withdrawn."))
    consent.status = "withdrawn"
    consent.withdrawn_on = on
    consent.save(update_fields=["status", "withdrawn_on"])
    audit.record(AuditAction.UPDATE, actor=actor, username=ACTOR, obj=consent,
                 changes={"status": ["given", "withdrawn"], "withdrawn_on": on})
    # Whatever relied on the consent stops (the desk's referrals made under it).
    consent_withdrawn.send(sender=Consent, consent=consent, actor=actor)
    if consent.purpose == ConsentPurpose.SENSITIVE and not has_sensitive_consent(person):
        _erase_sensitive(actor, person)
    return consent


def _erase_sensitive(actor: User | None, person: Person) -> None:
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
        claim(person, None, what(person))
        person.save(update_fields=["ethnicity", "version", "updated_at"])
        audit.record(AuditAction.UPDATE, actor=actor, username=ACTOR, obj=person,
                     changes={"ethnicity": audit.CHANGED, "reason": "consent withdrawn"})
    if clear_festivals:
        household.festivals = []
        claim(household, None, what(household))
        household.save(update_fields=["festivals", "version", "updated_at"])
        audit.record(AuditAction.UPDATE, actor=actor, username=ACTOR, obj=household,
                     changes={"festivals": audit.CHANGED, "reason": "consent withdrawn"})
    for item in erase:
        audit.record(AuditAction.DELETE, actor=actor, username=ACTOR, obj=item,
                     object_repr=f"household {item.household_id}",
                     changes={"reason": "consent withdrawn"})
        item.delete()
