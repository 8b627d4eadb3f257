"""A person's whole record (PIPL art. 45): every row about them, in every app.

`person_record(actor, person)` gathers it; `open_record(actor, pk, fmt=...)`
is the one call of a download: the permissions, the scope, the record and one
audit entry. The JSON is the record as gathered; `record_pdf` prints it.

What is "about the person": the rows that point at them (their consents,
requests, sign-ups…) whole, and the household-level rows of the household they
belong to now (its visits, duties, pairings, requests not tied to one member)
and the disputes they are a party to, with only the columns that concern them
or the household as such: record_fields.SHARED is the allow-list of each
shared model, and other people are named only by a neutral role ("another
member", "another party"). A row is shared unless the person is the only one
it can be about (they live alone and have lived alone, or are the only party).
`RELATIONS` lists every foreign key to Person and Household and what the
record does with it; a test fails when a new one appears that it does not list.

Identifiers are whole: this is the resident's own copy, handed over at the
desk, and the download is audited as such (`identifiers: whole`). So only the
roles that may see every part of it on screen may make it (RECORD_PERMS).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from jiayuan.care.choices import SENSITIVE_RULES
from jiayuan.care.duties.selectors import duty_reason
from jiayuan.care.models import (
    CheckIn,
    Dispute,
    DisputeParty,
    Duty,
    MediationSession,
    Pairing,
    Visit,
)
from jiayuan.civic.meetings.models import Participant
from jiayuan.civic.suggestions.models import Suggestion, SuggestionChange
from jiayuan.core import audit
from jiayuan.core.access import get_for, require
from jiayuan.core.models import AuditAction, User
from jiayuan.core.roles import Perm
from jiayuan.core.scope import in_scope
from jiayuan.desk.models import Case, CaseDocument, CaseEvent, FollowUp, Referral, Reminder
from jiayuan.desk.timeline import event_text, event_who
from jiayuan.engage.activities.models import SignUp
from jiayuan.engage.volunteers.models import (
    Certificate,
    HoursClaim,
    HoursEntry,
    LiaisonArea,
    Volunteer,
    VolunteerRoleAssignment,
)
from jiayuan.lib.festivals import festival_label
from jiayuan.registry.choices import LANGUAGE_CHOICES
from jiayuan.registry.identifiers import id_number_of, phone_of
from jiayuan.registry.models import (
    Business,
    Circumstance,
    Consent,
    Household,
    HouseholdAddress,
    Membership,
    Person,
)
from jiayuan.registry.selectors import people_for
from jiayuan.rights.record_disclosures import disclosures
from jiayuan.rights.record_fields import neutral, related_text, section, when
from jiayuan.sheets.models import ImportBatch, ImportChange

FORMAT = "jiayuan.person-record/1"
# Everything in the record is something these roles see on screen anyway.
RECORD_PERMS = (Perm.PRINT_FILE, Perm.VIEW_SENSITIVE, Perm.REVEAL_ID_NUMBER, Perm.REVEAL_PHONE,
                Perm.VIEW_CASES, Perm.VIEW_VISITS, Perm.VIEW_DISPUTES)
FORMATS = {"json": AuditAction.EXPORT, "pdf": AuditAction.PRINT}

# Every relation to Person and Household ("app.Model.field"): the section of
# the record that covers it, or None and the reason it is left out.
RELATIONS: dict[str, tuple[str | None, str]] = {
    "registry.Household.head": ("household", "the household section names its head"),
    "registry.Membership.person": ("memberships", ""),
    "registry.Circumstance.person": ("circumstances", ""),
    "registry.Consent.person": ("consents", ""),
    "registry.Consent.guardian": ("consents_as_guardian", ""),
    "registry.SearchKey.person": (None, "search keys are derived from the name (in the person "
                                        "section) and hold nothing else"),
    "registry.Business.owner": ("businesses", ""),
    "desk.Case.person": ("cases", ""),
    "desk.Reminder.person": ("reminders", ""),
    "care.DisputeParty.person": ("disputes", ""),
    "care.Pairing.helper_person": ("pairings", "as the helper"),
    "civic.Participant.person": ("meetings", ""),
    "civic.Suggestion.person": ("suggestions", ""),
    "engage.SignUp.person": ("signups", ""),
    "engage.Volunteer.person": ("volunteer", ""),
    "sheets.ImportChange.person": ("imports", ""),
    "registry.HouseholdAddress.household": ("household", "the household's addresses"),
    "registry.Person.household": (None, "the other members are other people's records: "
                                        "each has a record of their own"),
    "registry.Membership.household": (None, "the other members' memberships, as above; the "
                                            "person's own are under memberships"),
    "registry.Circumstance.household": ("circumstances", "those of the whole household"),
    "desk.Case.household": ("cases", "requests of the household not tied to one member"),
    "care.Visit.households": ("visits", ""),
    "care.Visit_households.household": ("visits", "the table behind Visit.households"),
    "care.Duty.household": ("duties", ""),
    "care.DisputeParty.household": ("disputes", "the household as a party"),
    "care.Pairing.household": ("pairings", "the household helped"),
    "engage.LiaisonArea.household": ("liaisons", "the volunteer who looks after the "
                                                 "household"),
}


def open_record(actor: User, pk: Any, *, fmt: str) -> tuple[Person, dict[str, Any]]:
    """The person `pk`'s record for a download in `fmt` ("json" or "pdf"):
    every permission of RECORD_PERMS (403), the person in scope (404), both
    audited by the access layer; then one entry for the download itself."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    person = get_for(actor, RECORD_PERMS, people_for(actor).select_related(
        "household__dwelling", "grid__community"), pk)
    record = person_record(actor, person)
    audit.record(FORMATS[fmt], actor=actor, obj=person, changes={
        "kind": "person_record", "format": fmt, "identifiers": "whole",
        "rows": sum(len(s["rows"]) for s in record["sections"].values())})
    return person, record


