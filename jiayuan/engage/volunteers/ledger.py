"""The hours ledger's two writes: credit and reverse. Append-only: an entry
is never updated or deleted; a correction is a reversal (negative hours)
naming the entry it reverses, once; a reversal is never reversed.

Every other service that credits hours (attendance at an activity, an
approved claim, staff's own entry) comes through `hours_credit`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from jiayuan.core import audit
from jiayuan.core.access import require
from jiayuan.core.models import AuditAction, User
from jiayuan.core.roles import Perm
from jiayuan.engage.choices import HoursSource, VolunteerStatus
from jiayuan.engage.volunteers.models import HoursEntry, Volunteer
from jiayuan.engage.volunteers.selectors import volunteers_for
from jiayuan.registry.services.common import check_not_erased

MAX_HOURS_A_DAY = Decimal("24")


def check_hours(volunteer: Volunteer, on: date, hours: Decimal,
                today: date | None = None) -> None:
    """Hours on a day that has come, more than nothing, and no more than 24
    in that day for the volunteer (counting what the ledger holds already)."""
    today = today or timezone.localdate()
    if on > today:
        raise ValidationError({"on": _("The date is in the future.")})
    if hours <= 0:
        raise ValidationError({"hours": _("Give the hours served (more than 0).")})
    held = sum((e.hours for e in HoursEntry.objects.filter(volunteer=volunteer, on=on)),
               Decimal("0"))
    if held + hours > MAX_HOURS_A_DAY:
        raise ValidationError({"hours": _(
            "That makes more than 24 hours on %(day)s (%(held)s already recorded).")
            % {"day": on.isoformat(), "held": held}})


@audit.audited
def hours_credit(*, actor: User, volunteer: Volunteer, on: date, hours: Decimal,
                 source: str, note: str = "", session: object | None = None,
                 claim: object | None = None, today: date | None = None) -> HoursEntry:
    """Add hours to the ledger. `source` is ACTIVITY (with the session),
    SELF (with the approved claim) or STAFF. `today` is the day "the future"
    starts after (the demo's anchored day; the station's today by default)."""
    require(actor, Perm.MANAGE_VOLUNTEERS if source != HoursSource.ACTIVITY
            else Perm.RUN_ACTIVITIES)
    if not volunteers_for(actor).filter(pk=volunteer.pk).exists():
        raise ValidationError(_("That volunteer is not in your area."))
    if source not in (HoursSource.ACTIVITY, HoursSource.SELF, HoursSource.STAFF):
        raise ValidationError({"source": _("Choose where the hours come from.")})
    # The volunteer's row is locked: two credits for the same day count the
    # 24 hours in turn (claims lock it too, services_hours).
    volunteer = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    check_not_erased(volunteer.person)
    if volunteer.status == VolunteerStatus.LEFT:
        raise ValidationError(_("This volunteer has left: their hours are closed."))
    check_hours(volunteer, on, hours, today=today)
    entry = HoursEntry(volunteer=volunteer, on=on, hours=hours, source=source,
                       note=note.strip(), created_by=actor)
    if session is not None:
        entry.session = session  # type: ignore[assignment]
    if claim is not None:
        entry.claim = claim  # type: ignore[assignment]
    entry.save()
    audit.record(AuditAction.CREATE, actor=actor, obj=entry,
                 changes=audit.created(audit.snapshot(entry, HoursEntry.AUDIT_FIELDS)))
    return entry


@audit.audited
def hours_reverse(*, actor: User, entry: HoursEntry, reason: str) -> HoursEntry:
    """Cancel an entry by a reversal of the same hours, with a reason."""
    require(actor, Perm.MANAGE_VOLUNTEERS)
    if not volunteers_for(actor).filter(pk=entry.volunteer_id).exists():
        raise ValidationError(_("That volunteer is not in your area."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the hours are corrected.")})
    entry = HoursEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.source == HoursSource.REVERSAL:
        raise ValidationError(_("A correction cannot be corrected: record the hours again "
                                "instead."))
    if HoursEntry.objects.filter(reverses=entry).exists():
        raise ValidationError(_("These hours were corrected already."))
    reversal = HoursEntry(volunteer_id=entry.volunteer_id, on=entry.on, hours=-entry.hours,
                          source=HoursSource.REVERSAL, note=reason.strip()[:200],
                          reverses=entry, created_by=actor)
    reversal.save()
    audit.record(AuditAction.CREATE, actor=actor, obj=reversal,
                 changes=audit.created(audit.snapshot(reversal, HoursEntry.AUDIT_FIELDS)))
    return reversal
