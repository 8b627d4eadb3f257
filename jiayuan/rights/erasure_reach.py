"""The rows reachable from a person: where erasure looks for their name.

A name is not unique: a global search for it would blank a namesake's text
(another resident called the same) and read every text column of every table
inside the audit lock. The person's numbers and keyed hashes are theirs alone
and are still looked for everywhere (erasure_scrub.scrub); the name is looked
for only in the rows this table reaches from the person by explicit relations:
their own cases and the cases called in from their phone (caller_phone_hash)
and what hangs on them, their household(s) and its visits, duties, pairings
and circumstances, the visits of the households they help (a visit's
`volunteers` is free text, with no link to a person: the visits of what they
reach is where their name as a volunteer is looked for), the disputes they are party to, the
meetings they took part in, their suggestions, sign-ups, volunteer record,
their businesses and the roster imports that wrote them.

Each line is (model, rows of that model reached from the person, text fields).
The rows are computed once, before the erasure changes anything (it unlinks
some of them, such as a business's owner).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.db.models import Q, QuerySet

from jiayuan.care.models import (
    CheckIn,
    Dispute,
    DisputeParty,
    Duty,
    MediationSession,
    Pairing,
    Visit,
)
from jiayuan.civic.meetings.models import AgendaItem, Decision, Meeting, MinutesVersion, Participant
from jiayuan.civic.suggestions.models import Suggestion, SuggestionChange
from jiayuan.core.crypto import decrypt
from jiayuan.desk.models import Case, CaseEvent, FollowUp, Referral
from jiayuan.engage.activities.models import SignUp
from jiayuan.engage.volunteers.models import HoursClaim, HoursEntry, Volunteer
from jiayuan.registry.identifiers import phone_of
from jiayuan.registry.models import Business, Circumstance, Consent, Household, Membership, Person
from jiayuan.sheets.models import ImportBatch, ImportChange


def households_of(person: Person) -> list[int]:
    """The household they live in and every household they were ever a member of."""
    ids = set(Membership.objects.filter(person=person).values_list("household_id", flat=True))
    ids.add(person.household_id)
    return sorted(ids)


def cases_of(p: Person) -> QuerySet[Case]:
    """Their cases and the cases called in from their phone (by its keyed hash)."""
    called = Q(person=p)
    if p.phone_hash:
        called |= Q(caller_phone_hash=p.phone_hash)
    return Case.objects.filter(called)


def suggestions_of(p: Person) -> QuerySet[Suggestion]:
    """Their suggestions and those whose contact phone is theirs. Suggestions keep
    no hash of the contact phone: the mask narrows the search, the ciphertext
    decides."""
    pks = list(Suggestion.objects.filter(person=p).values_list("pk", flat=True))
    phone = phone_of(p) if p.phone_enc else ""
    if phone and p.phone_mask:
        pks += [s.pk for s in Suggestion.objects.filter(contact_phone_mask=p.phone_mask)
                .exclude(contact_phone_enc="").only("pk", "contact_phone_enc")
                if decrypt(s.contact_phone_enc) == phone]
    return Suggestion.objects.filter(pk__in=pks)


def _batches(p: Person) -> QuerySet[ImportBatch]:
    ids = set(ImportChange.objects.filter(person=p).values_list("batch_id", flat=True))
    if p.import_batch_id:
        ids.add(p.import_batch_id)
    return ImportBatch.objects.filter(pk__in=ids)


def _disputes(p: Person) -> QuerySet[Dispute]:
    return Dispute.objects.filter(pk__in=DisputeParty.objects.filter(person=p)
                                  .values("dispute_id"))


def _meetings(p: Person) -> QuerySet[Meeting]:
    return Meeting.objects.filter(pk__in=Participant.objects.filter(person=p)
                                  .values("meeting_id"))


def _pairings(p: Person) -> QuerySet[Pairing]:
    return Pairing.objects.filter(Q(household_id__in=households_of(p)) | Q(helper_person=p))


def _visits(p: Person) -> QuerySet[Visit]:
    """The visits of their households, of the households they help (a pairing's
    helper), of their business, and the visits that opened their cases."""
    helped = Pairing.objects.filter(helper_person=p).values("household_id")
    return Visit.objects.filter(Q(households__in=households_of(p)) | Q(households__in=helped)
                                | Q(business__owner=p) | Q(cases__in=cases_of(p))).distinct()


Reach = Callable[[Person], QuerySet]

#: (model, the rows reached from the person, the text fields looked in).
REACH: tuple[tuple[type[models.Model], Reach, tuple[str, ...]], ...] = (
    (Person, lambda p: Person.objects.filter(pk=p.pk), ("occupation",)),
    (Household, lambda p: Household.objects.filter(pk__in=households_of(p)), ("note",)),
    (Membership, lambda p: Membership.objects.filter(person=p), ("reason",)),
    (Circumstance, lambda p: Circumstance.objects.filter(
        Q(person=p) | Q(household_id__in=households_of(p), person__isnull=True)), ("note",)),
    (Consent, lambda p: Consent.objects.filter(person=p),
     ("evidence", "guardian_name", "department_text")),
    (Case, cases_of, ("summary", "details", "outcome_note", "caller_name")),
    (CaseEvent, lambda p: CaseEvent.objects.filter(case__in=cases_of(p)), ("text",)),
    (FollowUp, lambda p: FollowUp.objects.filter(case__in=cases_of(p)), ("comment",)),
    (Referral, lambda p: Referral.objects.filter(case__in=cases_of(p)),
     ("override_reason", "message", "answer")),
    (Visit, _visits, ("found", "needs", "sensitive_note", "volunteers")),
    (Duty, lambda p: Duty.objects.filter(household_id__in=households_of(p)), ("detail",)),
    (Pairing, _pairings, ("goals",)),
    (CheckIn, lambda p: CheckIn.objects.filter(pairing__in=_pairings(p)), ("note",)),
    (Dispute, _disputes, ("summary", "details", "outcome_note", "escalation",
                          "agreement_text", "followup_note")),
    (DisputeParty, lambda p: DisputeParty.objects.filter(person=p), ("name",)),
    (MediationSession, lambda p: MediationSession.objects.filter(dispute__in=_disputes(p)),
     ("place", "attendees", "notes")),
    (Meeting, _meetings, ("title",)),
    (Participant, lambda p: Participant.objects.filter(person=p), ("name",)),
    (AgendaItem, lambda p: AgendaItem.objects.filter(meeting__in=_meetings(p)),
     ("title", "notes")),
    (MinutesVersion, lambda p: MinutesVersion.objects.filter(meeting__in=_meetings(p)),
     ("text",)),
    (Decision, lambda p: Decision.objects.filter(meeting__in=_meetings(p)), ("text",)),
    (Suggestion, suggestions_of, ("title", "body", "contact_name", "public_reason")),
    (SuggestionChange, lambda p: SuggestionChange.objects.filter(
        suggestion__in=suggestions_of(p)), ("public_reason",)),
    (SignUp, lambda p: SignUp.objects.filter(person=p), ("name",)),
    (Volunteer, lambda p: Volunteer.objects.filter(person=p),
     ("skills", "languages", "availability")),
    (HoursEntry, lambda p: HoursEntry.objects.filter(volunteer__person=p), ("note",)),
    (HoursClaim, lambda p: HoursClaim.objects.filter(volunteer__person=p), ("what", "reason")),
    (Business, lambda p: Business.objects.filter(owner=p),
     ("name", "address", "licence_note")),
    (ImportBatch, _batches, ("not_imported", "consent_evidence")),
)


@dataclass(frozen=True)
class Reached:
    model: type[models.Model]
    pks: list[object]
    fields: tuple[str, ...]


def reach(person: Person) -> list[Reached]:
    """Every line of REACH with the primary keys of its rows, now."""
    return [Reached(model, sorted(set(rows(person).values_list("pk", flat=True))), fields)
            for model, rows, fields in REACH]


def audit_objects(reached: list[Reached]) -> Q:
    """The audit log's entries about a reached row (object_type, object_id)."""
    cond = Q(pk__in=[])
    for line in reached:
        if line.pks:
            cond |= Q(object_type=line.model._meta.label_lower,
                      object_id__in=[str(pk) for pk in line.pks])
    return cond