def person_record(actor: User, person: Person) -> dict[str, Any]:
    """Everything recorded about `person`, readable (see record_fields). The
    actor must hold RECORD_PERMS and have the person in scope; this records
    nothing (open_record does)."""
    for perm in RECORD_PERMS:
        require(actor, perm)
    if not in_scope(actor, person.grid_id):
        raise Http404
    household = person.household
    alone = _alone(person, household)
    cases = list(Case.objects.filter(Q(person=person) | Q(household=household,
                                                          person__isnull=True))
                 .select_related("item", "owner", "household__dwelling", "person")
                 .order_by("-opened_at", "-id"))
    sections: dict[str, dict[str, Any]] = {
        "person": _person(person),
        "household": _household(person, household, alone),
        "memberships": section(_("Household history"), Membership,
                               [("household", _("Household")), "relation", "joined", "left", "reason"],
                               person.memberships.select_related("household__dwelling")),
        "circumstances": section(_("Circumstances (sensitive)"), Circumstance,
                                 [("person", _("Member")), "kind", "started", "ended", "note"],
                                 Circumstance.objects.filter(
                                     Q(person=person) | Q(household=household,
                                                          person__isnull=True))
                                 .select_related("person"),
                                 shared=lambda c: c.person_id is None and not alone),
        "consents": _consents(_("Consents"), person.consents.all()),
        "consents_as_guardian": _consents(_("Consents given as guardian"),
                                          Consent.objects.filter(guardian=person), person),
        "businesses": section(_("Businesses"), Business,
                              ["name", "kind", "dwelling", "address", "licence_note"],
                              person.businesses.select_related("dwelling")),
        "cases": _cases(person, cases, alone),
        "visits": _visits(household, alone),
        "duties": _duties(actor, household, alone),
        "disputes": _disputes(person, household, alone),
        "pairings": _pairings(person, household, alone),
        "reminders": section(_("Reminders"), Reminder, ["kind", "due", ("created_at", _("Raised")),
                                                         ("done_at", _("Done on"))],
                             Reminder.objects.filter(person=person)),
        # Only the person's own participation and the meeting's title and date:
        # never the other participants.
        "meetings": section(_("Meetings"), Participant,
                            ["invited", "attendance", "marked_at"],
                            Participant.objects.filter(person=person)
                            .select_related("meeting"),
                            extra={"meeting": (_("Meeting"), lambda p: p.meeting.title),
                                   "starts_at": (_("Date"), lambda p: when(p.meeting.starts_at))},
                            lead=("meeting", "starts_at")),
        "suggestions": _suggestions(person),
        "volunteer": _volunteer(person),
        "liaisons": section(_("Volunteer liaison for the household"), LiaisonArea,
                            [], LiaisonArea.objects.filter(household=household)
                            .select_related("volunteer__person"),
                            extra={"volunteer": (_("Volunteer"),
                                                 lambda a: _volunteer_name(person, a))}),
        "signups": section(_("Activity sign-ups"), SignUp,
                           ["source", "status", "photo_consent",
                            ("attended_at", _("Attended")), ("created_at", _("Signed up")),
                            ("cancelled_at", _("Cancelled on"))],
                           SignUp.objects.filter(person=person)
                           .select_related("session__activity"),
                           extra={"activity": (_("Activity"), lambda s: (
                               f"{s.session.activity.title} · {when(s.session.starts_at)}"))},
                           lead=("activity",)),
        "imports": _imports(person, household),
    }
    sections["disclosures"] = disclosures(person, household, cases)
    return {
        "format": FORMAT,
        "generated_at": when(timezone.now()),
        "generated_by": actor.username,
        "title": _("Personal record of %(name)s") % {"name": person.name},
        "sections": sections,
    }


