"""Erasure by anonymisation (PIPL art. 47): a person's data removed from every table.

The person's row stays as a tombstone so that foreign keys, counts and case
references hold: its name becomes registry.models.ERASED_NAME (shown as "Erased
person #pk" in the reader's language) and every other personal column is
emptied. Around it:

- registry: search keys deleted; circumstances about them deleted; consents
  withdrawn (so referrals sent under them stop) and kept only as purpose and
  dates, without evidence or a guardian's name; memberships kept without reason;
- the tombstone leaves its household on the day (the head of a household with
  other members is refused: choose a new head first, as for leaving); a
  household left with no current member moves out on the day; one with no
  other member but tombstones (they were alone, or the last to be erased)
  keeps its row (the dwelling and dates: past counts hold) but loses its note,
  festivals, circumstances, its duties' details, its pairings' goals and
  check-in notes, and the free text of its visits that covered no other
  household (a visit shared with other households keeps its text, minus their
  name and numbers);
- desk: the caller columns of their cases (and of any case called in from their
  phone) emptied; their cases' details, outcome notes, event texts, follow-up
  comments and referral messages and answers emptied, their uploaded documents
  deleted (the case's service, dates and status stay for the statistics);
- care, civic, engage: their dispute-party, meeting-participant, sign-up and
  suggestion-contact copies of name and phone emptied; their volunteer record's
  skills, languages and availability emptied and public display withdrawn;
- registry: a business they own no longer points at them (its name, address
  and licence note lose their name like any reached row);
- sheets: the import rows that recorded them (ImportChange: the values an undo
  would restore) deleted, and the stored file of every roster batch that wrote
  them deleted. A roster holds many people and cannot be edited cell by cell,
  so the batch keeps its counts and its list of rows, minus the file;
- everywhere else: their ID and phone numbers and keyed hashes are replaced
  in every text column of every table; their name and the masks of their
  numbers (138****5678 is many people's) only in the rows reachable from them
  (erasure_reach: their cases and those called in from their phone,
  households, visits, disputes, meetings...), so a namesake's text stays
  (erasure_scrub);
- the audit log: entries about them are redacted through core.audit's redaction
  API, which keeps the chain verifiable; the erasure itself is one entry with
  the reason's code and the counts, naming no one.

The system erases too (`actor=None`): retention's anonymisation of archived
households (jiayuan.rights.retention), on the RETENTION ground only, with no
permission or scope to check; its entries are the scheduler's (scheduler.ACTOR).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from jiayuan.care.choices import PairingStatus
from jiayuan.care.models import CheckIn, DisputeParty, Duty, Pairing, Visit
from jiayuan.civic.meetings.models import Participant
from jiayuan.civic.suggestions.models import Suggestion
from jiayuan.core import audit
from jiayuan.core.access import require
from jiayuan.core.models import AuditAction, AuditEntry, AuditTip, User
from jiayuan.core.roles import Perm
from jiayuan.core.scheduler import ACTOR
from jiayuan.core.versioning import claim
from jiayuan.desk.models import Case, CaseDocument, CaseEvent, FollowUp, Referral
from jiayuan.engage.activities.models import SignUp
from jiayuan.engage.volunteers.models import Volunteer
from jiayuan.registry import services as registry_services
from jiayuan.registry.choices import ConsentStatus
from jiayuan.registry.identifiers import id_number_of, phone_of
from jiayuan.registry.models import (
    ERASED_NAME,
    Business,
    Circumstance,
    Consent,
    Household,
    HouseholdAddress,
    Membership,
    Person,
    SearchKey,
)
from jiayuan.registry.services.common import check_scope, lock_person
from jiayuan.rights import erasure_scrub
from jiayuan.rights.erasure_reach import Reached, audit_objects, reach, suggestions_of
from jiayuan.rights.erasure_scrub import MARK, delete_after_commit
from jiayuan.sheets.models import ImportBatch, ImportChange


class ErasureReason(models.TextChoices):
    """The grounds of PIPL art. 47 on which personal information is deleted."""

    REQUEST = "request", gettext_lazy("The resident asked for their data to be erased")
    PURPOSE = "purpose", gettext_lazy("The purpose is achieved or the data is no longer "
                                      "needed")
    CONSENT = "consent", gettext_lazy("The resident withdrew their consent")
    RETENTION = "retention", gettext_lazy("The retention period has ended")
    UNLAWFUL = "unlawful", gettext_lazy("The data was processed against the law or an "
                                        "agreement")


_PERSON_BLANK: dict[str, Any] = {
    "pinyin": "", "birth_date": None, "id_number_enc": "", "id_number_hash": None,
    "id_number_mask": "", "phone_enc": "", "phone_hash": "", "phone_mask": "",
    "phone_last4": "", "ethnicity": "", "languages": [], "origin_code": "",
    "permit_number": "", "permit_expiry": None, "occupation": "", "import_batch_id": None,
}

# Tables the erasure handles itself rather than by a text search: the person's own
# row, their search keys (other people's keys hold the same characters), and the
# audit log (append-only; redacted through core.audit).
_SELF_HANDLED: tuple[type[models.Model], ...] = (Person, SearchKey, AuditEntry, AuditTip)


#: The tombstone's entry says this (a msgid: the log shows it in the reader's
#: language, core.templatetags.audit_display), never str(person) translated.
ERASED_REPR = gettext_noop("Erased person")


def _count(counts: dict[str, int], label: str, n: int) -> None:
    if n:
        counts[label] = counts.get(label, 0) + n


def _registry(actor: User | None, person: Person, counts: dict[str, int]) -> None:
    for consent in Consent.objects.filter(person=person, status=ConsentStatus.GIVEN):
        # Withdrawn through the registry's service: what relied on the consent
        # (the desk's referrals) stops, as for any withdrawal.
        registry_services.consent_withdraw(actor=actor, consent=consent,
                                           on=timezone.localdate())
    _count(counts, "registry.Consent", Consent.objects.filter(person=person).update(
        evidence="", guardian_name=""))
    _count(counts, "registry.SearchKey", SearchKey.objects.filter(person=person).delete()[0])
    _count(counts, "registry.Circumstance",
           Circumstance.objects.filter(person=person).delete()[0])
    _count(counts, "registry.Membership",
           Membership.objects.filter(person=person).exclude(reason="").update(reason=""))


def _household(person: Person, counts: dict[str, int]) -> None:
    """The tombstone leaves its household today (it is nobody any more). A
    household left with no current member moves out; one with no other member
    but tombstones (this person alone, or its last member erased) loses what it
    says, as that is about them."""
    today = timezone.localdate()
    if person.left_on is None:
        Person.objects.filter(pk=person.pk).update(left_on=today)
    Membership.objects.filter(person=person, left__isnull=True).update(left=today)
    household = Household.objects.select_for_update().get(pk=person.household_id)
    # A tombstone is nobody: a household whose other members were all erased
    # before is left with no one, and its own text goes with its last member.
    others = Person.objects.filter(household=household).exclude(pk=person.pk).exclude(
        name=ERASED_NAME)
    if household.moved_out is None and not others.filter(left_on__isnull=True).exists():
        Household.objects.filter(pk=household.pk).update(moved_out=today)
        HouseholdAddress.objects.filter(household=household, moved_out__isnull=True).update(
            moved_out=today)
    if others.exists():
        return
    Household.objects.filter(pk=household.pk).update(note="", festivals=[])
    _count(counts, "registry.Household", 1)
    _count(counts, "registry.Circumstance",
           Circumstance.objects.filter(household=household).delete()[0])
    # A visit that also covered other households says things about them too:
    # it keeps its text (their name and numbers are replaced in it, as in any
    # reached row); one that covered this household alone is about them.
    shared = Visit.households.through.objects.filter(visit__households=household).exclude(
        household=household).values("visit_id")
    _count(counts, "care.Visit", Visit.objects.filter(households=household).exclude(
        pk__in=shared).update(found="", needs="", sensitive_note=""))
    pairings = Pairing.objects.filter(household=household)
    _count(counts, "care.Pairing", pairings.update(goals=MARK))
    _count(counts, "care.CheckIn", CheckIn.objects.filter(pairing__in=pairings).update(note=""))
    _count(counts, "care.Duty", Duty.objects.filter(household=household).exclude(
        detail={}).update(detail={}))


def _desk(person: Person, phone_hash: str, counts: dict[str, int]) -> None:
    called = Q(person=person)
    if phone_hash:
        called |= Q(caller_phone_hash=phone_hash)
    _count(counts, "desk.Case", Case.objects.filter(called).update(
        caller_name="", caller_phone_enc="", caller_phone_hash="", caller_phone_mask=""))
    own = Case.objects.filter(person=person)
    _count(counts, "desk.Case", own.update(details="", outcome_note=""))
    _count(counts, "desk.CaseEvent", CaseEvent.objects.filter(case__in=own).exclude(
        text="").update(text=""))
    _count(counts, "desk.FollowUp", FollowUp.objects.filter(case__in=own).exclude(
        comment="").update(comment=""))
    _count(counts, "desk.Referral", Referral.objects.filter(case__in=own).update(
        message=MARK, answer=""))
    documents = list(CaseDocument.objects.filter(case__in=own))
    for document in documents:
        delete_after_commit(document.file)
    _count(counts, "desk.CaseDocument", CaseDocument.objects.filter(
        pk__in=[d.pk for d in documents]).delete()[0])


def _others(person: Person, phone_hash: str, counts: dict[str, int]) -> None:
    _count(counts, "care.DisputeParty", DisputeParty.objects.filter(person=person).update(
        name=""))
    _count(counts, "civic.Participant", Participant.objects.filter(person=person).update(
        name=""))
    # A pairing they helped in ends today: no check-in can be recorded for a
    # helper who is nobody any more (a visit "with the resident helper" too).
    _count(counts, "care.Pairing", Pairing.objects.filter(helper_person=person).exclude(
        status=PairingStatus.ENDED).update(status=PairingStatus.ENDED,
                                           ended=timezone.localdate()))
    signed = Q(person=person)
    if phone_hash:
        signed |= Q(phone_hash=phone_hash)
    _count(counts, "engage.SignUp", SignUp.objects.filter(signed).update(
        name="", phone_enc="", phone_hash="", phone_mask=""))
    # Their suggestions and those whose contact phone is theirs (erasure_reach).
    contacts = list(suggestions_of(person).values_list("pk", flat=True))
    _count(counts, "civic.Suggestion", Suggestion.objects.filter(pk__in=contacts).update(
        contact_name="", contact_phone_enc="", contact_phone_mask=""))
    _count(counts, "engage.Volunteer", Volunteer.objects.filter(person=person).update(
        skills="", languages="", availability="", public_consent_on=None))
    _count(counts, "registry.Business", Business.objects.filter(owner=person).update(
        owner=None))


def _imports(person: Person, counts: dict[str, int]) -> None:
    from jiayuan.rights.roster_rows import forget_cells  # here: this function's own helper

    batch_ids = set(ImportChange.objects.filter(person=person)
                    .values_list("batch_id", flat=True))
    if person.import_batch_id:
        batch_ids.add(person.import_batch_id)
    _count(counts, "sheets.ImportChange",
           ImportChange.objects.filter(person=person).delete()[0])
    for batch in ImportBatch.objects.filter(pk__in=batch_ids).exclude(file=""):
        delete_after_commit(batch.file)
        ImportBatch.objects.filter(pk=batch.pk).update(file="")
        _count(counts, "sheets.ImportBatch", 1)
    # The cells the batches copied from their files (check rows, samples, the
    # names of rows left out: rights.roster_rows) go with the files.
    _count(counts, "sheets.ImportCheckRow", forget_cells(batch_ids))


def _redact_audit(actor: User | None, person: Person, found: list[str], names: list[str],
                  reached: list[Reached]) -> int:
    """The log's entries about the person, redacted by core.audit (tombstones that
    keep the chain verifiable): those whose object is the person, those that
    hold the person's numbers or keyed hashes anywhere, and those that hold
    their name or a mask of their numbers and are about a row reached from
    them (erasure_reach): a namesake's entries, or those of someone whose
    phone shares the mask, stay. The REDACT entry lists every entry blanked, so
    what an erasure hid stays attributable."""
    about = Q(object_type="registry.person", object_id=str(person.pk))
    for text in found:
        about |= Q(object_repr__contains=text)
    theirs = audit_objects(reached)
    for text in names:
        about |= theirs & Q(object_repr__contains=text)
    keys = [Q(pk__in=AuditEntry.objects.filter(about).values("pk"))]
    changes = AuditEntry._meta.get_field("changes")
    if found:
        # Entries whose changes hold them: looked for in the JSON as text.
        keys.append(Q(pk__in=erasure_scrub._matching(AuditEntry, changes, found).values("pk")))
    if names:
        keys.append(Q(pk__in=erasure_scrub._matching(
            AuditEntry, changes, names, AuditEntry.objects.filter(theirs)).values("pk")))
    cond = keys[0]
    for key in keys[1:]:
        cond |= key
    return audit.redact(AuditEntry.objects.filter(cond), actor=actor, username=ACTOR, reason="erasure",
                        subject=f"registry.person:{person.pk}")


@audit.audited
def erase_person(*, actor: User | None, person: Person, reason: str,
                 version: int | None = None) -> dict[str, int]:
    """Erase `person`'s data by anonymisation (see the module's docstring).
    Station heads only (ERASE_PERSON), in their scope (else "not found", as
    anywhere). `reason` is an ErasureReason. `version`: the person's version the
    form was loaded at (a stale form is a Conflict). Returns {table: rows}.
    `actor` None: the system (retention), on ErasureReason.RETENTION only."""
    if actor is not None:
        require(actor, Perm.ERASE_PERSON)
        check_scope(actor, person.grid_id)
    if reason not in ErasureReason.values or (
            actor is None and reason != ErasureReason.RETENTION):
        raise ValidationError({"reason": _("Choose the ground for the erasure.")})
    # The household before the person (registry.services.common.lock_households):
    # _household() writes it, and household_update or person_move lock it first.
    person = lock_person(person.pk)
    if person.is_erased:
        raise ValidationError(_("This person's data has already been erased."))
    claim(person, version, _("this person's record"))
    if person.household.head_id == person.pk and Person.objects.filter(
            household_id=person.household_id, left_on__isnull=True).exclude(
            pk=person.pk).exists():
        raise ValidationError(_("This person is the head of a household with other members: "
                                "choose a new head first."))
    name = person.name
    id_number = id_number_of(person) if person.id_number_enc else ""
    phone = phone_of(person) if person.phone_enc else ""
    phone_hash = person.phone_hash
    # The numbers and keyed hashes are the person's alone; the name is not, so
    # it is looked for only in the rows reached from them (erasure_reach),
    # listed before anything is unlinked.
    # The masks are not theirs alone either (138****5678 is many people's):
    # looked for like the name.
    found = erasure_scrub.needles(name="", id_number=id_number, phone=phone, extra=(
        person.id_number_hash or "", person.phone_hash))
    names = erasure_scrub.needles(name=name, id_number="", phone="", extra=(
        person.id_number_mask, person.phone_mask))
    reached = reach(person)
    counts: dict[str, int] = {}
    _registry(actor, person, counts)
    _household(person, counts)
    _desk(person, phone_hash, counts)
    _others(person, phone_hash, counts)
    _imports(person, counts)
    Person.objects.filter(pk=person.pk).update(name=ERASED_NAME, **_PERSON_BLANK)
    for label, n in erasure_scrub.scrub_names(reached, names).items():
        _count(counts, label, n)
    for label, n in erasure_scrub.scrub(found, skip=_SELF_HANDLED).items():
        _count(counts, label, n)
    for label, n in erasure_scrub.scrub_files(found, skip=_SELF_HANDLED).items():
        _count(counts, label, n)
    counts["core.AuditEntry"] = _redact_audit(actor, person, found, names,
                                              reached)
    audit.record(AuditAction.DELETE, actor=actor, username=ACTOR, obj=person,
                 object_repr=ERASED_REPR, changes={
                     "erased": reason, "rows": dict(sorted(counts.items()))})
    return counts


def erasure_of(person: Person) -> AuditEntry | None:
    """The log's entry of the person's erasure (when, by whom, on which ground),
    or None: the tombstone itself keeps none of it."""
    if not person.is_erased:
        return None
    return (AuditEntry.objects.filter(object_type="registry.person", object_id=str(person.pk),
                                      action=AuditAction.DELETE, changes__has_key="erased")
            .order_by("-seq").first())


def erasure_section(actor: User, person: Person, query: Any) -> tuple[str, dict[str, Any]] | None:
    """The person page's erasure section (registry.panels): the tombstone's notice
    for everyone who sees the page, the way to the erasure page for who may."""
    if person.is_erased:
        entry = erasure_of(person)
        ground = entry.changes.get("erased", "") if entry else ""
        return "rights/erase_notice.html", {
            "erased_at": entry.at if entry else None,
            "ground": ErasureReason(ground).label if ground in ErasureReason.values else ""}
    if actor.has(Perm.ERASE_PERSON):
        return "rights/erase_section.html", {}
    return None
