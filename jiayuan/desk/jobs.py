"""The service desk's scheduled jobs, run by `manage.py tick` (jiayuan.core.scheduler):

- `sla`      flags cases whose first response or resolution is late;
- `permits`  raises a reminder for each residence permit about to expire (the
             reminders are the desk's; the people are the registry's), and
             closes or moves the ones nobody needs any more;
- `digest`   the daily e-mail to each worker (jiayuan.desk.digest).

Each job returns how many rows it wrote, so a second run at the same time
writes nothing and returns 0 everywhere. Every job works in short
transactions of one batch each (`audit.batch()`): killed at any moment, it
leaves whole batches behind, and the next run carries on from where the data
says it stopped (the flags, the unique reminder and digest rows are the
progress markers; there is no separate "last run" state to get out of step).

No job writes a case's status (the workflow's business): `sla` only sets the
two "target missed" flags and puts an entry on the timeline.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import F, Q
from django.utils import formats, timezone

from jiayuan.core import audit, scheduler
from jiayuan.core.models import AuditAction
from jiayuan.core.scheduler import ACTOR
from jiayuan.desk import digest
from jiayuan.desk.choices import OPEN_STATUSES, EventKind, ReminderKind
from jiayuan.desk.models import Case, CaseEvent, Reminder
from jiayuan.registry.models import Person

# Rows per transaction. Small enough that a batch holds its locks for a moment
# only; module-level so tests can shrink them to simulate a kill between batches.
SLA_BATCH = 2000
PERMIT_BATCH = 2000


def _local(dt: datetime) -> str:
    return formats.date_format(timezone.localtime(dt), "Y-m-d H:i")


# --- 1. SLA breaches --------------------------------------------------------------

def _response_late(now: datetime) -> Q:
    return Q(response_breached=False) & (
        Q(acknowledged_at__isnull=True, status__in=OPEN_STATUSES, response_due__lt=now)
        | Q(acknowledged_at__gt=F("response_due")))


def _resolution_late(now: datetime) -> Q:
    return Q(resolution_breached=False) & (
        Q(status__in=OPEN_STATUSES, due__lt=now) | Q(resolved_at__gt=F("due")))


def _sla_params(response: bool, resolution: bool, row: Mapping[str, Any]) -> dict[str, str]:
    """The missed targets' due times; the line is rendered in the reader's
    language (jiayuan.desk.timeline, code "sla")."""
    params = {}
    if response:
        params["response"] = _local(row["response_due"])
    if resolution:
        params["resolution"] = _local(row["due"])
    return params


def _chunks(ids: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def _sla_candidates(now: datetime) -> list[int]:
    """Ids that may need a flag, found in one pass without locks (each batch
    checks again under lock). Two queries so that each can use what indexes
    it has: open cases come from the (status, due) index; cases answered or
    resolved late need a scan of the column comparison, unless partial indexes
    on the unflagged late rows exist (they make it ~5x faster at district scale)."""
    open_late = Case.objects.filter(status__in=OPEN_STATUSES).filter(
        Q(due__lt=now, resolution_breached=False)
        | Q(acknowledged_at__isnull=True, response_due__lt=now, response_breached=False))
    done_late = Case.objects.filter(
        Q(acknowledged_at__gt=F("response_due"), response_breached=False)
        | Q(resolved_at__gt=F("due"), resolution_breached=False))
    # No ORDER BY: the model's default ordering would walk an index over the
    # whole table instead of scanning it.
    return sorted(set(open_late.order_by().values_list("pk", flat=True))
                  | set(done_late.order_by().values_list("pk", flat=True)))


@scheduler.register("sla", order=10)
def step_sla(now: datetime) -> int:
    """Flag cases whose first response or resolution is late (False → True only)
    and put one "target missed" entry on each newly flagged case's timeline.

    Per batch, in one transaction: lock the rows that still need a flag
    (PostgreSQL: FOR UPDATE SKIP LOCKED, so a worker saving the case or a
    concurrent run is skipped, not waited for, and the next run picks it up;
    SQLite: the IMMEDIATE transaction already holds the write lock), decide
    which flags each needs, update exactly those ids and write their events.
    Since the rows are locked, the ids updated are the ids selected, and an
    event is never written for a flag someone else set. Cancelled cases are not
    flagged for a first response they never got.
    """
    response_q, resolution_q = _response_late(now), _resolution_late(now)
    written = 0
    for chunk in _chunks(_sla_candidates(now), SLA_BATCH):
        with audit.batch():
            ids = list(Case.objects.select_for_update(skip_locked=True)
                       .filter(response_q | resolution_q, pk__in=chunk)
                       .values_list("pk", flat=True))
            response_ids = set(Case.objects.filter(response_q, pk__in=ids)
                               .values_list("pk", flat=True))
            resolution_ids = set(Case.objects.filter(resolution_q, pk__in=ids)
                                 .values_list("pk", flat=True))
            n_response = Case.objects.filter(pk__in=response_ids, response_breached=False) \
                .update(response_breached=True)
            n_resolution = Case.objects.filter(pk__in=resolution_ids,
                                               resolution_breached=False) \
                .update(resolution_breached=True)
            rows = Case.objects.filter(pk__in=response_ids | resolution_ids) \
                .values("pk", "response_due", "due")
            events = [CaseEvent(case_id=row["pk"], kind=EventKind.SLA, at=now,
                                actor_name="", code="sla",
                                params=_sla_params(row["pk"] in response_ids,
                                                   row["pk"] in resolution_ids, row))
                      for row in rows]
            CaseEvent.objects.bulk_create(events)
            if events:
                audit.record(AuditAction.UPDATE, username=ACTOR, object_type="tick",
                             object_id="sla", object_repr="sla",
                             changes={"response_breached": n_response,
                                      "resolution_breached": n_resolution,
                                      "events": len(events)})
            written += len(events)
    return written


# --- 2. Residence-permit reminders --------------------------------------------------

def _permit_window(now: datetime) -> tuple[date, date]:
    today = timezone.localdate(now)
    return today, today + timedelta(days=settings.DESK_PERMIT_REMINDER_DAYS)


def _raise_permit_reminders(now: datetime) -> int:
    today, until = _permit_window(now)
    # One pass over people (a month of expiries: a few thousand small tuples).
    due_soon = sorted(Person.objects.filter(
        permit_expiry__gte=today, permit_expiry__lte=until, left_on__isnull=True,
        household__moved_out__isnull=True).order_by()
        .values_list("pk", "grid_id", "permit_expiry"))
    created = 0
    for batch in _chunks(due_soon, PERMIT_BATCH):
        with audit.batch():
            have = set(Reminder.objects.filter(kind=ReminderKind.PERMIT_EXPIRY,
                                               person_id__in=[pk for pk, _g, _d in batch])
                       .values_list("person_id", "due"))
            new = [Reminder(kind=ReminderKind.PERMIT_EXPIRY, person_id=pk, grid_id=grid_id,
                            due=expiry, created_at=now)
                   for pk, grid_id, expiry in batch if (pk, expiry) not in have]
            # The unique constraint (kind, person, due) is the real guard; the
            # look-up above only makes the count honest.
            Reminder.objects.bulk_create(new, ignore_conflicts=True)
            if new:
                audit.record(AuditAction.CREATE, username=ACTOR, object_type="tick",
                             object_id="permits", object_repr="permits",
                             changes={"reminders_created": len(new)})
            created += len(new)
    return created


def _stale_permit_reminder() -> Q:
    """The reminder no longer needs anyone: the permit was renewed (or its
    expiry corrected or removed, in which case a reminder with the new date is
    raised if it is due), the person left, or the household moved out."""
    return (Q(person__permit_expiry__isnull=True)
            | Q(person__permit_expiry__gt=F("due")) | Q(person__permit_expiry__lt=F("due"))
            | Q(person__left_on__isnull=False) | Q(person__household__moved_out__isnull=False))


def _close_permit_reminders(now: datetime) -> int:
    open_ = Reminder.objects.filter(kind=ReminderKind.PERMIT_EXPIRY, done_at__isnull=True)
    stale = sorted(open_.filter(_stale_permit_reminder()).order_by()
                   .values_list("pk", flat=True))
    closed = 0
    for ids in _chunks(stale, PERMIT_BATCH):
        with audit.batch():
            # Checked again: a worker may have marked it done meanwhile.
            n = open_.filter(pk__in=ids).update(done_at=now)
            if n:
                audit.record(AuditAction.UPDATE, username=ACTOR, object_type="tick",
                             object_id="permits", object_repr="permits",
                             changes={"reminders_closed": n})
            closed += n
    return closed


def _follow_moved_people() -> int:
    """An open reminder follows its person to a new grid, so that only the
    worker of the grid they live in now sees their name."""
    with audit.batch():
        moved = list(Reminder.objects.filter(done_at__isnull=True)
                     .exclude(grid_id=F("person__grid_id")).order_by()
                     .values_list("pk", "person__grid_id"))
        by_grid: dict[int, list[int]] = defaultdict(list)
        for pk, grid_id in moved:
            by_grid[grid_id].append(pk)
        n = sum(Reminder.objects.filter(pk__in=pks).update(grid_id=grid_id)
                for grid_id, pks in by_grid.items())
        if n:
            audit.record(AuditAction.UPDATE, username=ACTOR, object_type="tick",
                         object_id="permits", object_repr="permits",
                         changes={"reminders_moved": n})
    return n


@scheduler.register("permits", order=20)
def step_permits(now: datetime) -> int:
    """Raise a reminder for each residence permit expiring within
    DESK_PERMIT_REMINDER_DAYS (people still here, households not moved out);
    close the ones nobody needs any more."""
    return (_raise_permit_reminders(now) + _close_permit_reminders(now)
            + _follow_moved_people())


# The digest goes last: what the other jobs raised today is in today's e-mail
# (care's duties run at 30).
scheduler.register("digest", order=90)(digest.step_digest)
