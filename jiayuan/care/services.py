"""Writing visits, disputes, pairings and the must-visit settings.

Every function takes the acting user, checks permission and scope, runs in one
transaction with the audit lock taken first (`audit.audited`), and records
what it changed. Refusals are `ValidationError`s with a message for the user;
an object outside the actor's scope is "not found", never "forbidden".
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from jiayuan.care import duties
from jiayuan.care.choices import (
    QUALIFYING_MODES,
    REOPENED_MARK,
    DisputeOutcome,
    DisputeStatus,
    PairingStatus,
)
from jiayuan.care.models import (
    CareSettings,
    CheckIn,
    Dispute,
    DisputeParty,
    FestivalDate,
    MediationSession,
    Pairing,
    Visit,
)
from jiayuan.core import audit
from jiayuan.core.access import require
from jiayuan.core.models import AuditAction
from jiayuan.core.roles import Perm
from jiayuan.core.scope import in_scope
from jiayuan.desk.services import repeat_threshold_save
from jiayuan.places.models import Grid

# A visit dated this far in the future is a typing mistake, not clock skew.
FUTURE_SLACK = timedelta(hours=1)


class Conflict(ValidationError):
    """Someone else saved the dispute since the user loaded it."""


def _check_scope(actor: Any, grid_id: int | None, what: str) -> None:
    if grid_id is None or not in_scope(actor, grid_id):
        # Same words whether it exists elsewhere or not at all.
        raise ValidationError(_("%(what)s is not in your grids.") % {"what": what})


def _community_of(grid_id: int) -> int:
    return Grid.objects.values_list("community_id", flat=True).get(pk=grid_id)


# --- visits ---------------------------------------------------------------------

@audit.audited
def visit_log(*, actor: Any, households: list[Any] = (), business: Any = None,
              visited_at: datetime | None = None, mode: str, purpose: str,
              found: str = "", needs: str = "", next_visit: date | None = None,
              sensitive_note: str = "", visitors: list[Any] = (), volunteers: str = "",
              with_resident_helper: bool = False,
              idempotency_key: UUID | None = None) -> tuple[Visit, bool]:
    """Record a visit; returns (visit, created). The same `idempotency_key`
    again returns the first visit and writes nothing (a form resubmitted after
    the connection dropped). `with_resident_helper`: the households' paired
    resident helpers came along, so their pairings get a check-in too."""
    require(actor, Perm.LOG_VISITS)
    if idempotency_key is not None:
        existing = Visit.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            if existing.created_by_id != actor.pk:
                raise Http404
            return existing, False
    households = list(households)
    if not households and business is None:
        raise ValidationError(_("Choose the household or the business you visited."))
    if households and business is not None:
        raise ValidationError(_("A visit is to households or to a business, not both: "
                                "record them separately."))
    for household in households:
        _check_scope(actor, household.grid_id, _("Household %(h)s") % {"h": household})
        if household.moved_out is not None:
            raise ValidationError(_("Household %(h)s has moved out.") % {"h": household})
    if len({h.grid_id for h in households}) > 1:
        # A visit is filed under one grid and read by that grid's workers: one
        # visit per grid keeps each household's visits with its own grid.
        raise ValidationError(_("These households are in different grids: record the visit "
                                "once for each grid."))
    if business is not None:
        _check_scope(actor, business.grid_id, _("Business %(b)s") % {"b": business.name})
    now = timezone.now()
    visited_at = visited_at or now
    if visited_at > now + FUTURE_SLACK:
        raise ValidationError({"visited_at": _("The visit is in the future: check the date.")})
    if next_visit is not None and next_visit < timezone.localdate(visited_at):
        raise ValidationError({"next_visit": _("The next visit is before this one.")})
    if sensitive_note.strip() and not actor.has(Perm.VIEW_SENSITIVE):
        raise ValidationError({"sensitive_note": _(
            "Your role may not record sensitive notes.")})
    grid_id = households[0].grid_id if households else business.grid_id
    visit = Visit.objects.create(
        community_id=_community_of(grid_id), grid_id=grid_id, business=business,
        visited_at=visited_at, mode=mode, purpose=purpose, found=found.strip(),
        needs=needs.strip(), next_visit=next_visit, sensitive_note=sensitive_note.strip(),
        volunteers=volunteers.strip(), created_by=actor, idempotency_key=idempotency_key)
    if households:
        visit.households.set(households)
    visitor_list = list(visitors) or [actor]
    visit.visitors.set(visitor_list)
    day = timezone.localdate(visited_at)
    household_ids = [h.pk for h in households]
    closed = 0
    if household_ids and mode in QUALIFYING_MODES:
        closed = duties.close_by_visit(visit, household_ids, day)
    _pairing_checkins(visit, household_ids, [u.pk for u in visitor_list], day, actor,
                      with_resident_helper)
    changes = audit.created(audit.snapshot(visit, Visit.AUDIT_FIELDS), Visit.AUDIT_SENSITIVE)
    changes["households"] = household_ids
    if closed:
        changes["duties_closed"] = closed
    audit.record(AuditAction.CREATE, actor=actor, obj=visit, changes=changes)
    return visit, True


def _pairing_checkins(visit: Visit, household_ids: list[int], visitor_ids: list[int],
                      day: date, actor: Any, resident_helpers: bool = False) -> None:
    """A visit a paired helper makes to their household is a check-in: staff
    helpers listed among the visitors, and resident helpers when the visitor
    says they came along (residents have no account to list)."""
    helpers = Q(helper_user_id__in=visitor_ids)
    if resident_helpers:
        helpers |= Q(helper_person__isnull=False)
    pairings = list(Pairing.objects.filter(helpers, household_id__in=household_ids,
                                           status=PairingStatus.ACTIVE))
    if not pairings:
        return
    CheckIn.objects.bulk_create([CheckIn(pairing=p, on=day, mode=visit.mode, visit=visit,
                                         recorded_by=actor) for p in pairings])
    for pairing in pairings:
        _touch(pairing, day)


def _touch(pairing: Pairing, day: date) -> None:
    if pairing.last_contact is None or pairing.last_contact < day:
        Pairing.objects.filter(pk=pairing.pk).update(last_contact=day)


@audit.audited
def visit_link_case(*, actor: Any, visit: Visit, case: Any) -> None:
    require(actor, Perm.LOG_VISITS)
    visit.cases.add(case)
    audit.record(AuditAction.UPDATE, actor=actor, obj=visit, changes={"case": case.ref})


# --- disputes ---------------------------------------------------------------------

def _dispute_ref(community_id: int, year: int) -> str:
    from jiayuan.desk.services import next_ref
    from jiayuan.places.models import Community

    code = Community.objects.values_list("code", flat=True).get(pk=community_id)
    return next_ref(f"{code}-T", year)


@audit.audited
def dispute_create(*, actor: Any, kind: str, source: str, summary: str, details: str = "",
                   grid: Any = None, case: Any = None, mediators: list[Any] = (),
                   opened_on: date | None = None) -> Dispute:
    require(actor, Perm.MEDIATE)
    if grid is not None:
        _check_scope(actor, grid.pk, _("Grid %(g)s") % {"g": grid.code})
        community_id = grid.community_id
    elif actor.community_id:
        community_id = actor.community_id
    else:
        raise ValidationError({"grid": _("Choose the grid the dispute belongs to.")})
    if case is not None:
        from jiayuan.desk.selectors import can_see

        if not can_see(actor, case):
            raise ValidationError({"case": _("No such request in your scope.")})
    opened_on = opened_on or timezone.localdate()
    if opened_on > timezone.localdate():
        raise ValidationError({"opened_on": _("The date is in the future.")})
    dispute = Dispute.objects.create(
        ref=_dispute_ref(community_id, opened_on.year), community_id=community_id,
        grid=grid, kind=kind, source=source, case=case, summary=summary.strip(),
        details=details.strip(), opened_on=opened_on, created_by=actor)
    dispute.mediators.set(list(mediators) or [actor])
    audit.record(AuditAction.CREATE, actor=actor, obj=dispute,
                 changes=audit.created(audit.snapshot(dispute, Dispute.AUDIT_FIELDS),
                                         Dispute.AUDIT_SENSITIVE))
    return dispute


def _bump(dispute: Dispute, version: int | None) -> None:
    """Claim the next version of the dispute, or refuse if someone else did."""
    if version is None:
        version = dispute.version
    claimed = Dispute.objects.filter(pk=dispute.pk, version=version).update(
        version=F("version") + 1)
    if not claimed:
        raise Conflict(_("Someone else changed this dispute while you were editing it. "
                         "Reload the page to see their changes, then make yours again."))
    dispute.version = version + 1


def _require_open(dispute: Dispute) -> None:
    if not dispute.is_open:
        raise ValidationError(_("The dispute is closed. Reopen it first."))


@audit.audited
def party_add(*, actor: Any, dispute: Dispute, role: str, person: Any = None,
              household: Any = None, business: Any = None, name: str = "") -> DisputeParty:
    require(actor, Perm.MEDIATE)
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
def party_remove(*, actor: Any, party: DisputeParty) -> None:
    require(actor, Perm.MEDIATE)
    _require_open(party.dispute)
    audit.record(AuditAction.UPDATE, actor=actor, obj=party.dispute,
                 changes={"party_removed": str(party)})
    party.delete()


@audit.audited
def session_add(*, actor: Any, dispute: Dispute, held_at: datetime, attendees: str,
                notes: str, place: str = "") -> MediationSession:
    require(actor, Perm.MEDIATE)
    _require_open(dispute)
    if held_at > timezone.now() + FUTURE_SLACK:
        raise ValidationError({"held_at": _("The session is in the future: record it after "
                                            "it took place.")})
    session = MediationSession.objects.create(dispute=dispute, held_at=held_at, place=place,
                                              attendees=attendees.strip(), notes=notes.strip(),
                                              recorded_by=actor)
    if dispute.status == DisputeStatus.OPEN:
        Dispute.objects.filter(pk=dispute.pk).update(status=DisputeStatus.MEDIATING,
                                                     version=F("version") + 1)
        dispute.status = DisputeStatus.MEDIATING
        dispute.version += 1
    audit.record(AuditAction.UPDATE, actor=actor, obj=dispute, changes={
        "session": audit.created(audit.snapshot(session, MediationSession.AUDIT_FIELDS),
                                 ("attendees", "notes"))})
    return session


@audit.audited
def dispute_update(*, actor: Any, dispute: Dispute, version: int | None = None,
                   **fields: Any) -> Dispute:
    """Edit the description, the mediators or the agreement text of an open dispute."""
    require(actor, Perm.MEDIATE)
    allowed = {"kind", "source", "summary", "details", "agreement_text", "agreement_on",
               "mediators"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    before = audit.snapshot(dispute, Dispute.AUDIT_FIELDS)
    _bump(dispute, version)
    mediators = fields.pop("mediators", None)
    for name, value in fields.items():
        setattr(dispute, name, value.strip() if isinstance(value, str) else value)
    dispute.save(update_fields=[*fields, "version"] if fields else ["version"])
    if mediators is not None:
        dispute.mediators.set(list(mediators))
    audit.record(AuditAction.UPDATE, actor=actor, obj=dispute,
                 changes=audit.diff(before, audit.snapshot(dispute, Dispute.AUDIT_FIELDS),
                                      Dispute.AUDIT_SENSITIVE))
    return dispute


@audit.audited
def dispute_escalate(*, actor: Any, dispute: Dispute, on: date, what: str,
                     version: int | None = None) -> Dispute:
    """Record honestly that the dispute got worse or went elsewhere."""
    require(actor, Perm.MEDIATE)
    if not what.strip():
        raise ValidationError({"escalation": _("Say what happened.")})
    if on > timezone.localdate():
        raise ValidationError({"escalated_on": _("The date is in the future.")})
    _bump(dispute, version)
    text = f"{on:%Y-%m-%d} {what.strip()}"
    dispute.escalated_on = dispute.escalated_on or on
    dispute.escalation = f"{dispute.escalation}\n{text}".strip()
    dispute.save(update_fields=["escalated_on", "escalation", "version"])
    audit.record(AuditAction.UPDATE, actor=actor, obj=dispute,
                 changes={"escalated_on": on, "escalation": audit.CHANGED})
    return dispute


@audit.audited
def dispute_close(*, actor: Any, dispute: Dispute, outcome: str, note: str = "",
                  closed_on: date | None = None, version: int | None = None) -> Dispute:
    require(actor, Perm.MEDIATE)
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
    _bump(dispute, version)
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
def dispute_reopen(*, actor: Any, dispute: Dispute, reason: str,
                   version: int | None = None) -> Dispute:
    require(actor, Perm.MEDIATE)
    if dispute.is_open:
        raise ValidationError(_("The dispute is already open."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the dispute is reopened.")})
    before = audit.snapshot(dispute, Dispute.AUDIT_FIELDS)
    _bump(dispute, version)
    dispute.status = DisputeStatus.MEDIATING if dispute.sessions.exists() else DisputeStatus.OPEN
    dispute.outcome_note = f"{dispute.outcome_note}\n{REOPENED_MARK}{reason.strip()}".strip()
    dispute.outcome, dispute.closed_on, dispute.followup_due = "", None, None
    dispute.save()
    audit.record(AuditAction.UPDATE, actor=actor, obj=dispute,
                 changes=audit.diff(before, audit.snapshot(dispute, Dispute.AUDIT_FIELDS),
                                      Dispute.AUDIT_SENSITIVE))
    return dispute


@audit.audited
def dispute_followup(*, actor: Any, dispute: Dispute, on: date, holding: bool, note: str = "",
                     version: int | None = None) -> Dispute:
    """The check, some weeks after closing, that the agreement holds."""
    require(actor, Perm.MEDIATE)
    if dispute.is_open or dispute.followup_due is None:
        raise ValidationError(_("Only a dispute closed with an agreement has a follow-up "
                                "check."))
    if on < dispute.closed_on or on > timezone.localdate():
        raise ValidationError({"on": _("The date must lie between the closing day and "
                                       "today.")})
    before = audit.snapshot(dispute, Dispute.AUDIT_FIELDS)
    _bump(dispute, version)
    dispute.followup_on, dispute.followup_holding = on, holding
    dispute.followup_note = note.strip()
    dispute.save(update_fields=["followup_on", "followup_holding", "followup_note", "version"])
    audit.record(AuditAction.UPDATE, actor=actor, obj=dispute,
                 changes=audit.diff(before, audit.snapshot(dispute, Dispute.AUDIT_FIELDS),
                                      Dispute.AUDIT_SENSITIVE))
    return dispute


# --- pairings ---------------------------------------------------------------------

@audit.audited
def pairing_create(*, actor: Any, household: Any, helper_kind: str, goals: str,
                   helper_user: Any = None, helper_person: Any = None,
                   started: date | None = None, planned_end: date | None = None) -> Pairing:
    require(actor, Perm.MANAGE_PAIRINGS)
    _check_scope(actor, household.grid_id, _("Household %(h)s") % {"h": household})
    if household.moved_out is not None:
        raise ValidationError(_("Household %(h)s has moved out.") % {"h": household})
    if (helper_user is None) == (helper_person is None):
        raise ValidationError(_("Choose the helper: a staff account or a resident, one of "
                                "the two."))
    if helper_person is not None:
        _check_scope(actor, helper_person.grid_id, _("Resident %(p)s") % {
            "p": helper_person.name})
        if helper_person.household_id == household.pk:
            raise ValidationError({"helper_person": _(
                "The helper cannot be a member of the household they help.")})
    if not goals.strip():
        raise ValidationError({"goals": _("Write down what the pairing should achieve.")})
    started = started or timezone.localdate()
    if planned_end is not None and planned_end < started:
        raise ValidationError({"planned_end": _("The planned end is before the start.")})
    pairing = Pairing.objects.create(
        community_id=_community_of(household.grid_id), grid_id=household.grid_id,
        household=household, helper_kind=helper_kind, helper_user=helper_user,
        helper_person=helper_person, goals=goals.strip(), started=started,
        planned_end=planned_end, created_by=actor)
    audit.record(AuditAction.CREATE, actor=actor, obj=pairing,
                 changes=audit.created(audit.snapshot(pairing, Pairing.AUDIT_FIELDS),
                                         Pairing.AUDIT_SENSITIVE))
    return pairing


@audit.audited
def checkin_add(*, actor: Any, pairing: Pairing, on: date, mode: str, note: str = "") -> CheckIn:
    require(actor, Perm.MANAGE_PAIRINGS)
    if pairing.status == PairingStatus.ENDED:
        raise ValidationError(_("The pairing has ended."))
    if on > timezone.localdate() or on < pairing.started:
        raise ValidationError({"on": _("The date must lie between the start of the pairing "
                                       "and today.")})
    checkin = CheckIn.objects.create(pairing=pairing, on=on, mode=mode, note=note.strip(),
                                     recorded_by=actor)
    _touch(pairing, on)
    audit.record(AuditAction.UPDATE, actor=actor, obj=pairing,
                 changes={"checkin": {"on": on, "mode": mode}})
    return checkin


@audit.audited
def pairing_set_status(*, actor: Any, pairing: Pairing, status: str,
                       on: date | None = None) -> Pairing:
    require(actor, Perm.MANAGE_PAIRINGS)
    if pairing.status == PairingStatus.ENDED:
        raise ValidationError(_("The pairing has ended."))
    if status not in PairingStatus.values or status == pairing.status:
        raise ValidationError(_("Choose a new status."))
    before = audit.snapshot(pairing, Pairing.AUDIT_FIELDS)
    pairing.status = status
    if status == PairingStatus.ENDED:
        pairing.ended = on or timezone.localdate()
        if pairing.ended < pairing.started:
            raise ValidationError({"ended": _("The end is before the start.")})
    pairing.save(update_fields=["status", "ended"])
    audit.record(AuditAction.UPDATE, actor=actor, obj=pairing,
                 changes=audit.diff(before, audit.snapshot(pairing, Pairing.AUDIT_FIELDS),
                                      Pairing.AUDIT_SENSITIVE))
    return pairing


@audit.audited
def pairing_set_planned_end(*, actor: Any, pairing: Pairing,
                            planned_end: date | None) -> Pairing:
    """Set, move or clear (None) when a running pairing is meant to end."""
    require(actor, Perm.MANAGE_PAIRINGS)
    if pairing.status == PairingStatus.ENDED:
        raise ValidationError(_("The pairing has ended."))
    if planned_end is not None and planned_end < pairing.started:
        raise ValidationError({"planned_end": _("The planned end is before the start.")})
    if planned_end == pairing.planned_end:
        return pairing
    before = audit.snapshot(pairing, Pairing.AUDIT_FIELDS)
    pairing.planned_end = planned_end
    pairing.save(update_fields=["planned_end"])
    audit.record(AuditAction.UPDATE, actor=actor, obj=pairing,
                 changes=audit.diff(before, audit.snapshot(pairing, Pairing.AUDIT_FIELDS),
                                      Pairing.AUDIT_SENSITIVE))
    return pairing


# --- settings and festival calendar -----------------------------------------------

@audit.audited
def settings_save(*, actor: Any, community_id: int, values: dict[str, int]) -> CareSettings:
    require(actor, Perm.MANAGE_CARE)
    if actor.community_id not in (None, community_id):
        raise Http404
    if "repeat_open" in values:
        # The repeat threshold is the desk's: one value for its flag and this duty.
        repeat_threshold_save(actor=actor, community_id=community_id,
                              repeat_open=int(values["repeat_open"]))
    current = CareSettings.for_community(community_id)
    before = audit.snapshot(current, CareSettings.AUDIT_FIELDS)
    for name in CareSettings.EDITABLE:
        if name in values:
            value = int(values[name])
            if not 0 < value <= 366:
                raise ValidationError({name: _("Give a number of days from 1 to 366.")})
            setattr(current, name, value)
    current.updated_by = actor
    current.save()
    audit.record(AuditAction.UPDATE, actor=actor, obj=current,
                 changes=audit.diff(before, audit.snapshot(current, CareSettings.AUDIT_FIELDS)))
    return current


@audit.audited
def festival_date_add(*, actor: Any, festival: str, day: date, note: str = "") -> FestivalDate:
    require(actor, Perm.MANAGE_CARE)
    if FestivalDate.objects.filter(festival=festival, date=day).exists():
        raise ValidationError({"date": _("This festival is already on the calendar for that "
                                         "day.")})
    row = FestivalDate.objects.create(festival=festival, date=day, note=note.strip())
    audit.record(AuditAction.CREATE, actor=actor, obj=row,
                 changes=audit.created(audit.snapshot(row, FestivalDate.AUDIT_FIELDS)))
    return row


@audit.audited
def festival_date_delete(*, actor: Any, row: FestivalDate) -> None:
    """Take a wrong date off the calendar. Its open duties are not touched
    here: the next run of the duties (duties.to_lapse) lapses them, and raises
    the duties of the corrected day if one was added, so a correction never
    leaves a household owed two visits for one festival."""
    require(actor, Perm.MANAGE_CARE)
    audit.record(AuditAction.DELETE, actor=actor, obj=row,
                 changes=audit.snapshot(row, FestivalDate.AUDIT_FIELDS))
    row.delete()