def _alone(p: Person, h: Household) -> bool:
    """Whether the household's rows can be about no one but `p`: nobody else
    is or was ever a member of it."""
    return not (Person.objects.filter(household=h).exclude(pk=p.pk).exists()
                or Membership.objects.filter(household=h).exclude(person=p).exists())


def _volunteer_name(p: Person, area: LiaisonArea) -> str:
    """The volunteer by name when it is the person; anyone else (a resident,
    with or without an account) only as a role."""
    mine = area.volunteer.person_id == p.pk
    return neutral(mine, p.name if mine else "", _("a volunteer (a resident)"))


def _person(p: Person) -> dict[str, Any]:
    languages = [str(label) for code, label in LANGUAGE_CHOICES if code in (p.languages or [])]
    return section(_("Person"), Person,
                   ["name", "pinyin", "sex", "birth_date", "relation", "ethnicity",
                    "permit_number", "permit_expiry", "occupation", "left_on"], [p],
                   extra={"id_number": (_("ID-card number"), lambda o: id_number_of(o) or None),
                          "phone": (_("Phone"), lambda o: phone_of(o) or None),
                          "origin": (_("Origin place"), lambda o: o.origin_label or None),
                          "languages": (_("Languages"), lambda o: ", ".join(languages) or None),
                          "person_number": (_("Person number"), lambda o: o.pk)})


def _household(p: Person, h: Household, alone: bool) -> dict[str, Any]:
    addresses = section(_("Addresses"), HouseholdAddress, ["dwelling", "moved_in", "moved_out"],
                        h.addresses.select_related("dwelling"))
    return section(_("Household"), Household,
                   ["dwelling", ("grid", _("Grid")), "residency", "moved_in", "moved_out", "note"],
                   [h], shared=lambda o: not alone, lead=("dwelling", "grid"), extra={
                       "head": (_("Head of household"), lambda o: neutral(
                           o.head_id == p.pk, o.head, _("another member")) if o.head_id
                           else None),
                       "household_number": (_("Household number"), lambda o: o.pk),
                       "festivals": (_("Festivals the household celebrates"), lambda o: ", ".join(
                           str(festival_label(c)) for c in o.festivals) or None)},
                   children=lambda o: {"addresses": addresses})


