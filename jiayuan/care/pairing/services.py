"""Writing pairings: pairing a helper with a household, check-ins, pause /
resume / end, the planned end."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from jiayuan.care.choices import HelperKind, PairingStatus
from jiayuan.care.models import CheckIn, Pairing, Visit
from jiayuan.care.pairing.selectors import pairings_for
from jiayuan.care.scoping import check_scope as _check_scope
from jiayuan.care.scoping import community_of as _community_of
from jiayuan.care.scoping import require_visible
from jiayuan.care.visits.selectors import visit_staff
from jiayuan.core import audit
from jiayuan.core.access import require
from jiayuan.core.models import AuditAction, User
from jiayuan.core.roles import Perm
from jiayuan.core.scope import in_scope
from jiayuan.registry.models import Household, Person
from jiayuan.registry.services.common import check_not_erased


def pairing_checkins(visit: Visit, household_ids: list[int], visitor_ids: list[int],
                      day: date, actor: User, resident_helpers: bool = False) -> None:
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
def pairing_create(*, actor: User, household: Household, helper_kind: str, goals: str,
                   helper_user: User | None = None, helper_person: Person | None = None,
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
        check_not_erased(helper_person)
        if helper_person.left_on is not None:
            raise ValidationError({"helper_person": _("%(name)s has left the community.")
                                   % {"name": helper_person.name}})
        if helper_kind == HelperKind.STAFF:
            raise ValidationError({"helper_user": _(
                "Station staff are paired through their staff account, so that their "
                "visits count as check-ins.")})
        if helper_person.household_id == household.pk:
            raise ValidationError({"helper_person": _(
                "The helper cannot be a member of the household they help.")})
    if helper_user is not None:
        if not visit_staff(actor).filter(pk=helper_user.pk).exists():
            raise ValidationError({"helper_user": _(
                "%(name)s may not log visits here: choose active staff of the community "
                "who go on visits.") % {"name": helper_user.display_name}})
        if not in_scope(helper_user, household.grid_id):
            raise ValidationError({"helper_user": _(
                "%(name)s does not work in this household's grid: choose someone who "
                "does.") % {"name": helper_user.display_name}})
    if not goals.strip():
        raise ValidationError({"goals": _("Write down what the pairing should achieve.")})
    started = started or timezone.localdate()
    if started > timezone.localdate():
        raise ValidationError({"started": _("The start date is in the future: record the "
                                            "pairing when it begins.")})
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
def checkin_add(*, actor: User, pairing: Pairing, on: date, mode: str, note: str = "") -> CheckIn:
    require(actor, Perm.MANAGE_PAIRINGS)
    require_visible(pairings_for(actor), pairing)
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
def pairing_set_status(*, actor: User, pairing: Pairing, status: str,
                       on: date | None = None) -> Pairing:
    require(actor, Perm.MANAGE_PAIRINGS)
    require_visible(pairings_for(actor), pairing)
    if pairing.status == PairingStatus.ENDED:
        raise ValidationError(_("The pairing has ended."))
    if status not in PairingStatus.values or status == pairing.status:
        raise ValidationError(_("Choose a new status."))
    before = audit.snapshot(pairing, Pairing.AUDIT_FIELDS)
    pairing.status = status
    if status == PairingStatus.ENDED:
        pairing.ended = on or timezone.localdate()
        if pairing.ended < pairing.started:
            # Named after the parameter, the field the forms show it in.
            raise ValidationError({"on": _("The end is before the start.")})
    pairing.save(update_fields=["status", "ended"])
    audit.record(AuditAction.UPDATE, actor=actor, obj=pairing,
                 changes=audit.diff(before, audit.snapshot(pairing, Pairing.AUDIT_FIELDS),
                                      Pairing.AUDIT_SENSITIVE))
    return pairing


@audit.audited
def pairing_set_planned_end(*, actor: User, pairing: Pairing,
                            planned_end: date | None) -> Pairing:
    """Set, move or clear (None) when a running pairing is meant to end."""
    require(actor, Perm.MANAGE_PAIRINGS)
    require_visible(pairings_for(actor), pairing)
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

