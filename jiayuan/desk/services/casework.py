"""Changing cases. Every change is one transaction, on the timeline and in the audit log.

Edits that depend on what the worker saw (details, owner, status) carry the
case's `version`; if someone else saved in between, the change is refused with
`Conflict` and nothing is written.
"""

from __future__ import annotations

import hashlib
import math
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import F
from django.http import Http404
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from jiayuan.core import audit
from jiayuan.core.access import require
from jiayuan.core.crypto import encrypt, lookup_hash
from jiayuan.core.models import AuditAction
from jiayuan.core.roles import Perm
from jiayuan.desk import timeline, workflow
from jiayuan.desk.choices import (
    COUNTED_OUTCOMES,
    Channel,
    EventKind,
    Outcome,
    PortalHitKind,
    Priority,
    ReferralStatus,
    Status,
)
from jiayuan.desk.models import (
    Case,
    CaseDocument,
    CaseEvent,
    Department,
    FollowUp,
    PortalHit,
    RefCounter,
    Referral,
    ServiceItem,
)
from jiayuan.desk.selectors import can_see
from jiayuan.lib.phone import mask_phone


class Conflict(ValidationError):
    """Someone else saved the case since the worker loaded it."""


# --- helpers -----------------------------------------------------------------

def next_ref(prefix: str, year: int) -> str:
    """The next reference of a station's year, e.g. ZJJ-2026-00123. Runs inside
    the caller's transaction: the counter row is locked until it commits, so two
    desks never hand out the same number."""
    RefCounter.objects.get_or_create(prefix=prefix, year=year)
    counter = RefCounter.objects.select_for_update().get(prefix=prefix, year=year)
    counter.last = F("last") + 1
    counter.save(update_fields=["last"])
    counter.refresh_from_db(fields=["last"])
    return f"{prefix}-{year}-{counter.last:05d}"


def targets(item: ServiceItem, priority: str, opened_at: datetime) -> tuple[datetime, datetime]:
    """(first response due, resolution due) from the catalogue's targets. Urgent
    and green-channel requests get the urgent first-response target and half the
    resolution time."""
    hours, days = item.response_hours, item.resolution_days
    if priority == Priority.URGENT or item.green_channel:
        hours = min(hours, settings.DESK_URGENT_RESPONSE_HOURS)
        days = max(1, math.ceil(days / 2))
    return opened_at + timedelta(hours=hours), opened_at + timedelta(days=days)


def _event(case: Case, kind: str, actor: Any = None, *, text: str = "", public: bool = False,
           from_status: str = "", to_status: str = "", actor_name: str = "",
           document: CaseDocument | None = None, at: datetime | None = None,
           code: str = "", params: dict[str, Any] | None = None) -> CaseEvent:
    """A timeline entry. What the system says is `code` and `params`, rendered
    in the reader's language (jiayuan.desk.timeline); `text` is what a person typed."""
    return CaseEvent.objects.create(
        case=case, kind=kind, actor=actor if getattr(actor, "pk", None) else None,
        actor_name=actor_name, text=text, public=public, from_status=from_status,
        to_status=to_status, document=document, at=at or timezone.now(), code=code,
        params=params or {})


def _check(actor: Any, case: Case, perm: Perm = Perm.WORK_CASES) -> None:
    require(actor, perm)
    if not can_see(actor, case):
        raise Http404