def _consents(title: str, qs: Any, guardian: Person | None = None) -> dict[str, Any]:
    """Consents; those `guardian` gave for another person name that person
    only by role (the consent is the guardian's act, the person another's)."""
    extra = {"person": (Consent._meta.get_field("person").verbose_name,
                        lambda c: _("a person in their care"))} if guardian else None
    return section(title, Consent, ([] if guardian else ["person"]) + ["purpose", "department", "department_text",
                                    "status", "recorded_on", "recorded_by", "evidence",
                                    "guardian", "guardian_name", "withdrawn_on"],
                   qs.select_related("person", "department", "recorded_by", "guardian"),
                   extra=extra, lead=("person",) if guardian else ())


def _cases(p: Person, cases: list[Case], alone: bool) -> dict[str, Any]:
    """The person's requests whole; the household's requests not tied to a
    member are shared unless the person lives alone. A caller who is not the
    person is named only by role, their phone left out."""
    ids = [c.pk for c in cases]
    events = _by_case(CaseEvent.objects.filter(case_id__in=ids).select_related("actor")
                      .order_by("at", "id"))
    referrals = _by_case(Referral.objects.filter(case_id__in=ids)
                         .select_related("department", "sent_by"))
    follow_ups = _by_case(FollowUp.objects.filter(case_id__in=ids).select_related("by"))
    documents = _by_case(CaseDocument.objects.filter(case_id__in=ids)
                         .select_related("uploaded_by"))

    def shared(case: Case) -> bool:
        return case.person_id != p.pk and not alone

    def caller_is_person(case: Case) -> bool:
        return bool(case.caller_name) and case.caller_name.strip() == p.name.strip()

    def children(case: Case) -> dict[str, Any]:
        mine = (lambda _row: shared(case))  # noqa: E731 (the case's rule, for each child)
        return {
            "events": section(_("History"), CaseEvent, [("at", _("Time")), "kind"],
                              events.get(case.pk, []), shared=mine,
                              extra={"who": (_("By"), event_who), "text": (_("Text"), event_text)}),
            "referrals": section(_("Referrals"), Referral,
                                 ["department", "status", ("sent_at", _("Sent")),
                                  ("sent_by", _("Sent by")), "message", "share_contact",
                                  "override_reason", ("answered_at", _("Answered")), "answer",
                                  "answered_by"], referrals.get(case.pk, []), shared=mine),
            "follow_ups": section(_("Follow-up calls"), FollowUp,
                                  [("at", _("Time")), ("by", _("By")), "reached", "satisfaction",
                                   "comment"],
                                  follow_ups.get(case.pk, []), shared=mine),
            "documents": section(_("Documents"), CaseDocument,
                                 ["name", ("uploaded_at", _("Uploaded")),
                                  ("uploaded_by", _("Uploaded by"))],
                                 documents.get(case.pk, []), shared=mine),
        }

    return section(_("Service requests"), Case,
                   ["ref", "household", "item", "channel", "summary", "details", "priority",
                    "status", "opened_at", "due", "resolved_at", "closed_at", "outcome",
                    "outcome_note", "owner"],
                   cases, children=children, shared=shared, extra={
                       "caller_name": (Case._meta.get_field("caller_name").verbose_name, lambda c: neutral(
                           caller_is_person(c), c.caller_name, _("another caller"))
                           if c.caller_name else None),
                       "caller_phone_mask": (Case._meta.get_field("caller_phone_mask").verbose_name, lambda c: (
                           c.caller_phone_mask or None) if caller_is_person(c) else None)})


def _by_case(qs: Any) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = {}
    for row in qs:
        out.setdefault(row.case_id, []).append(row)
    return out


