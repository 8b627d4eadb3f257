"""The community's repeat-request threshold (desk.models.DeskSettings): one
value for the desk's "coming back" flag and care's must-visit duty."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from jiayuan.core import audit
from jiayuan.core.access import require
from jiayuan.core.models import AuditAction, User
from jiayuan.core.roles import Perm
from jiayuan.desk.models import DeskSettings
from jiayuan.desk.selectors import repeat_threshold


@audit.audited
def repeat_threshold_save(*, actor: User, community_id: int, repeat_open: int,
                          repeat_days: int | None = None) -> DeskSettings | None:
    """Set a community's repeat threshold (`repeat_days` None keeps the window).
    The first save stores the defaults' other value too. None when nothing
    changed (nothing is written)."""
    require(actor, Perm.MANAGE_CARE)
    if actor.community_id not in (None, community_id):
        raise Http404
    current = repeat_threshold(community_id)
    days = current.days if repeat_days is None else repeat_days
    for field, value in (("repeat_open", repeat_open), ("repeat_days", days)):
        if not 1 <= value <= 366:
            raise ValidationError({field: _(
                "Give a number of requests from %(min)d to %(max)d.") % {"min": 1, "max": 366}
                if field == "repeat_open" else _("Give a number of days from 1 to 366.")})
    if (repeat_open, days) == (current.open, current.days):
        return None
    row, created = DeskSettings.objects.select_for_update().get_or_create(
        community_id=community_id,
        defaults={"repeat_open": repeat_open, "repeat_days": days, "updated_by": actor})
    if not created:
        row.repeat_open, row.repeat_days, row.updated_by = repeat_open, days, actor
        row.save(update_fields=["repeat_open", "repeat_days", "updated_by", "updated_at"])
    audit.record(AuditAction.CREATE if created else AuditAction.UPDATE, actor=actor, obj=row,
                 changes={"repeat_open": [current.open, repeat_open],
                          "repeat_days": [current.days, days]})
    return row