def _lock(case: Case, version: int | None) -> Case:
    """Re-read the case under a row lock and compare versions."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if version is not None and int(version) != locked.version:
        raise Conflict(_(
            "Someone else changed this case (%(ref)s) after you opened it. Nothing you "
            "entered was saved: reload the page to see their change, then try again."
        ) % {"ref": locked.ref}, code="conflict")
    return locked


def _bump(case: Case, fields: list[str]) -> None:
    case.version += 1
    case.save(update_fields=[*fields, "version", "updated_at"])


def _set_caller_phone(case: Case, phone: str) -> None:
    case.caller_phone_enc = encrypt(phone) if phone else ""
    case.caller_phone_hash = lookup_hash("phone", phone) if phone else ""
    case.caller_phone_mask = mask_phone(phone) if phone else ""


def _is_repeat(household_id: int | None, item_id: int, opened_at: datetime) -> bool:
    if household_id is None:
        return False
    since = opened_at - timedelta(days=settings.DESK_REPEAT_DAYS)
    return Case.objects.filter(household_id=household_id, item_id=item_id,
                               opened_at__gte=since).exclude(status=Status.CANCELLED).exists()


# --- intake ------------------------------------------------------------------

@audit.audited
def case_create(*, actor: Any, item: ServiceItem, channel: str, summary: str,
                details: str = "", priority: str = Priority.NORMAL, person: Any = None,
                caller_name: str = "", caller_phone: str = "",
                needs_onsite: bool | None = None, owner: Any = None,
                opened_at: datetime | None = None) -> Case:
    """Take a request at the desk, on the hotline or on a visit.

    The requester is a registered person (their household comes with them) or
    an unregistered caller with a name and a normalised phone number."""
    require(actor, Perm.WORK_CASES)
    from jiayuan.core.scope import in_scope

    if person is not None:
        if not in_scope(actor, person.grid_id):
            raise Http404
        from jiayuan.places.models import Grid

        household = person.household
        community_id = Grid.objects.values_list("community_id", flat=True).get(pk=person.grid_id)
    else:
        if not caller_name.strip():
            raise ValidationError({"caller_name": _(
                "Choose a registered resident, or give the caller's name.")})
        if actor.community_id is None:
            raise ValidationError(_("Your account belongs to no community: a request from "
                                    "an unregistered caller cannot be filed. Choose a "
                                    "registered resident instead."))
        household, community_id = None, actor.community_id
    if not item.active:
        raise ValidationError({"item": _("This service is no longer offered.")})
    if owner is not None and not (owner.is_active and owner.has(Perm.WORK_CASES)):
        raise ValidationError({"owner": _("%(name)s cannot work on cases.")
                               % {"name": owner.display_name}})
    return _create(item=item, channel=channel, summary=summary, details=details,
                   priority=priority, person=person, household=household,
                   community_id=community_id, caller_name=caller_name.strip(),
                   caller_phone=caller_phone, needs_onsite=needs_onsite, owner=owner,
                   opened_at=opened_at, actor=actor)


def _create(*, item: ServiceItem, channel: str, summary: str, details: str, priority: str,
            person: Any, household: Any, community_id: int, caller_name: str,
            caller_phone: str, needs_onsite: bool | None, owner: Any,
            opened_at: datetime | None, actor: Any = None, portal_source: str = "",
            extra_audit: dict[str, Any] | None = None) -> Case:
    from jiayuan.places.models import Community

    opened_at = opened_at or timezone.now()
    prefix = Community.objects.filter(pk=community_id).values_list("code", flat=True).first()
    response_due, due = targets(item, priority, opened_at)
    case = Case(
        ref=next_ref(prefix or settings.STATION_CODE, timezone.localtime(opened_at).year),
        community_id=community_id, household=household, person=person,
        grid_id=household.grid_id if household else None, caller_name=caller_name,
        channel=channel, item=item, summary=summary.strip(), details=details.strip(),
        priority=priority, owner=owner, opened_at=opened_at, response_due=response_due,
        due=due, needs_onsite=item.onsite_required if needs_onsite is None else needs_onsite,
        is_repeat=_is_repeat(household.pk if household else None, item.pk, opened_at),
        created_by=actor if getattr(actor, "pk", None) else None,
        portal_source=portal_source)
    _set_caller_phone(case, caller_phone)
    case.save()
    _event(case, EventKind.CREATED, actor, public=True, at=opened_at,
           code="received", params={"item": timeline.names(item),
                                    **({} if actor else {"by": timeline.PORTAL})})
    # A portal request is audited without the sender's address: the rate limit
    # keeps only a keyed hash of it (Case.portal_source), the log keeps nothing.
    audit.record(AuditAction.CREATE, actor=actor, obj=case, username="" if actor else "portal",
                 ip=None if actor else "",
                 changes={**audit.created(audit.snapshot(case, Case.AUDIT_FIELDS),
                                          Case.SENSITIVE_FIELDS), **(extra_audit or {})})
    return case


def portal_source_hash(ip: str | None) -> str:
    return lookup_hash("portal", ip or "unknown")


# Failed status lookups (wrong reference or code) accepted per source address per
# hour. Past it, every lookup from that address is refused for the rest of the
# hour, the right ones too: otherwise the answer would still tell a guess apart.
PORTAL_MAX_FAILED_LOOKUPS_PER_HOUR = 20
# Submissions that made no case but count towards the per-address limit.
_SUBMISSION_HITS = (PortalHitKind.HONEYPOT, PortalHitKind.STAMP)


def portal_throttled() -> ValidationError:
    return ValidationError(_("Too many requests have been sent from here in the last "
                             "hour. Please try again later, or call the station."),
                           code="throttled")


def portal_allowed(source: str, now: datetime | None = None) -> bool:
    """The portal's rate limit, counted in the database so it holds across every
    server process: so many submissions per source address per hour (requests
    made, plus filled honeypots and bad timing stamps, so a script is limited
    too), and a ceiling of requests for the whole portal (a flood from many
    addresses)."""
    since = (now or timezone.now()) - timedelta(hours=1)
    recent = Case.objects.filter(channel=Channel.PORTAL, opened_at__gte=since)
    used = recent.filter(portal_source=source).count() + PortalHit.objects.filter(
        source=source, kind__in=_SUBMISSION_HITS, at__gte=since).count()
    if used >= settings.PORTAL_MAX_PER_SOURCE_HOUR:
        return False
    return recent.count() < settings.PORTAL_MAX_PER_HOUR


def portal_lookup_allowed(source: str, now: datetime | None = None) -> bool:
    """Whether this address may look up a request's status: guessing references
    and codes is limited per address and hour."""
    since = (now or timezone.now()) - timedelta(hours=1)
    failed = PortalHit.objects.filter(source=source, kind=PortalHitKind.LOOKUP,
                                      at__gte=since).count()
    return failed < PORTAL_MAX_FAILED_LOOKUPS_PER_HOUR


def portal_hit_record(*, source: str, kind: str, now: datetime | None = None) -> None:
    """Count a portal request that made no case (see PortalHit). Rows older than
    a day are pruned here, so the table holds about a day of traffic."""
    now = now or timezone.now()
    PortalHit.objects.filter(at__lt=now - timedelta(days=1)).delete()
    PortalHit.objects.create(source=source, kind=kind, at=now)


@audit.audited
def portal_create(*, item: ServiceItem, summary: str, details: str, caller_name: str,
                  caller_phone: str, community: Any, source: str,
                  contact_consent: bool) -> Case:
    """A request from the public portal: no account, no registry match yet (staff
    triage it), no personal data shown back. The resident must agree to be
    contacted about it (the consent is recorded in the audit entry)."""
    if not contact_consent:
        raise ValidationError({"consent": _("Tick the box so the station may contact you "
                                            "about this request.")})
    if not item.active:
        raise ValidationError({"item": _("This service is no longer offered.")})
    # Checked after @audit.audited took the audit lock: concurrent submissions
    # count one after another, so the limit is not overshot (PostgreSQL; SQLite
    # serialises writers itself).
    if not portal_allowed(source):
        raise portal_throttled()
    return _create(item=item, channel=Channel.PORTAL, summary=summary, details=details,
                   priority=Priority.NORMAL, person=None, household=None,
                   community_id=community.pk, caller_name=caller_name.strip(),
                   caller_phone=caller_phone, needs_onsite=None, owner=None,
                   opened_at=None, portal_source=source,
                   extra_audit={"contact_consent": True})


# --- working a case ----------------------------------------------------------

EDITABLE = ("item", "summary", "details", "priority", "needs_onsite", "owner")


@audit.audited
def case_update(*, actor: Any, case: Case, version: int, **data: Any) -> Case:
    _check(actor, case)
    case = _lock(case, version)
    if not case.is_open and set(data) - {"owner"}:
        raise ValidationError(_("This case is %(status)s: reopen it before changing its "
                                "details.") % {"status": case.get_status_display()})
    owner = data.get("owner", case.owner)
    if owner is not None and owner != case.owner and not (
            owner.is_active and owner.has(Perm.WORK_CASES)):
        raise ValidationError({"owner": _("%(name)s cannot work on cases.")
                               % {"name": owner.display_name}})
    item = data.get("item", case.item)
    if item != case.item and not item.active:
        raise ValidationError({"item": _("This service is no longer offered.")})
    before = audit.snapshot(case, Case.AUDIT_FIELDS)
    old_owner = case.owner
    for field in EDITABLE:
        if field in data:
            setattr(case, field, data[field])
    if case.item.onsite_required and not case.needs_onsite:
        raise ValidationError({"needs_onsite": _(
            "%(item)s always needs someone on site (三必到).") % {"item": case.item.name}})
    if case.item_id != before["item_id"] or case.priority != before["priority"]:
        case.response_due, case.due = targets(case.item, case.priority, case.opened_at)
    changes = audit.diff(before, audit.snapshot(case, Case.AUDIT_FIELDS), Case.SENSITIVE_FIELDS)
    if not changes:
        return case
    _bump(case, [*EDITABLE, "response_due", "due"])
    if case.owner != old_owner:
        _event(case, EventKind.ASSIGNED, actor, code="owner", params={
            "name": case.owner.display_name if case.owner else None})
    if set(changes) - {"owner_id"}:
        _event(case, EventKind.EDITED, actor, code="edited", params={"fields": [
            f.removesuffix("_id") for f in changes if f != "owner_id"]})
    audit.record(AuditAction.UPDATE, actor=actor, obj=case, changes=changes)
    return case


@audit.audited
def match_requester(*, actor: Any, case: Case, person: Any, version: int) -> Case:
    """Link a portal or hotline request to the registered person it came from."""
    from jiayuan.core.scope import in_scope

    _check(actor, case)
    if not in_scope(actor, person.grid_id):
        raise Http404
    case = _lock(case, version)
    if case.person_id:
        raise ValidationError(_("This request is already linked to %(name)s.")
                              % {"name": case.person.name})
    case.person, case.household, case.grid_id = person, person.household, person.grid_id
    case.is_repeat = _is_repeat(person.household_id, case.item_id, case.opened_at)
    _bump(case, ["person", "household", "grid", "is_repeat"])
    _event(case, EventKind.MATCHED, actor, text=person.name)
    audit.record(AuditAction.UPDATE, actor=actor, obj=case,
                 changes={"person_id": [None, person.pk], "household_id": [None,
                                                                          person.household_id]})
    return case


@audit.audited
def transition(*, actor: Any, case: Case, action: str, version: int, note: str = "",
               outcome: str = "", outcome_quantity: int | None = None,
               outcome_note: str = "", duplicate_of: Case | None = None,
               permit_number: str = "", permit_expiry: date | None = None) -> Case:
    """Take one action of the state machine (workflow.ACTIONS).

    Resolving with "certificate or permit issued" may record the residence
    permit (number and/or expiry) on the requester's registry record, in the
    same transaction (registry.services.person_set_permit)."""
    _check(actor, case)
    case = _lock(case, version)
    spec = workflow.ACTIONS.get(action)
    if spec is None:
        raise ValidationError(_("Unknown action “%(action)s”.") % {"action": action})
    if spec.name == "close":
        raise ValidationError(_("A case closes when its follow-up call is recorded."))
    if case.status not in spec.sources:
        raise ValidationError(_("A case that is “%(status)s” cannot be “%(action)s”.") % {
            "status": case.get_status_display(), "action": spec.label})
    now = timezone.now()
    fields = ["status"]
    if spec.name in ("wait_department", "wait_resident", "reopen", "withdraw") \
            and not note.strip():
        raise ValidationError({"note": _("Say why, in a sentence.")})
    if spec.name == "resolve":
        _check_outcome(case, outcome, outcome_quantity, outcome_note)
        if permit_number.strip() or permit_expiry is not None:
            _record_permit(actor, case, outcome, permit_number, permit_expiry)
        case.outcome, case.outcome_note = outcome, outcome_note.strip()
        case.outcome_quantity = outcome_quantity if outcome in COUNTED_OUTCOMES else None
        case.resolved_at = now
        fields += ["outcome", "outcome_quantity", "outcome_note", "resolved_at"]
    elif spec.name == "cancel_duplicate":
        _check_duplicate(actor, case, duplicate_of)
        case.duplicate_of = duplicate_of
        fields.append("duplicate_of")
    elif spec.name == "reopen":
        case.resolved_at = case.closed_at = None
        case.outcome, case.outcome_quantity, case.outcome_note = "", None, ""
        fields += ["resolved_at", "closed_at", "outcome", "outcome_quantity", "outcome_note"]
    if case.acknowledged_at is None and spec.target != Status.CANCELLED:
        case.acknowledged_at = now
        fields.append("acknowledged_at")
    old = case.status
    case.status = spec.target
    _bump(case, fields)
    _event(case, EventKind.STATUS, actor, from_status=old, to_status=case.status, public=True,
           **_status_text(case, spec.name, note, duplicate_of))
    audit.record(AuditAction.UPDATE, actor=actor, obj=case,
                 changes={"status": [old, case.status], "action": spec.name,
                          **({"outcome": outcome} if outcome else {})})
    return case


def _record_permit(actor: Any, case: Case, outcome: str, number: str,
                   expiry: date | None) -> None:
    from jiayuan.core.scope import in_scope
    from jiayuan.registry.services import person_set_permit

    if outcome != Outcome.CERTIFICATE:
        raise ValidationError({"permit_number": _(
            "A permit is recorded only with the outcome “%(outcome)s”.")
            % {"outcome": Outcome.CERTIFICATE.label}})
    if case.person is None or not in_scope(actor, case.person.grid_id):
        raise ValidationError({"permit_number": _(
            "Link the request to a registered resident in your grids first.")})
    if not actor.has(Perm.EDIT_REGISTRY):
        raise ValidationError({"permit_number": _(
            "Your role cannot change residents' records: leave the permit empty and ask "
            "a colleague who can.")})
    person_set_permit(actor=actor, person=case.person, permit_number=number,
                      permit_expiry=expiry, reason=f"case {case.ref}")


def _status_text(case: Case, action: str, note: str,
                 duplicate_of: Case | None) -> dict[str, Any]:
    """The status entry's code and parameters, or the note a person typed."""
    if action == "resolve":
        return {"code": "resolved", "params": {
            "outcome": case.outcome, "quantity": case.outcome_quantity,
            "note": case.outcome_note}}
    if action == "cancel_duplicate" and duplicate_of is not None:
        return {"code": "duplicate", "params": {"ref": duplicate_of.ref}}
    return {"text": note.strip()}


