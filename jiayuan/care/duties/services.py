"""Writing the must-visit settings and the festival calendar."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from jiayuan.care.models import CareSettings, FestivalDate
from jiayuan.core import audit, locks
from jiayuan.core.access import require
from jiayuan.core.models import AuditAction, User
from jiayuan.core.roles import Perm
from jiayuan.core.unique import unique_or
from jiayuan.desk.services import repeat_threshold_save
from jiayuan.lib.festivals import FESTIVAL_CHOICES

#: The festivals a calendar day is for: "other" names no festival in
#: particular, so it cannot have a day.
CALENDAR_FESTIVALS = [(code, label) for code, label in FESTIVAL_CHOICES if code != "other"]

# A year outside this window is a typing mistake (2062 for 2026).
YEARS_BACK, YEARS_AHEAD = 5, 10


def calendar_years(today: date | None = None) -> tuple[int, int]:
    """The first and the last year the festival calendar keeps."""
    year = (today or timezone.localdate()).year
    return year - YEARS_BACK, year + YEARS_AHEAD


@audit.audited
def settings_save(*, actor: User, community_id: int, values: dict[str, int]) -> CareSettings:
    require(actor, Perm.MANAGE_CARE)
    if actor.community_id not in (None, community_id):
        raise Http404
    # The first save creates the row: two at once take turns (core.locks).
    locks.hold(locks.per_community(locks.CARE_SETTINGS, community_id))
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
def festival_date_add(*, actor: User, festival: str, day: date, note: str = "") -> FestivalDate:
    require(actor, Perm.MANAGE_CARE)
    if festival not in {code for code, _label in CALENDAR_FESTIVALS}:
        raise ValidationError({"festival": _("Choose a festival from the list.")})
    first, last = calendar_years()
    if not first <= day.year <= last:
        raise ValidationError({"date": _(
            "The calendar keeps the years %(first)d to %(last)d: check the year.")
            % {"first": first, "last": last}})
    taken = ValidationError({"date": _("This festival is already on the calendar for that "
                                       "day.")})
    if FestivalDate.objects.filter(festival=festival, date=day).exists():
        raise taken
    with unique_or(taken):  # added by another at the same moment (a double submit)
        row = FestivalDate.objects.create(festival=festival, date=day, note=note.strip())
    audit.record(AuditAction.CREATE, actor=actor, obj=row,
                 changes=audit.created(audit.snapshot(row, FestivalDate.AUDIT_FIELDS)))
    return row


@audit.audited
def festival_date_delete(*, actor: User, row: FestivalDate) -> None:
    """Take a wrong date off the calendar. Its open duties are not touched
    here: the next run of the duties (duties.to_lapse) lapses them, and raises
    the duties of the corrected day if one was added, so a correction never
    leaves a household owed two visits for one festival."""
    require(actor, Perm.MANAGE_CARE)
    audit.record(AuditAction.DELETE, actor=actor, obj=row,
                 changes=audit.snapshot(row, FestivalDate.AUDIT_FIELDS))
    row.delete()
