"""Reminders a worker acts on (raised by the scheduled jobs): marking one done."""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone

from jiayuan.core import audit
from jiayuan.core.access import require
from jiayuan.core.models import AuditAction, User
from jiayuan.core.roles import Perm
from jiayuan.core.scope import in_scope
from jiayuan.desk.models import Reminder


@audit.audited
def reminder_mark_done(*, actor: User, reminder: Reminder) -> bool:
    """A worker marks a reminder done by hand. False when it already was."""
    require(actor, Perm.WORK_CASES)
    if not in_scope(actor, reminder.grid_id):
        raise Http404
    now = timezone.now()
    n = Reminder.objects.filter(pk=reminder.pk, done_at__isnull=True).update(done_at=now)
    if n:
        # The person's name stays out of the log: the id is enough to trace it.
        audit.record(AuditAction.UPDATE, actor=actor, object_type="desk.reminder",
                     object_id=reminder.pk,
                     object_repr=f"{reminder.kind} {reminder.due.isoformat()}",
                     changes={"done_at": [None, now]})
    reminder.done_at = now if n else reminder.done_at
    return bool(n)