def _visits(h: Household, alone: bool) -> dict[str, Any]:
    """The household's visits: shared unless the person lives alone and the
    visit was to their household only."""
    visits = Visit.objects.filter(households=h).prefetch_related("visitors", "households") \
        .distinct()
    return section(_("Visits"), Visit,
                   # The model's "purpose" reads as a consent's purpose in Chinese.
                   ["visited_at", "mode", ("purpose", pgettext("visit", "Purpose")), "volunteers", "found", "needs",
                    "next_visit", "sensitive_note", ("created_by", _("Recorded by"))],
                   visits.select_related("created_by"), extra={
                       "visitors": (_("Staff on the visit"), lambda v: ", ".join(
                           u.display_name for u in v.visitors.all()) or None)},
                   shared=lambda v: not alone or len(v.households.all()) > 1)


def _duties(actor: User, h: Household, alone: bool) -> dict[str, Any]:
    """A reason such as "serious illness" is a member's circumstance: shown
    only to a person living alone."""
    return section(_("Must-visit duties"), Duty,
                   ["raised_on", "due", "status", "closed_on", "assignee"],
                   Duty.objects.filter(household=h).select_related("assignee"),
                   extra={"reason": (_("Reason"), lambda d: duty_reason(d, actor))},
                   shared=lambda d: not alone and d.rule in SENSITIVE_RULES)


def _disputes(p: Person, h: Household, alone: bool) -> dict[str, Any]:
    """The disputes the person or their household is a party to. A party is
    named when it is the person, their household or their business, else by
    role; a dispute is shared unless every party is the person (or their
    household while they live alone, or their business)."""
    disputes = list(Dispute.objects.filter(Q(parties__person=p) | Q(parties__household=h))
                    .distinct().order_by("-opened_on", "-id"))
    ids = [d.pk for d in disputes]
    parties: dict[int, list[DisputeParty]] = {}
    for party in DisputeParty.objects.filter(dispute_id__in=ids).select_related(
            "person", "household__dwelling", "business"):
        parties.setdefault(party.dispute_id, []).append(party)
    sessions: dict[int, list[MediationSession]] = {}
    for s in MediationSession.objects.filter(dispute_id__in=ids):
        sessions.setdefault(s.dispute_id, []).append(s)

    def named(party: DisputeParty) -> bool:
        return (party.person_id == p.pk or party.household_id == h.pk
                or (party.business_id is not None and party.business.owner_id == p.pk))

    def shared(d: Dispute) -> bool:
        return any(not named(x) or (x.household_id == h.pk and not alone)
                   for x in parties.get(d.pk, []))

    def children(d: Dispute) -> dict[str, Any]:
        return {
            "parties": section(_("Parties"), DisputeParty, ["role"], parties.get(d.pk, []),
                               extra={"party": (_("Party"), lambda x: neutral(
                                   named(x), x, _("another party")))}, lead=("party",)),
            "sessions": section(_("Mediation sessions"), MediationSession,
                                ["held_at", "place", "attendees", "notes"],
                                sessions.get(d.pk, []), shared=lambda _s: shared(d)),
        }

    return section(_("Disputes"), Dispute,
                   ["ref", "kind", "source", "summary", "details", "status", "opened_on",
                    "closed_on", "outcome", "outcome_note", "escalated_on", "escalation",
                    "agreement_text", "agreement_on", "followup_on", "followup_holding",
                    "followup_note"], disputes, children=children, shared=shared)