def _check_outcome(case: Case, outcome: str, quantity: int | None, note: str) -> None:
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": _("Choose the outcome.")})
    if outcome == Outcome.NOT_HELPED and not note.strip():
        raise ValidationError({"outcome_note": _(
            "Say why the station could not help: the reason is reported.")})
    # Reports add these numbers up (jobs found, school places...): a counted
    # outcome without one would make the totals come out low.
    if outcome in COUNTED_OUTCOMES and (quantity is None or quantity < 1):
        raise ValidationError({"outcome_quantity": _(
            "“%(outcome)s” is counted in the reports: say how many, at least 1.")
            % {"outcome": Outcome(outcome).label}})
    if case.needs_onsite and case.onsite_at is None:
        raise ValidationError(_(
            "This case needs someone on site (三必到): record the on-site contact on the "
            "timeline before resolving it."), code="onsite")


def _check_duplicate(actor: Any, case: Case, other: Case | None) -> None:
    if other is None:
        raise ValidationError({"duplicate_of": _("Give the reference of the case this one "
                                                 "repeats.")})
    if other.pk == case.pk:
        raise ValidationError({"duplicate_of": _("A case cannot duplicate itself.")})
    if not can_see(actor, other):
        raise ValidationError({"duplicate_of": _("No case with that reference.")})
    if other.status == Status.CANCELLED:
        raise ValidationError({"duplicate_of": _(
            "%(ref)s is cancelled itself: link to the case that is being worked on.")
            % {"ref": other.ref}})


