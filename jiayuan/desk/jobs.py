"""Scheduled work of the service desk, run by `manage.py tick` every few minutes.

Each step is a function `step(now) -> int` returning how many rows it wrote, so
a second run at the same time writes nothing and returns 0 everywhere. Every
step works in short transactions of one batch each: killed at any moment, it
leaves whole batches behind, and the next run carries on from where the data
says it stopped (the flags, the unique reminder and digest rows are the
progress markers; there is no separate "last run" state to get out of step).

The visits app adds its step: `duties` raises and lapses the must-visit duties
(jiayuan.care.duties).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone, translation

from jiayuan.core import audit
from jiayuan.core.models import AuditAction, User
from jiayuan.core.roles import Perm, Role, roles_with
from jiayuan.core.scope import in_scope
from jiayuan.desk.choices import OPEN_STATUSES, EventKind, ReminderKind
from jiayuan.desk.models import Case, CaseEvent, DigestLog, Reminder
from jiayuan.desk.selectors import cases_for
from jiayuan.registry.models import Person

logger = logging.getLogger(__name__)

# Rows per transaction. Small enough that a batch holds its locks for a moment
# only; module-level so tests can shrink them to simulate a kill between batches.
SLA_BATCH = 2000
PERMIT_BATCH = 2000
# Lines per section of a digest e-mail; the rest is "and N more" with a link.
DIGEST_MAX_LINES = 30
# The actor name the audit log shows for the scheduler.
ACTOR = "tick"
# Arbitrary, fixed key of the PostgreSQL advisory lock that serialises runs.
PG_LOCK_KEY = 0x6A697975616E  # "jiyuan"


class StepIncomplete(Exception):
    """A step did part of its work and failed for some items (which stay to be
    retried by the next run). The command reports it and exits with status 1."""

    def __init__(self, done: int, failed: int) -> None:
        super().__init__(f"{done} done, {failed} failed")
        self.done, self.failed = done, failed


def _in_station_language() -> Any:
    """What the scheduler writes (timeline entries, e-mails) is in the
    station's language: staff accounts have no language of their own."""
    return translation.override(settings.LANGUAGE_CODE)


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


def _sla_params(response: bool, resolution: bool, row: dict[str, Any]) -> dict[str, str]:
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
        with transaction.atomic():
            audit.lock_tip()  # the audit lock first, as every service takes it
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
        with transaction.atomic():
            audit.lock_tip()
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
        with transaction.atomic():
            audit.lock_tip()
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
    with transaction.atomic():
        audit.lock_tip()
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


def step_permits(now: datetime) -> int:
    """Raise a reminder for each residence permit expiring within
    DESK_PERMIT_REMINDER_DAYS (people still here, households not moved out);
    close the ones nobody needs any more."""
    return (_raise_permit_reminders(now) + _close_permit_reminders(now)
            + _follow_moved_people())


def reminder_mark_done(*, actor: Any, reminder: Reminder) -> bool:
    """A worker marks a reminder done by hand. False when it already was."""
    if not (actor.is_authenticated and actor.has(Perm.WORK_CASES)):
        raise PermissionDenied
    if not in_scope(actor, reminder.grid_id):
        raise Http404
    now = timezone.now()
    with transaction.atomic():
        audit.lock_tip()
        n = Reminder.objects.filter(pk=reminder.pk, done_at__isnull=True).update(done_at=now)
        if n:
            # The person's name stays out of the log: the id is enough to trace it.
            audit.record(AuditAction.UPDATE, actor=actor, object_type="desk.reminder",
                         object_id=reminder.pk,
                         object_repr=f"{reminder.kind} {reminder.due.isoformat()}",
                         changes={"done_at": [None, now]})
    reminder.done_at = now if n else reminder.done_at
    return bool(n)


# --- 3. Daily digest e-mails --------------------------------------------------------