def _pairings(p: Person, h: Household, alone: bool) -> dict[str, Any]:
    """The household's pairings (shared unless the person lives alone) and
    those where the person is the helper (the household helped is another's:
    named by role, its goals left out)."""
    pairings = list(Pairing.objects.filter(Q(household=h) | Q(helper_person=p))
                    .select_related("household__dwelling", "helper_user", "helper_person"))
    checkins: dict[int, list[CheckIn]] = {}
    for c in CheckIn.objects.filter(pairing_id__in=[x.pk for x in pairings]):
        checkins.setdefault(c.pairing_id, []).append(c)

    def shared(x: Pairing) -> bool:
        return x.household_id != h.pk or not alone

    def helper(x: Pairing) -> str | None:
        if x.helper_person_id:
            return neutral(x.helper_person_id == p.pk, x.helper_person.name,
                           _("a volunteer (a resident)"))
        return x.helper_name or None

    return section(_("Pairings"), Pairing,
                   ["helper_kind", "goals", "started", "ended", "planned_end",
                    "status", "last_contact"], pairings, shared=shared, lead=("household",),
                   extra={"household": (_("Household"), lambda x: neutral(
                       x.household_id == h.pk, related_text(x.household),
                       _("another household"))),
                          "helper": (_("Helper's name"), helper)},
                   children=lambda x: {"checkins": section(
                       _("Check-ins"), CheckIn, ["on", "mode", "note"], checkins.get(x.pk, []),
                       shared=lambda _c: shared(x))})


def _suggestions(p: Person) -> dict[str, Any]:
    suggestions = list(Suggestion.objects.filter(person=p).select_related("status", "meeting"))
    changes: dict[int, list[SuggestionChange]] = {}
    for c in SuggestionChange.objects.filter(suggestion_id__in=[s.pk for s in suggestions]) \
            .select_related("from_status", "to_status"):
        changes.setdefault(c.suggestion_id, []).append(c)
    return section(_("Suggestions"), Suggestion,
                   ["ref", "source", "category", "title", "body", "meeting", "status",
                    "public_reason", "received_at", "responded_at"], suggestions,
                   children=lambda s: {"changes": section(
                       _("Status changes"), SuggestionChange,
                       [("at", _("Time")), ("from_status", _("Status before")),
                        ("to_status", _("Status after")), "public_reason"],
                       changes.get(s.pk, []))})


def _volunteer(p: Person) -> dict[str, Any]:
    volunteers = list(Volunteer.objects.filter(person=p))

    def children(v: Volunteer) -> dict[str, Any]:
        return {
            "roles": section(_("Roles"), VolunteerRoleAssignment, ["role", "since"],
                             v.roles.all()),
            "hours": section(_("Hours"), HoursEntry, ["on", "hours", "source", "note"],
                             HoursEntry.objects.filter(volunteer=v).order_by("on", "id")),
            "claims": section(_("Hours claimed"), HoursClaim,
                              ["on", "hours", "what", "status",
                               ("decided_at", _("Decided")), "reason"],
                              HoursClaim.objects.filter(volunteer=v)),
            "certificates": section(_("Certificates"), Certificate,
                                    ["year", "hours", "tier", ("issued_at", _("Issued")),
                                     ("revoked_at", _("Revoked"))],
                                    Certificate.objects.filter(volunteer=v)),
        }

    return section(_("Volunteering"), Volunteer,
                   ["skills", "languages", "availability", "status", "joined_on",
                    "public_consent_on"], volunteers, children=children)


def _imports(p: Person, h: Household) -> dict[str, Any]:
    """The roster imports that created the person or their household, or
    changed the person (the fields they changed, not the old values)."""
    changed = {c.batch_id: sorted(_field_label(f) for f in c.before)
               if isinstance(c.before, dict) else []
               for c in ImportChange.objects.filter(person=p)}
    ids = set(changed) | {i for i in (p.import_batch_id, h.import_batch_id) if i}
    batches = ImportBatch.objects.filter(pk__in=ids).select_related("created_by")
    return section(_("Roster imports"), ImportBatch,
                   ["filename", ("created_at", _("Uploaded")), ("created_by", _("Uploaded by")),
                    "status", "committed_at",
                    "undone_at"], batches,
                   extra={"what": (_("What it did"), lambda b: (
                       _("changed: %(fields)s") % {"fields": ", ".join(changed[b.pk])}
                       if b.pk in changed else _("created the record")))})


def _field_label(name: str) -> str:
    """A field of Person by its label in the reader's language."""
    try:
        return str(Person._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:  # a field since removed: its name says more than nothing
        return name


__all__ = ["RELATIONS", "RECORD_PERMS", "open_record", "person_record"]