@audit.audited
def add_note(*, actor: Any, case: Case, kind: str, text: str, public: bool = False,
             at: datetime | None = None) -> CaseEvent:
    """A note, a phone call or an on-site contact on the timeline. On-site
    contacts satisfy the three-must-arrive rule (三必到)."""
    _check(actor, case)
    if kind not in (EventKind.NOTE, EventKind.CALL, EventKind.ONSITE):
        raise ValidationError({"kind": _("Choose a note, a call or an on-site contact.")})
    if not text.strip():
        raise ValidationError({"text": _("Write what happened.")})
    at = at or timezone.now()
    if at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"at": _("This is in the future.")})
    case = Case.objects.select_for_update().get(pk=case.pk)
    # An on-site contact satisfies the three-must-arrive rule: one from before
    # the request existed cannot have been for it. The form gives minutes, so
    # the minute the request was received still counts. A request taken on a
    # home visit is the exception: the visit came first and was on site, and the
    # worker often files it at the station later.
    if (kind == EventKind.ONSITE and case.channel != Channel.HOME_VISIT
            and at < case.opened_at.replace(second=0, microsecond=0)):
        raise ValidationError({"at": _(
            "The on-site contact cannot be before the request was received "
            "(%(opened)s). If it happened when the request was taken, leave the time "
            "empty.") % {"opened": formats.date_format(timezone.localtime(case.opened_at),
                                                       "Y-m-d H:i")}})
    event = _event(case, kind, actor, text=text.strip(), public=public, at=at)
    if kind == EventKind.ONSITE and case.onsite_at is None:
        case.onsite_at = at
        case.save(update_fields=["onsite_at", "updated_at"])
    audit.record(AuditAction.UPDATE, actor=actor, obj=case,
                 changes={"timeline": kind, "public": public})
    return event


