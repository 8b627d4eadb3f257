"""Writing disputes (矛盾纠纷调解): opening one (also from a desk request, a
household file or a business page), its parties and sessions, the agreement,
escalation, closing, reopening and the follow-up check.

Edits that replace what someone else may have just saved take the version the
user loaded and claim the next one (jiayuan.core.versioning): a `Conflict`
otherwise, naming who saved first.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from jiayuan.care.choices import REOPENED_MARK, DisputeOutcome, DisputeStatus, PartyRole
from jiayuan.care.mediation.selectors import disputes_for, grid_optional, mediator_choices
from jiayuan.care.models import CareSettings, Dispute, DisputeParty, MediationSession
from jiayuan.care.scoping import check_scope as _check_scope
from jiayuan.care.scoping import require_visible
from jiayuan.care.visits.services import FUTURE_SLACK
from jiayuan.core import audit
from jiayuan.core.access import require
from jiayuan.core.models import AuditAction, User
from jiayuan.core.roles import Perm
from jiayuan.core.scope import in_scope
from jiayuan.core.versioning import claim
from jiayuan.desk.models import Case
from jiayuan.desk.selectors import can_see
from jiayuan.desk.services import next_ref
from jiayuan.places.models import Community, Grid
from jiayuan.registry.models import Business, Household, Person
from jiayuan.registry.services.common import check_not_erased


class _Keep(enum.Enum):
    KEEP = "keep"


#: "Leave this field as it is" for `dispute_update`.
KEEP = _Keep.KEEP


def _what(dispute: Dispute) -> str:
    return _("this dispute (%(ref)s)") % {"ref": dispute.ref}


def _claim(dispute: Dispute, version: int | None) -> None:
    """Claim the next version of the dispute, or refuse with a Conflict when
    someone saved it after the user loaded `version` (None: nothing to compare,
    a command or the demo)."""
    claim(dispute, version, _what(dispute))


def _dispute_ref(community_id: int, year: int) -> str:
    code = Community.objects.values_list("code", flat=True).get(pk=community_id)
    return next_ref(f"{code}-T", year)


def _mediators(actor: User, mediators: Iterable[User], keep: Iterable[User] = ()) -> list[User]:
    """The mediators chosen, each one the form offers (`mediator_choices`):
    an active account of the community whose role mediates, or one that
    mediates the dispute now (`keep`)."""
    chosen = list(mediators)
    allowed = set(mediator_choices(actor, keep).filter(pk__in=[u.pk for u in chosen])
                  .values_list("pk", flat=True))
    for user in chosen:
        if user.pk not in allowed:
            raise ValidationError({"mediators": _(
                "%(name)s may not mediate disputes here: choose active mediators of the "
                "community.") % {"name": user.display_name}})
    return chosen


@audit.audited
def dispute_create(*, actor: User, kind: str, source: str, summary: str, details: str = "",
                   grid: Grid | None = None, case: Case | None = None,
                   mediators: Iterable[User] = (), opened_on: date | None = None) -> Dispute:
    require(actor, Perm.MEDIATE)
    if grid is not None:
        _check_scope(actor, grid.pk, _("Grid %(g)s") % {"g": grid.code})
        community_id = grid.community_id
    elif grid_optional(actor) and actor.community_id:
        community_id = actor.community_id
    else:
        # A grid worker's dispute belongs to one of their grids.
        raise ValidationError({"grid": _("Choose the grid the dispute belongs to.")})
    chosen = _mediators(actor, list(mediators) or [actor])
    if case is not None and not can_see(actor, case):
        raise ValidationError(_("That service-desk request is not in your area."))
    opened_on = opened_on or timezone.localdate()
    if opened_on > timezone.localdate():
        raise ValidationError({"opened_on": _("The date is in the future.")})
    dispute = Dispute.objects.create(
        ref=_dispute_ref(community_id, opened_on.year), community_id=community_id,
        grid=grid, kind=kind, source=source, case=case, summary=summary.strip(),
        details=details.strip(), opened_on=opened_on, created_by=actor)
    dispute.mediators.set(chosen)
    audit.record(AuditAction.CREATE, actor=actor, obj=dispute,
                 changes=audit.created(audit.snapshot(dispute, Dispute.AUDIT_FIELDS),
                                         Dispute.AUDIT_SENSITIVE))
    return dispute


@dataclass
class Opened:
    """A dispute just opened, and whether its desk request's requester could
    not be named as the applicant (they live outside the actor's grids)."""

    dispute: Dispute
    requester_outside: bool = False


@audit.audited
def dispute_open(*, actor: User, kind: str, source: str, summary: str, details: str = "",
                 grid: Grid | None = None, case: Case | None = None,
                 mediators: Iterable[User] = (), opened_on: date | None = None,
                 household: Household | None = None,
                 business: Business | None = None) -> Opened:
    """Open a dispute with its first applicant, all or nothing: the household
    or business it was opened from, and, from a desk request, the requester
    (a registered resident in the actor's grids, or the caller's name). A
    requester living outside the actor's grids is not added (`Opened`
    says so): the mediator adds the parties they may see."""
    dispute = dispute_create(actor=actor, kind=kind, source=source, summary=summary,
                             details=details, grid=grid, case=case, mediators=mediators,
                             opened_on=opened_on)
    if household is not None or business is not None:
        party_add(actor=actor, dispute=dispute, role=PartyRole.APPLICANT,
                  household=household, business=business)
    outside = False
    if case is not None and case.person is not None:
        if in_scope(actor, case.person.grid_id):
            party_add(actor=actor, dispute=dispute, role=PartyRole.APPLICANT,
                      person=case.person)
        else:
            outside = True
    elif case is not None and case.caller_name:
        party_add(actor=actor, dispute=dispute, role=PartyRole.APPLICANT,
                  name=case.caller_name)
    return Opened(dispute, outside)


def _visible(actor: User, dispute: Dispute) -> None:
    """A dispute outside the actor's scope is "not found", as on its page."""
    require_visible(disputes_for(actor), dispute)


def _require_open(dispute: Dispute) -> None:
    if not dispute.is_open:
        raise ValidationError(_("The dispute is closed. Reopen it first."))


@audit.audited
def party_add(*, actor: User, dispute: Dispute, role: str, person: Person | None = None,
              household: Household | None = None, business: Business | None = None,
              name: str = "") -> DisputeParty:
    require(actor, Perm.MEDIATE)
    _visible(actor, dispute)
    _require_open(dispute)
    given = [x for x in (person, household, business) if x is not None]
    if len(given) > 1:
        raise ValidationError(_("Name one party at a time: a resident, a household or a "
                                "business."))
    if not given and not name.strip():
        raise ValidationError(_("Choose a resident, a household or a business, or write the "
                                "name of someone from outside the community."))
    if person is not None:
        _check_scope(actor, person.grid_id, _("Resident %(p)s") % {"p": person.name})
        check_not_erased(person)
        household = person.household
    elif household is not None:
        _check_scope(actor, household.grid_id, _("Household %(h)s") % {"h": household})
    elif business is not None:
        _check_scope(actor, business.grid_id, _("Business %(b)s") % {"b": business.name})
    party = DisputeParty.objects.create(dispute=dispute, role=role, person=person,
                                        household=household, business=business,
                                        name=name.strip())
    if dispute.grid_id is None and household is not None:
        Dispute.objects.filter(pk=dispute.pk).update(grid_id=household.grid_id)
        dispute.grid_id = household.grid_id
    audit.record(AuditAction.UPDATE, actor=actor, obj=dispute, changes={"party_added": {
        "role": role, "person_id": getattr(person, "pk", None),
        "household_id": getattr(household, "pk", None),
        "business_id": getattr(business, "pk", None), "name": name.strip()}})
    return party


@audit.audited
def party_remove(*, actor: User, party: DisputeParty) -> None:
    require(actor, Perm.MEDIATE)
    _visible(actor, party.dispute)
    _require_open(party.dispute)
    audit.record(AuditAction.UPDATE, actor=actor, obj=party.dispute,
                 changes={"party_removed": str(party)})
    party.delete()


@audit.audited
def session_add(*, actor: User, dispute: Dispute, held_at: datetime, attendees: str,
                notes: str, place: str = "") -> MediationSession:
    require(actor, Perm.MEDIATE)
    _visible(actor, dispute)
    _require_open(dispute)
    if held_at > timezone.now() + FUTURE_SLACK:
        raise ValidationError({"held_at": _("The session is in the future: record it after "
                                            "it took place.")})
    session = MediationSession.objects.create(dispute=dispute, held_at=held_at, place=place,
                                              attendees=attendees.strip(), notes=notes.strip(),
                                              recorded_by=actor)
    if dispute.status == DisputeStatus.OPEN:
        _claim(dispute, None)
        dispute.status = DisputeStatus.MEDIATING
        dispute.save(update_fields=["status", "version"])
    audit.record(AuditAction.UPDATE, actor=actor, obj=dispute, changes={
        "session": audit.created(audit.snapshot(session, MediationSession.AUDIT_FIELDS),
                                 ("attendees", "notes"))})
    return session


def _check_agreement(dispute: Dispute, text: str | _Keep, signed_on: date | None | _Keep) -> None:
    """An agreement is signed today or before, and what was signed is written
    down (checked when either is edited)."""
    if isinstance(text, _Keep) and isinstance(signed_on, _Keep):
        return
    if not isinstance(signed_on, _Keep) and signed_on and signed_on > timezone.localdate():
        raise ValidationError({"agreement_on": _("The date is in the future.")})
    text = dispute.agreement_text if isinstance(text, _Keep) else text
    signed_on = dispute.agreement_on if isinstance(signed_on, _Keep) else signed_on
    if signed_on is not None and not text.strip():
        raise ValidationError({"agreement_text": _("Write down the agreement that was "
                                                   "signed.")})


@audit.audited
def dispute_update(*, actor: User, dispute: Dispute, version: int | None = None,
                   kind: str | _Keep = KEEP, source: str | _Keep = KEEP,
                   summary: str | _Keep = KEEP, details: str | _Keep = KEEP,
                   agreement_text: str | _Keep = KEEP,
                   agreement_on: date | None | _Keep = KEEP,
                   mediators: Iterable[User] | _Keep = KEEP) -> Dispute:
    """Edit the description, the mediators or the agreement text of a dispute;
    a field left at KEEP is not touched."""
    require(actor, Perm.MEDIATE)
    _visible(actor, dispute)
    given: dict[str, Any] = {name: value for name, value in (
        ("kind", kind), ("source", source), ("summary", summary), ("details", details),
        ("agreement_text", agreement_text), ("agreement_on", agreement_on))
        if value is not KEEP}
    _check_agreement(dispute, agreement_text, agreement_on)
    chosen: list[User] | None = None
    if not isinstance(mediators, _Keep):
        chosen = _mediators(actor, mediators, keep=dispute.mediators.all())
        if not chosen:
            raise ValidationError({"mediators": _("Choose at least one mediator.")})
    before = audit.snapshot(dispute, Dispute.AUDIT_FIELDS)
    _claim(dispute, version)
    for name, value in given.items():
        setattr(dispute, name, value.strip() if isinstance(value, str) else value)
    dispute.save(update_fields=[*given, "version"])
    if chosen is not None:
        dispute.mediators.set(chosen)
    audit.record(AuditAction.UPDATE, actor=actor, obj=dispute,
                 changes=audit.diff(before, audit.snapshot(dispute, Dispute.AUDIT_FIELDS),
                                      Dispute.AUDIT_SENSITIVE))
    return dispute


@audit.audited
def dispute_escalate(*, actor: User, dispute: Dispute, on: date, what: str,
                     version: int | None = None) -> Dispute:
    """Record honestly that the dispute got worse or went elsewhere."""
    require(actor, Perm.MEDIATE)
    _visible(actor, dispute)
    if not what.strip():
        raise ValidationError({"escalation": _("Say what happened.")})
    if on > timezone.localdate():
        raise ValidationError({"escalated_on": _("The date is in the future.")})
    _claim(dispute, version)
    text = f"{on:%Y-%m-%d} {what.strip()}"
    dispute.escalated_on = dispute.escalated_on or on
    dispute.escalation = f"{dispute.escalation}\n{text}".strip()
    dispute.save(update_fields=["escalated_on", "escalation", "version"])
    audit.record(AuditAction.UPDATE, actor=actor, obj=dispute,
                 changes={"escalated_on": on, "escalation": audit.CHANGED})
    return dispute


@audit.audited
def dispute_close(*, actor: User, dispute: Dispute, outcome: str, note: str = "",
                  closed_on: date | None = None, version: int | None = None) -> Dispute:
    require(actor, Perm.MEDIATE)
    _visible(actor, dispute)
    _require_open(dispute)
    if outcome not in DisputeOutcome.values:
        raise ValidationError({"outcome": _("Choose an outcome.")})
    closed_on = closed_on or timezone.localdate()
    if closed_on < dispute.opened_on or closed_on > timezone.localdate():
        raise ValidationError({"closed_on": _("The closing date must lie between the day the "
                                              "dispute was opened and today.")})
    if outcome in (DisputeOutcome.RESOLVED, DisputeOutcome.PARTLY) and not (
            dispute.agreement_text.strip() or note.strip()):
        raise ValidationError({"note": _("Write down what was agreed (or the agreement "
                                         "text) before closing it as resolved.")})
    before = audit.snapshot(dispute, Dispute.AUDIT_FIELDS)
    _claim(dispute, version)
    settings_ = CareSettings.for_community(dispute.community_id)
    dispute.status = DisputeStatus.CLOSED
    dispute.outcome, dispute.outcome_note, dispute.closed_on = outcome, note.strip(), closed_on
    dispute.followup_due = (closed_on + timedelta(days=settings_.dispute_followup)
                            if outcome in (DisputeOutcome.RESOLVED, DisputeOutcome.PARTLY)
                            else None)
    dispute.followup_on = dispute.followup_holding = None
    dispute.save()
    audit.record(AuditAction.UPDATE, actor=actor, obj=dispute,
                 changes=audit.diff(before, audit.snapshot(dispute, Dispute.AUDIT_FIELDS),
                                      Dispute.AUDIT_SENSITIVE))
    return dispute


@audit.audited
def dispute_reopen(*, actor: User, dispute: Dispute, reason: str,
                   version: int | None = None) -> Dispute:
    require(actor, Perm.MEDIATE)
    _visible(actor, dispute)
    if dispute.is_open:
        raise ValidationError(_("The dispute is already open."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the dispute is reopened.")})
    before = audit.snapshot(dispute, Dispute.AUDIT_FIELDS)
    _claim(dispute, version)
    dispute.status = DisputeStatus.MEDIATING if dispute.sessions.exists() else DisputeStatus.OPEN
    dispute.outcome_note = f"{dispute.outcome_note}\n{REOPENED_MARK}{reason.strip()}".strip()
    dispute.outcome, dispute.closed_on, dispute.followup_due = "", None, None
    dispute.save()
    audit.record(AuditAction.UPDATE, actor=actor, obj=dispute,
                 changes=audit.diff(before, audit.snapshot(dispute, Dispute.AUDIT_FIELDS),
                                      Dispute.AUDIT_SENSITIVE))
    return dispute


@audit.audited
def dispute_followup(*, actor: User, dispute: Dispute, on: date, holding: bool, note: str = "",
                     version: int | None = None) -> Dispute:
    """The check, some weeks after closing, that the agreement holds."""
    require(actor, Perm.MEDIATE)
    _visible(actor, dispute)
    if dispute.is_open or dispute.followup_due is None or dispute.closed_on is None:
        raise ValidationError(_("Only a dispute closed with an agreement has a follow-up "
                                "check."))
    if dispute.followup_on is not None:
        raise ValidationError(_("The follow-up check is already recorded."))
    if on < dispute.closed_on or on > timezone.localdate():
        raise ValidationError({"on": _("The date must lie between the closing day and "
                                       "today.")})
    before = audit.snapshot(dispute, Dispute.AUDIT_FIELDS)
    _claim(dispute, version)
    dispute.followup_on, dispute.followup_holding = on, holding
    dispute.followup_note = note.strip()
    dispute.save(update_fields=["followup_on", "followup_holding", "followup_note", "version"])
    audit.record(AuditAction.UPDATE, actor=actor, obj=dispute,
                 changes=audit.diff(before, audit.snapshot(dispute, Dispute.AUDIT_FIELDS),
                                      Dispute.AUDIT_SENSITIVE))
    return dispute