@dataclass
class Digest:
    overdue: list[dict[str, Any]] = field(default_factory=list)
    response_overdue: list[dict[str, Any]] = field(default_factory=list)
    due_today: list[dict[str, Any]] = field(default_factory=list)
    unassigned: list[dict[str, Any]] = field(default_factory=list)
    reminders: list[dict[str, Any]] = field(default_factory=list)
    # Must-visit duties assigned to the worker: counts only (the reasons are
    # sensitive and an e-mail leaves the station).
    duties_overdue: int = 0
    duties_due_today: int = 0
    # Disputes the worker mediated whose agreement is due to be checked.
    followups_due: int = 0

    @property
    def cases(self) -> int:
        return (len(self.overdue) + len(self.response_overdue) + len(self.due_today)
                + len(self.unassigned))

    @property
    def total(self) -> int:
        return (self.cases + len(self.reminders) + self.duties_overdue
                + self.duties_due_today + self.followups_due)


def _url(name: str, args: list[Any], fallback: str) -> str:
    try:
        path = reverse(name, args=args)
    except NoReverseMatch:
        path = fallback
    return settings.SITE_URL + path


def _case_line(case: Case) -> dict[str, Any]:
    # No summary and no requester: an e-mail leaves the station's control, so
    # it carries what a worker needs to find the case, nothing about the person.
    return {"ref": case.ref, "service": case.item.name, "due": case.due,
            "response_due": case.response_due,
            "url": _url("case_detail", [case.pk], f"/desk/cases/{case.pk}/")}


def _late_or_due(now: datetime, end_of_day: datetime) -> Q:
    return (Q(status__in=OPEN_STATUSES)
            & (Q(due__lt=end_of_day) | Q(acknowledged_at__isnull=True, response_due__lt=now)))


def build_digest(user: User, now: datetime) -> Digest:
    """What one worker should act on today: their open cases overdue, with a
    first response overdue, or due today; for heads, unassigned overdue cases
    of their community; for grid workers, open permit reminders in their grids
    (name and date only)."""
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + timedelta(days=1)
    digest = Digest()
    mine = (cases_for(user).filter(_late_or_due(now, end), owner_id=user.pk)
            .select_related("item").order_by("due", "pk"))
    for case in mine:
        line = _case_line(case)
        if case.due < now:
            digest.overdue.append(line)
        elif case.acknowledged_at is None and case.response_due < now:
            digest.response_overdue.append(line)
        else:
            digest.due_today.append(line)
    if user.role == Role.HEAD:
        late = Q(due__lt=now) | Q(acknowledged_at__isnull=True, response_due__lt=now)
        unassigned = cases_for(user).filter(late, status__in=OPEN_STATUSES, owner__isnull=True)
        if user.community_id:
            unassigned = unassigned.filter(community_id=user.community_id)
        digest.unassigned = [_case_line(c) for c in
                             unassigned.select_related("item").order_by("due", "pk")]
    grids = [g.pk for g in user.grids.all()]  # prefetched; explicit grids only
    if grids and user.has(Perm.VIEW_REGISTRY):
        digest.reminders = [
            {"name": r.person.name, "due": r.due}
            for r in Reminder.objects.filter(done_at__isnull=True, grid_id__in=grids)
            .select_related("person").only("due", "person__name").order_by("due", "pk")]
    if user.has(Perm.VIEW_VISITS):
        from jiayuan.care.choices import DutyStatus
        from jiayuan.care.selectors import duties_for

        today = start.date()
        owed = duties_for(user).filter(assignee_id=user.pk, status=DutyStatus.OPEN)
        n = owed.aggregate(late=Count("pk", filter=Q(due__lt=today)),
                           now=Count("pk", filter=Q(due=today)))
        digest.duties_overdue, digest.duties_due_today = n["late"], n["now"]
    if user.has(Perm.MEDIATE):
        from jiayuan.care.selectors import followups_due

        digest.followups_due = followups_due(user, start.date()).filter(
            mediators=user).count()
    return digest


def _digest_recipients() -> Any:
    return (User.objects.filter(is_active=True, role__in=roles_with(Perm.WORK_CASES)).exclude(email="")
            .prefetch_related("grids").order_by("pk"))