# Accepted uploads: extension -> (content type, leading bytes that prove it).
UPLOAD_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "webp": ("image/webp", (b"RIFF",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             (b"PK\x03\x04",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             (b"PK\x03\x04",)),
}


def check_upload(upload: UploadedFile) -> tuple[str, str]:
    """(content type, sha256) of an acceptable upload, or a ValidationError that
    names the problem. The type is decided by the file's first bytes, not by
    what the browser claims."""
    limit = settings.DESK_UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise ValidationError({"file": _(
            "The file is %(size)s; the limit is %(limit)s.") % {
            "size": _megabytes(upload.size), "limit": _megabytes(limit)}})
    if upload.size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    ext = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    kind = UPLOAD_TYPES.get(ext)
    if kind is None:
        raise ValidationError({"file": _(
            "Files of type “%(ext)s” are not accepted. Accepted: %(types)s.") % {
            "ext": ext or "?", "types": ", ".join(sorted(UPLOAD_TYPES))}})
    upload.seek(0)
    head = upload.read(16)
    if not any(head.startswith(magic) for magic in kind[1]) or (
            ext == "webp" and head[8:12] != b"WEBP"):
        raise ValidationError({"file": _(
            "The file is named .%(ext)s but its contents are not: it may be damaged or "
            "renamed.") % {"ext": ext}})
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return kind[0], digest.hexdigest()


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


@audit.audited
def add_document(*, actor: Any, case: Case, upload: UploadedFile, note: str = "") -> CaseDocument:
    _check(actor, case)
    content_type, sha = check_upload(upload)
    name = upload.name.replace("/", "_").replace("\\", "_")[-200:]
    doc = CaseDocument(case=case, name=name, content_type=content_type, size=upload.size,
                       sha256=sha, uploaded_by=actor)
    doc.file.save(f"{sha[:16]}.{name.rsplit('.', 1)[-1].lower()}", upload, save=False)
    try:
        doc.save()
        _event(case, EventKind.DOCUMENT, actor, text=note.strip() or name, document=doc)
        audit.record(AuditAction.UPDATE, actor=actor, obj=case,
                     changes={"document": name, "sha256": sha})
    except Exception:
        doc.file.delete(save=False)  # the transaction rolls back: leave no orphan file
        raise
    return doc


@audit.audited
def record_follow_up(*, actor: Any, case: Case, reached: bool, satisfaction: int | None = None,
                     comment: str = "") -> FollowUp:
    """The follow-up call (回访). Reaching the resident closes the case; so does
    the last allowed failed attempt."""
    _check(actor, case)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.status != Status.RESOLVED:
        raise ValidationError(_("A follow-up call is recorded after the case is resolved; "
                                "this one is “%(status)s”.")
                              % {"status": case.get_status_display()})
    if reached and satisfaction is None:
        raise ValidationError({"satisfaction": _("Ask how satisfied the resident is (1–5).")})
    if satisfaction is not None and not 1 <= satisfaction <= 5:
        raise ValidationError({"satisfaction": _("Satisfaction is from 1 to 5.")})
    follow = FollowUp.objects.create(case=case, by=actor, reached=reached,
                                     satisfaction=satisfaction if reached else None,
                                     comment=comment.strip())
    attempts = case.follow_ups.filter(at__gte=case.resolved_at).count()
    if reached:
        code, params = "followup_reached", {"n": satisfaction}
    else:
        code, params = "followup_unreached", {
            "n": attempts, "max": settings.DESK_FOLLOWUP_ATTEMPTS}
    _event(case, EventKind.FOLLOW_UP, actor, code=code,
           params={**params, "comment": comment.strip()})
    if reached or attempts >= settings.DESK_FOLLOWUP_ATTEMPTS:
        case.status, case.closed_at = Status.CLOSED, timezone.now()
        _bump(case, ["status", "closed_at"])
        _event(case, EventKind.STATUS, actor, from_status=Status.RESOLVED,
               to_status=Status.CLOSED, public=True,
               **({} if reached else {"code": "closed_unanswered",
                                      "params": {"n": attempts}}))
    audit.record(AuditAction.UPDATE, actor=actor, obj=case,
                 changes={"follow_up": "reached" if reached else "not reached",
                          "status": case.status})
    return follow


# --- referrals ---------------------------------------------------------------

def referral_consent(case: Case, department: Department) -> Any:
    """The person's current consent to share with this department, or None.
    A referral consent names its department (a foreign key), so no spelling
    of the name can miss it."""
    from jiayuan.registry.models import Consent

    if case.person_id is None:
        return None
    return (Consent.objects.filter(person_id=case.person_id, purpose="referral",
                                   status="given", department=department)
            .order_by("-recorded_on", "-id").first())


def referral_consents(case: Case) -> dict[int, Any]:
    """Department pk -> the person's current consent to share with it (one query)."""
    from jiayuan.registry.models import Consent

    if case.person_id is None:
        return {}
    found: dict[int, Any] = {}
    for consent in (Consent.objects.filter(person_id=case.person_id, purpose="referral",
                                           status="given", department__isnull=False)
                    .order_by("-recorded_on", "-id")):
        found.setdefault(consent.department_id, consent)
    return found


@audit.audited
def referral_create(*, actor: Any, case: Case, department: Department, message: str,
                    version: int, share_contact: bool = True,
                    override_reason: str = "") -> Referral:
    """Send a case to a department. Only with the requester's consent to share
    with that department, or a station head's override with a reason."""
    _check(actor, case, Perm.REFER)
    case = _lock(case, version)
    if not case.is_open:
        raise ValidationError(_("Only an open case can be referred."))
    if not department.active:
        raise ValidationError({"department": _("This department is no longer in use.")})
    if not message.strip():
        raise ValidationError({"message": _("Say what the station asks the department to do.")})
    consent = referral_consent(case, department)
    override_reason = override_reason.strip()
    if consent is None:
        if not override_reason:
            # The code rides on the field's error (a dict's own code is dropped):
            # the form offers to record the consent from this refusal.
            raise ValidationError({"department": ValidationError(_(
                "%(name)s has not consented to sharing with %(dept)s. Record the consent "
                "on their page first; only a station head may refer without it, giving "
                "a reason.") % {"name": case.requester_name or _("The requester"),
                                "dept": department.name}, code="no_consent")})
        require(actor, Perm.OVERRIDE_CONSENT)
    now = timezone.now()
    referral = Referral.objects.create(
        case=case, department=department, consent=consent,
        override_reason="" if consent else override_reason, message=message.strip(),
        share_contact=share_contact, sent_by=actor, sent_at=now,
        expires_at=now + timedelta(days=settings.DESK_REFERRAL_LINK_DAYS))
    _event(case, EventKind.REFERRAL, actor, public=True, code="referred",
           params={"dept": timeline.names(department)})
    if case.status in (Status.NEW, Status.ACKNOWLEDGED, Status.IN_PROGRESS,
                       Status.WAITING_RESIDENT):
        old = case.status
        case.status = Status.WAITING_DEPARTMENT
        fields = ["status"]
        if case.acknowledged_at is None:
            case.acknowledged_at = now
            fields.append("acknowledged_at")
        _bump(case, fields)
        _event(case, EventKind.STATUS, actor, from_status=old, to_status=case.status,
               public=True)
    audit.record(AuditAction.CREATE, actor=actor, obj=referral, changes={
        "case": case.ref, "department": department.code,
        "consent_id": consent.pk if consent else None,
        "override_reason": "" if consent else override_reason,
        "share_contact": share_contact})
    return referral


@audit.audited
def referral_create_with_consent(*, actor: Any, case: Case, department: Department,
                                 message: str, version: int, evidence: str,
                                 share_contact: bool = True, today: date | None = None
                                 ) -> Referral:
    """The refusal's one step: record the requester's consent to share with this
    department (as their person page would, with its evidence), then refer.
    Both or neither."""
    from jiayuan.registry import services as registry_services

    if case.person_id is None:
        raise ValidationError({"department": _(
            "The requester is not matched to the registry, so no consent can be recorded. "
            "Match the request to the resident first.")})
    if not evidence.strip():
        raise ValidationError({"evidence": _(
            "Say how the resident consented (e.g. signed form no. 2026-041, or verbally "
            "at the desk with a witness).")})
    registry_services.consent_record(
        actor=actor, person=case.person, purpose="referral", department=department,
        recorded_on=today or timezone.localdate(), evidence=evidence.strip())
    return referral_create(actor=actor, case=case, department=department, message=message,
                           version=version, share_contact=share_contact)


REPLY_SALT = "jiayuan.desk.referral-reply"


class ReplyLinkError(Exception):
    """A reply link that cannot be used, with the message to show. `code` is
    "invalid" (never valid: 404) or "expired", "withdrawn", "answered" (a real
    link that is spent: 410)."""

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.code = code


def referral_token(referral: Referral) -> str:
    return signing.dumps({"r": referral.pk, "n": referral.nonce}, salt=REPLY_SALT,
                         compress=True)


def referral_from_token(token: str, *, for_update: bool = False) -> Referral:
    """The referral a reply link opens, or ReplyLinkError saying why not."""
    max_age = timedelta(days=settings.DESK_REFERRAL_LINK_DAYS)
    try:
        data = signing.loads(token, salt=REPLY_SALT, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise ReplyLinkError(_("This link has expired. Please ask the station for a new "
                               "one."), "expired") from exc
    except signing.BadSignature as exc:
        raise ReplyLinkError(_("This link is not valid: it may have been copied "
                               "incompletely. Please use the link exactly as sent.")) from exc
    qs = Referral.objects.select_related("case", "department", "case__item",
                                         "case__person")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    referral = qs.filter(pk=data.get("r"), nonce=data.get("n")).first()
    if referral is None:
        raise ReplyLinkError(_("This link is not valid: it may have been copied "
                               "incompletely. Please use the link exactly as sent."))
    if referral.status == ReferralStatus.WITHDRAWN:
        raise ReplyLinkError(_("The station has withdrawn this referral; nothing more is "
                               "needed."), "withdrawn")
    if referral.expires_at < timezone.now():
        raise ReplyLinkError(_("This link has expired. Please ask the station for a new "
                               "one."), "expired")
    return referral


def _department_name(referral: Referral, name: str) -> str:
    """The author as plain text, in the station's language (for a reader of the
    raw row); pages render the entry's params["by"] in the reader's language."""
    with translation.override(settings.LANGUAGE_CODE):
        dept = str(referral.department.name)
    return f"{dept} · {name.strip()}" if name.strip() else dept


@audit.audited
def referral_acknowledge(*, token: str, name: str) -> Referral:
    referral = referral_from_token(token, for_update=True)
    if referral.status != ReferralStatus.SENT:
        return referral  # acknowledging twice changes nothing
    referral.status, referral.acknowledged_at = ReferralStatus.ACKNOWLEDGED, timezone.now()
    referral.save(update_fields=["status", "acknowledged_at"])
    _event(referral.case, EventKind.REPLY, actor_name=_department_name(referral, name),
           code="dept_acknowledged", public=True,
           params={"by": timeline.department_by(referral.department, name)})
    audit.record(AuditAction.UPDATE, obj=referral, username=f"dept:{referral.department.code}",
                 changes={"status": [ReferralStatus.SENT, ReferralStatus.ACKNOWLEDGED]})
    return referral


@audit.audited
def referral_answer(*, token: str, name: str, answer: str) -> Referral:
    """The department's answer, through its link: lands on the case timeline and
    hands the case back to the station. Until the station resolves the case the
    department may correct it (`referral_answer_correctable`): each version stays
    on the timeline, the referral holds the latest."""
    referral = referral_from_token(token, for_update=True)
    if referral.status == ReferralStatus.ANSWERED:
        return _answer_correct(referral, name=name, answer=answer)
    if not answer.strip():
        raise ValidationError({"answer": _("Write the department's answer.")})
    if not name.strip():
        raise ValidationError({"name": _("Give your name, so the station can call back.")})
    now = timezone.now()
    old = referral.status
    referral.status, referral.answered_at = ReferralStatus.ANSWERED, now
    referral.acknowledged_at = referral.acknowledged_at or now
    referral.answer, referral.answered_by = answer.strip(), name.strip()[:100]
    referral.save(update_fields=["status", "answered_at", "acknowledged_at", "answer",
                                 "answered_by"])
    case = Case.objects.select_for_update().get(pk=referral.case_id)
    _event(case, EventKind.REPLY, actor_name=_department_name(referral, name),
           text=answer.strip(),
           params={"by": timeline.department_by(referral.department, name)})
    still_waiting = Referral.objects.filter(case=case, status__in=(
        ReferralStatus.SENT, ReferralStatus.ACKNOWLEDGED)).exists()
    if case.status == Status.WAITING_DEPARTMENT and not still_waiting:
        case.status = Status.IN_PROGRESS
        _bump(case, ["status"])
        _event(case, EventKind.STATUS, actor_name=_department_name(referral, name),
               from_status=Status.WAITING_DEPARTMENT, to_status=Status.IN_PROGRESS,
               public=True, code="dept_answered",
               params={"by": timeline.department_by(referral.department, name)})
    audit.record(AuditAction.UPDATE, obj=referral, username=f"dept:{referral.department.code}",
                 changes={"status": [old, ReferralStatus.ANSWERED]})
    return referral


def referral_answer_correctable(referral: Referral) -> bool:
    """An answered referral's answer may be corrected while its case is open."""
    return referral.status == ReferralStatus.ANSWERED and referral.case.is_open


def _answer_correct(referral: Referral, *, name: str, answer: str) -> Referral:
    case = Case.objects.select_for_update().get(pk=referral.case_id)
    if not case.is_open:
        raise ReplyLinkError(_("This referral has already been answered. Thank you; to add "
                               "anything, please call the station."), "answered")
    if not answer.strip():
        raise ValidationError({"answer": _("Write the department's answer.")})
    if not name.strip():
        raise ValidationError({"name": _("Give your name, so the station can call back.")})
    if answer.strip() == referral.answer:
        raise ValidationError({"answer": _("This is the answer the station already has: "
                                           "change it, or close the page.")})
    # answered_at stays the first answer's time: response times count from it.
    referral.answer, referral.answered_by = answer.strip(), name.strip()[:100]
    referral.save(update_fields=["answer", "answered_by"])
    _event(case, EventKind.REPLY, actor_name=_department_name(referral, name),
           code="dept_answer_corrected", params={
               "answer": answer.strip(), "by": timeline.department_by(referral.department, name)})
    audit.record(AuditAction.UPDATE, obj=referral, username=f"dept:{referral.department.code}",
                 changes={"answer": "corrected"})
    return referral


@audit.audited
def referral_withdraw(*, actor: Any, referral: Referral, reason: str) -> Referral:
    _check(actor, referral.case, Perm.REFER)
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if referral.status in (ReferralStatus.ANSWERED, ReferralStatus.WITHDRAWN):
        raise ValidationError(_("This referral is already %(status)s.")
                              % {"status": referral.get_status_display()})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why, in a sentence.")})
    old = referral.status
    referral.status = ReferralStatus.WITHDRAWN
    referral.save(update_fields=["status"])
    case = Case.objects.select_for_update().get(pk=referral.case_id)
    _event(case, EventKind.REFERRAL, actor,
           code="referral_withdrawn", params={
               "dept": timeline.names(referral.department), "reason": reason.strip()})
    if case.status == Status.WAITING_DEPARTMENT and not Referral.objects.filter(
            case=case, status__in=(ReferralStatus.SENT, ReferralStatus.ACKNOWLEDGED)).exists():
        case.status = Status.IN_PROGRESS
        _bump(case, ["status"])
        _event(case, EventKind.STATUS, actor, from_status=Status.WAITING_DEPARTMENT,
               to_status=Status.IN_PROGRESS, public=True, code="no_department_left")
    audit.record(AuditAction.UPDATE, actor=actor, obj=referral,
                 changes={"status": [old, ReferralStatus.WITHDRAWN], "reason": reason})
    return referral

