"""Working a case: its details and owner, the state machine's actions, notes
and on-site contacts, the follow-up call.

Edits that depend on what the worker saw (details, owner, status) carry the
case's `version`; if someone else saved in between, the change is refused with
core.versioning.Conflict and nothing is written.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from jiayuan.core import audit
from jiayuan.core.models import AuditAction, User
from jiayuan.core.roles import Perm
from jiayuan.core.scope import in_scope
from jiayuan.desk import workflow
from jiayuan.desk.choices import COUNTED_OUTCOMES, Channel, EventKind, Outcome, Status
from jiayuan.desk.models import Case, CaseEvent, FollowUp, ServiceItem
from jiayuan.desk.selectors import can_see
from jiayuan.desk.services._common import (
    _check,
    _claim,
    _event,
    _is_repeat,
    _save,
    check_owner,
    targets,
)
from jiayuan.registry.models import Person
from jiayuan.registry.services import person_set_permit
from jiayuan.registry.services.common import check_not_erased, lock_person

EDITABLE = ("item", "summary", "details", "priority", "needs_onsite", "owner")


class _Keep(enum.Enum):
    KEEP = "keep"


KEEP = _Keep.KEEP  # case_update(owner=KEEP): leave the owner as it is (None unassigns)


@audit.audited
def case_update(*, actor: User, case: Case, version: int, item: ServiceItem | None = None,
                summary: str | None = None, details: str | None = None,
                priority: str | None = None, needs_onsite: bool | None = None,
                owner: User | None | Literal[_Keep.KEEP] = KEEP) -> Case:
    """Change a case's details or owner (a parameter left out, or None, keeps
    its value; `owner=None` unassigns). A closed case may change owner only."""
    _check(actor, case)
    data: dict[str, Any] = {k: v for k, v in (
        ("item", item), ("summary", summary), ("details", details), ("priority", priority),
        ("needs_onsite", needs_onsite)) if v is not None}
    if owner is not KEEP:
        data["owner"] = owner
    case = _claim(case, version)
    if not case.is_open and set(data) - {"owner"}:
        raise ValidationError(_("This case is %(status)s: reopen it before changing its "
                                "details.") % {"status": case.get_status_display()})
    new_owner = data.get("owner", case.owner)
    if new_owner != case.owner:
        check_owner(actor, new_owner)
    new_item = data.get("item", case.item)
    if new_item != case.item and not new_item.active:
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
    _save(case, [*EDITABLE, "response_due", "due"])
    if case.owner != old_owner:
        _event(case, EventKind.ASSIGNED, actor, code="owner", params={
            "name": case.owner.display_name if case.owner else None})
    if set(changes) - {"owner_id"}:
        _event(case, EventKind.EDITED, actor, code="edited", params={"fields": [
            f.removesuffix("_id") for f in changes if f != "owner_id"]})
    audit.record(AuditAction.UPDATE, actor=actor, obj=case, changes=changes)
    return case


@audit.audited
def match_requester(*, actor: User, case: Case, person: Person, version: int) -> Case:
    """Link a portal or hotline request to the registered person it came from."""
    _check(actor, case)
    if not in_scope(actor, person.grid_id):
        raise Http404
    check_not_erased(person)
    case = _claim(case, version)
    if case.person is not None:
        raise ValidationError(_("This request is already linked to %(name)s.")
                              % {"name": case.person.name})
    case.person, case.household, case.grid_id = person, person.household, person.grid_id
    case.is_repeat = _is_repeat(person.household_id, case.item_id, case.community_id,
                                case.opened_at)
    _save(case, ["person", "household", "grid", "is_repeat"])
    _event(case, EventKind.MATCHED, actor, text=person.name)
    audit.record(AuditAction.UPDATE, actor=actor, obj=case,
                 changes={"person_id": [None, person.pk], "household_id": [None,
                                                                          person.household_id]})
    return case


@audit.audited
def transition(*, actor: User, case: Case, action: str, version: int, note: str = "",
               outcome: str = "", outcome_quantity: int | None = None,
               outcome_note: str = "", duplicate_of: Case | None = None,
               permit_number: str = "", permit_expiry: date | None = None) -> Case:
    """Take one action of the state machine (workflow.ACTIONS) from the case page.

    Resolving with "certificate or permit issued" may record the residence
    permit (number and/or expiry) on the requester's registry record, in the
    same transaction (registry.services.person_set_permit)."""
    _check(actor, case)
    if action == "resolve" and (permit_number.strip() or permit_expiry is not None):
        _lock_requester(case)
    case = _claim(case, version)
    spec = workflow.ACTIONS.get(action)
    if spec is None:
        raise ValidationError(_("Unknown action “%(action)s”.") % {"action": action})
    if spec.name == "close":
        raise ValidationError(_("A case closes when its follow-up call is recorded."))
    if case.status not in spec.sources:
        raise ValidationError(_("A case that is “%(status)s” cannot be “%(action)s”.") % {
            "status": case.get_status_display(), "action": spec.label})
    fields: list[str] = []
    if spec.name in ("wait_department", "wait_resident", "reopen", "withdraw") \
            and not note.strip():
        raise ValidationError({"note": _("Say why, in a sentence.")})
    if spec.name == "resolve":
        _check_outcome(case, outcome, outcome_quantity, outcome_note)
        if permit_number.strip() or permit_expiry is not None:
            _record_permit(actor, case, outcome, permit_number, permit_expiry)
        case.outcome, case.outcome_note = outcome, outcome_note.strip()
        case.outcome_quantity = outcome_quantity if outcome in COUNTED_OUTCOMES else None
        fields += ["outcome", "outcome_quantity", "outcome_note"]
    elif spec.name == "cancel_duplicate":
        _check_duplicate(actor, case, duplicate_of)
        case.duplicate_of = duplicate_of
        fields.append("duplicate_of")
    elif spec.name == "reopen":
        case.outcome, case.outcome_quantity, case.outcome_note = "", None, ""
        fields += ["outcome", "outcome_quantity", "outcome_note"]
    old = workflow.apply(case, spec.name, actor=actor, fields=fields,
                         **_status_text(case, spec.name, note, duplicate_of))
    audit.record(AuditAction.UPDATE, actor=actor, obj=case,
                 changes={"status": [old, case.status], "action": spec.name,
                          **({"outcome": outcome} if outcome else {})})
    return case


def _lock_requester(case: Case) -> None:
    """Lock the requester's household and person before the case (the
    registry's order: households, people, then the desk's rows), as the
    permit will be written on the person: an erasure of the same person
    (rights.erasure: household, person, then their cases) then waits for this
    one, or this one for it, instead of each holding what the other wants.
    (A requester matched between this read and the case's claim bumped the
    case's version: the claim refuses the form as stale.)"""
    person_id = Case.objects.values_list("person_id", flat=True).get(pk=case.pk)
    if person_id is not None:
        lock_person(person_id)


def permit_expiry_problem(expiry: date | None) -> str | None:
    """What is wrong with the expiry of a permit just issued (None: nothing).
    The resolve form shows the same message on its field."""
    if expiry is not None and expiry <= timezone.localdate():
        return _("A permit just issued expires in the future: check the date.")
    return None


def _record_permit(actor: User, case: Case, outcome: str, number: str,
                   expiry: date | None) -> None:
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
    problem = permit_expiry_problem(expiry)
    if problem:
        raise ValidationError({"permit_expiry": problem})
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
    if (case.needs_onsite or case.item.onsite_required) and case.onsite_at is None:
        raise ValidationError(_(
            "This case needs someone on site (三必到): record the on-site contact on the "
            "timeline before resolving it."), code="onsite")


def _check_duplicate(actor: User, case: Case, other: Case | None) -> None:
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
def add_note(*, actor: User, case: Case, kind: str, text: str, public: bool = False,
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



@audit.audited
def record_follow_up(*, actor: User, case: Case, reached: bool, satisfaction: int | None = None,
                     comment: str = "") -> FollowUp:
    """The follow-up call (回访). Reaching the resident closes the case; so does
    the last allowed failed attempt."""
    _check(actor, case)
    case = _claim(case, None)
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
    if reached:
        workflow.apply(case, "close", actor=actor)
    elif attempts >= settings.DESK_FOLLOWUP_ATTEMPTS:
        workflow.apply(case, "close", actor=actor, code="closed_unanswered",
                       params={"n": attempts})
    audit.record(AuditAction.UPDATE, actor=actor, obj=case,
                 changes={"follow_up": "reached" if reached else "not reached",
                          "status": case.status})
    return follow


