"""A person's whole record (PIPL art. 45): every row about them, in every app.

`person_record(actor, person)` gathers it; `open_record(actor, pk, fmt=...)`
is the one call of a download: the permissions, the scope, the record and one
audit entry. The JSON is the record as gathered; `record_pdf` prints it.

What is "about the person": the rows that point at them (their consents,
requests, sign-ups…) and the household-level rows of the household they belong
to now (its visits, duties, pairings, requests not tied to one member).
`RELATIONS` lists every foreign key to Person and Household and what the
record does with it; a test fails when a new one appears that it does not list.

Identifiers are whole: this is the resident's own copy, handed over at the
desk, and the download is audited as such (`identifiers: whole`). So only the
roles that may see every part of it on screen may make it (RECORD_PERMS).
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

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
from jiayuan.core.models import AuditAction, AuditEntry, User
from jiayuan.core.roles import Perm, Role
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
from jiayuan.rights.record_fields import section, when
from jiayuan.sheets.models import ImportBatch, ImportChange

FORMAT = "jiayuan.person-record/1"
# Everything in the record is something these roles see on screen anyway.
RECORD_PERMS = (Perm.PRINT_FILE, Perm.VIEW_SENSITIVE, Perm.REVEAL_ID_NUMBER, Perm.REVEAL_PHONE,
                Perm.VIEW_CASES, Perm.VIEW_VISITS, Perm.VIEW_DISPUTES)
FORMATS = {"json": AuditAction.EXPORT, "pdf": AuditAction.PRINT}
# The audit entries that disclosed something (not edits, not refusals).
DISCLOSURES = (AuditAction.REVEAL, AuditAction.PRINT, AuditAction.EXPORT,
               AuditAction.VIEW_SENSITIVE)

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
    cases = list(Case.objects.filter(Q(person=person) | Q(household=household,
                                                          person__isnull=True))
                 .select_related("item", "owner", "household__dwelling", "person")
                 .order_by("-opened_at", "-id"))
    sections: dict[str, dict[str, Any]] = {
        "person": _person(person),
        "household": _household(household),
        "memberships": section(_("Household history"), Membership,
                               [("household", _("Household")), "relation", "joined", "left", "reason"],
                               person.memberships.select_related("household__dwelling")),
        "circumstances": section(_("Circumstances (sensitive)"), Circumstance,
                                 [("person", _("Member")), "kind", "started", "ended", "note"],
                                 Circumstance.objects.filter(
                                     Q(person=person) | Q(household=household,
                                                          person__isnull=True))
                                 .select_related("person")),
        "consents": _consents(_("Consents"), person.consents.all()),
        "consents_as_guardian": _consents(_("Consents given as guardian"),
                                          Consent.objects.filter(guardian=person)),
        "businesses": section(_("Businesses"), Business,
                              ["name", "kind", "dwelling", "address", "licence_note"],
                              person.businesses.select_related("dwelling")),
        "cases": _cases(cases),
        "visits": _visits(household),
        "duties": _duties(actor, household),
        "disputes": _disputes(person, household),
        "pairings": _pairings(person, household),
        "reminders": section(_("Reminders"), Reminder, ["kind", "due", ("created_at", _("Raised")),
                                                         ("done_at", _("Done on"))],
                             Reminder.objects.filter(person=person)),
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
                            .select_related("volunteer__person", "volunteer__user"),
                            extra={"volunteer": (_("Volunteer"), _volunteer_name)}),
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
    sections["disclosures"] = _disclosures(person, household, cases)
    return {
        "format": FORMAT,
        "generated_at": when(timezone.now()),
        "generated_by": actor.username,
        "title": _("Personal record of %(name)s") % {"name": person.name},
        "sections": sections,
    }


def _volunteer_name(area: LiaisonArea) -> str:
    v = area.volunteer
    return v.person.name if v.person_id else (v.user.display_name if v.user_id else str(v))


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


def _household(h: Household) -> dict[str, Any]:
    addresses = section(_("Addresses"), HouseholdAddress, ["dwelling", "moved_in", "moved_out"],
                        h.addresses.select_related("dwelling"))
    return section(_("Household"), Household,
                   ["dwelling", ("grid", _("Grid")), "residency", "moved_in", "moved_out", "head", "note"],
                   [h], extra={
                       "household_number": (_("Household number"), lambda o: o.pk),
                       "festivals": (_("Festivals the household celebrates"), lambda o: ", ".join(
                           str(festival_label(c)) for c in o.festivals) or None)},
                   children=lambda o: {"addresses": addresses})


def _consents(title: str, qs: Any) -> dict[str, Any]:
    return section(title, Consent, ["person", "purpose", "department", "department_text",
                                    "status", "recorded_on", "recorded_by", "evidence",
                                    "guardian", "guardian_name", "withdrawn_on"],
                   qs.select_related("person", "department", "recorded_by", "guardian"))


def _cases(cases: list[Case]) -> dict[str, Any]:
    ids = [c.pk for c in cases]
    events = _by_case(CaseEvent.objects.filter(case_id__in=ids).select_related("actor")
                      .order_by("at", "id"))
    referrals = _by_case(Referral.objects.filter(case_id__in=ids)
                         .select_related("department", "sent_by"))
    follow_ups = _by_case(FollowUp.objects.filter(case_id__in=ids).select_related("by"))
    documents = _by_case(CaseDocument.objects.filter(case_id__in=ids)
                         .select_related("uploaded_by"))

    def children(case: Case) -> dict[str, Any]:
        return {
            "events": section(_("History"), CaseEvent, [("at", _("Time")), "kind"], events.get(case.pk, []),
                              extra={"who": (_("By"), event_who), "text": (_("Text"), event_text)}),
            "referrals": section(_("Referrals"), Referral,
                                 ["department", "status", ("sent_at", _("Sent")),
                                  ("sent_by", _("Sent by")), "message", "share_contact",
                                  "override_reason", ("answered_at", _("Answered")), "answer",
                                  "answered_by"], referrals.get(case.pk, [])),
            "follow_ups": section(_("Follow-up calls"), FollowUp,
                                  [("at", _("Time")), ("by", _("By")), "reached", "satisfaction",
                                   "comment"],
                                  follow_ups.get(case.pk, [])),
            "documents": section(_("Documents"), CaseDocument,
                                 ["name", ("uploaded_at", _("Uploaded")),
                                  ("uploaded_by", _("Uploaded by"))],
                                 documents.get(case.pk, [])),
        }

    return section(_("Service requests"), Case,
                   ["ref", "household", "item", "channel", "summary", "details", "priority",
                    "status", "opened_at", "due", "resolved_at", "closed_at", "outcome",
                    "outcome_note", "caller_name", "caller_phone_mask", "owner"],
                   cases, children=children)


def _by_case(qs: Any) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = {}
    for row in qs:
        out.setdefault(row.case_id, []).append(row)
    return out


def _visits(h: Household) -> dict[str, Any]:
    visits = Visit.objects.filter(households=h).prefetch_related("visitors").distinct()
    return section(_("Visits"), Visit,
                   ["visited_at", "mode", "purpose", "volunteers", "found", "needs",
                    "next_visit", "sensitive_note", ("created_by", _("Recorded by"))],
                   visits.select_related("created_by"), extra={
                       "visitors": (_("Staff on the visit"), lambda v: ", ".join(
                           u.display_name for u in v.visitors.all()) or None)})


def _duties(actor: User, h: Household) -> dict[str, Any]:
    return section(_("Must-visit duties"), Duty,
                   ["raised_on", "due", "status", "closed_on", "assignee"],
                   Duty.objects.filter(household=h).select_related("assignee"),
                   extra={"reason": (_("Reason"), lambda d: duty_reason(d, actor))})


def _disputes(p: Person, h: Household) -> dict[str, Any]:
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

    def children(d: Dispute) -> dict[str, Any]:
        return {
            "parties": section(_("Parties"), DisputeParty, ["role"], parties.get(d.pk, []),
                               extra={"party": (_("Party"), str)}, lead=("party",)),
            "sessions": section(_("Mediation sessions"), MediationSession,
                                ["held_at", "place", "attendees", "notes"],
                                sessions.get(d.pk, [])),
        }

    return section(_("Disputes"), Dispute,
                   ["ref", "kind", "source", "summary", "details", "status", "opened_on",
                    "closed_on", "outcome", "outcome_note", "escalated_on", "escalation",
                    "agreement_text", "agreement_on", "followup_on", "followup_holding",
                    "followup_note"], disputes, children=children)


def _pairings(p: Person, h: Household) -> dict[str, Any]:
    pairings = list(Pairing.objects.filter(Q(household=h) | Q(helper_person=p))
                    .select_related("household__dwelling", "helper_user", "helper_person"))
    checkins: dict[int, list[CheckIn]] = {}
    for c in CheckIn.objects.filter(pairing_id__in=[x.pk for x in pairings]):
        checkins.setdefault(c.pairing_id, []).append(c)
    return section(_("Pairings"), Pairing,
                   ["household", "helper_kind", "goals", "started", "ended", "planned_end",
                    "status", "last_contact"], pairings,
                   extra={"helper": (_("Helper's name"), lambda x: x.helper_name or None)},
                   children=lambda x: {"checkins": section(
                       _("Check-ins"), CheckIn, ["on", "mode", "note"], checkins.get(x.pk, []))})


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
    changed = {c.batch_id: sorted(c.before) if isinstance(c.before, dict) else []
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


def _disclosures(p: Person, h: Household, cases: list[Case]) -> dict[str, Any]:
    """Audit entries that disclosed something about the person: reveals,
    prints, exports and sensitive details shown, of the person, their
    household and their requests. Exports of whole lists name nobody and are
    not here (docs/data-protection.md)."""
    objects = {"registry.person": [p.pk], "registry.household": [h.pk],
               "desk.case": [c.pk for c in cases]}
    where = Q()
    for object_type, ids in objects.items():
        if ids:
            where |= Q(object_type=object_type, object_id__in=[str(i) for i in ids])
    entries = AuditEntry.objects.filter(where, action__in=DISCLOSURES).order_by("seq")
    return section(_("Disclosures about the person (audit log)"), AuditEntry,
                   [("at", _("Time")), "actor_username", "action"], entries,
                   extra={"role": (_("Role"), _role), "object": (_("About"), _about),
                          "what": (_("What"), _what)})


def _role(entry: AuditEntry) -> str | None:
    labels = dict(Role.choices)
    return str(labels.get(entry.actor_role, entry.actor_role)) or None


def _about(entry: AuditEntry) -> str:
    try:
        name = str(apps.get_model(entry.object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        name = entry.object_type
    return f"{name} {entry.object_repr or entry.object_id}".strip()


def _what(entry: AuditEntry) -> str | None:
    changes = entry.changes if isinstance(entry.changes, dict) else {}
    parts = [f"{k}: {v if not isinstance(v, list) else ', '.join(map(str, v))}"
             for k, v in sorted(changes.items())]
    return "; ".join(parts) or None


__all__ = ["RELATIONS", "RECORD_PERMS", "open_record", "person_record"]