def _render_digest(user: User, digest: Digest, day: date) -> tuple[str, str]:
    def cut(lines: list[dict[str, Any]]) -> dict[str, Any]:
        return {"lines": lines[:DIGEST_MAX_LINES], "more": max(0, len(lines) - DIGEST_MAX_LINES)}

    context = {
        "user_name": user.display_name, "day": day, "digest": digest,
        "overdue": cut(digest.overdue), "response_overdue": cut(digest.response_overdue),
        "due_today": cut(digest.due_today), "unassigned": cut(digest.unassigned),
        "reminders": cut(digest.reminders),
        "queue_url": _url("desk_queue", ["mine"], "/desk/queue/mine/"),
        "reminders_url": _url("reminder_list", [], "/desk/reminders/"),
        "duties_url": _url("duty_list", [], "/care/duties/"),
        "followups_url": _url("dispute_list", [], "/care/disputes/") + "?tab=followups",
        "station_name": settings.STATION_NAME,
    }
    with _in_station_language():
        subject = render_to_string("desk/email/digest_subject.txt", context)
        body = render_to_string("desk/email/digest.txt", context)
    return " ".join(subject.split()), body


def step_digest(now: datetime) -> int:
    """Once per worker per local day, e-mail what they should act on.

    DigestLog(user, day) is the claim: created with sent_at NULL before
    sending, stamped after. A row with sent_at set is never sent again; a row
    still NULL (the run was killed between creating it and sending, or the mail
    server refused) is retried by the next run. The one residual duplicate: a
    run killed after the mail server accepted the message but before sent_at
    was stamped sends that worker a second e-mail the next time. Marking before
    sending would instead lose the e-mail in that case; a reminder sent twice
    is the lesser harm.

    A failure for one worker does not stop the others; the step then raises
    StepIncomplete so that the command exits with status 1.
    """
    day = timezone.localdate(now)
    done = set(DigestLog.objects.filter(day=day, sent_at__isnull=False)
               .values_list("user_id", flat=True))
    sent = failed = 0
    for user in _digest_recipients():
        if user.pk in done:
            continue
        with _in_station_language():  # service names are read in the active language
            digest = build_digest(user, now)
        if not digest.total:
            continue
        log, _created = DigestLog.objects.get_or_create(user=user, day=day,
                                                        defaults={"cases": digest.cases})
        if log.sent_at is not None:  # another run got there first
            continue
        try:
            subject, body = _render_digest(user, digest, day)
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
        except Exception:
            logger.exception("tick: the digest for user %s could not be sent", user.pk)
            failed += 1
            continue
        with transaction.atomic():
            audit.lock_tip()
            DigestLog.objects.filter(pk=log.pk).update(sent_at=timezone.now(),
                                                       cases=digest.cases)
            # Names of residents left the system by e-mail: that is a disclosure.
            audit.record(AuditAction.EXPORT, username=ACTOR, object_type="tick",
                         object_id="digest", object_repr=user.username,
                         changes={"to_user": user.pk, "cases": digest.cases,
                                  "reminders": len(digest.reminders)})
        sent += 1
    if failed:
        raise StepIncomplete(sent, failed)
    return sent


# --- the list the command runs --------------------------------------------------------

def step_duties(now: datetime) -> int:
    from jiayuan.care.duties import run

    return run(now)


STEPS: list[tuple[str, Callable[[datetime], int]]] = [
    ("sla", step_sla),
    ("permits", step_permits),
    # Before the digest, so a duty raised today is in today's e-mail.
    ("duties", step_duties),
    ("digest", step_digest),
]


@contextlib.contextmanager
def run_lock() -> Iterator[bool]:
    """Yield True when this process may run tick, False when another run holds
    the lock (several app servers may all have the timer).

    PostgreSQL: a session advisory lock, released on exit or when the
    connection drops (a killed run frees it). SQLite, a single machine by
    definition: an exclusive lock on a file next to the database.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [PG_LOCK_KEY])
            got = bool(cursor.fetchone()[0])
        try:
            yield got
        finally:
            if got:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [PG_LOCK_KEY])
        return
    if connection.vendor == "sqlite":
        name = str(connection.settings_dict["NAME"])
        path = (Path(name + ".tick-lock") if "memory" not in name and name
                else Path(settings.VAR_DIR) / "tick.lock")
        with path.open("a") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
        return
    yield True
