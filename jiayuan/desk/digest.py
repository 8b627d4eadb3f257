"""The daily digest: one e-mail per worker per day with what they should act
on, sent by the `digest` job of `manage.py tick` (registered in desk/jobs.py).

The desk writes its own sections (cases, residence-permit reminders). Other
apps add theirs without the desk knowing them: a function registered with
`contribute` gets the worker and the day and returns a `Section` (a title,
lines of text and a link) or None. The visits app contributes its must-visit
duties and mediation follow-ups this way (jiayuan/care/digest.py), so the desk
imports nothing of it. What leaves the station by e-mail is the contributor's
responsibility: counts and links, never a resident's sensitive details.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import send_mail
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from jiayuan.core import audit
from jiayuan.core.models import AuditAction, User
from jiayuan.core.roles import Perm, Role, roles_with
from jiayuan.core.scheduler import ACTOR, JobIncomplete
from jiayuan.core.urls_public import public_url
from jiayuan.desk.choices import OPEN_STATUSES
from jiayuan.desk.models import Case, DigestLog, Reminder
from jiayuan.desk.selectors import cases_for

logger = logging.getLogger(__name__)

# Lines per section of a digest e-mail; the rest is "and N more" with a link.
DIGEST_MAX_LINES = 30


@dataclass(frozen=True)
class Section:
    """What another app adds to one worker's digest: `count` things to act on
    (added to the total the subject announces), a title, lines of text and a
    link line, already in the station's language. A section counting 0 is left out."""

    count: int
    title: str
    lines: list[str]
    link: str


Contribution = Callable[[User, datetime, date], Section | None]
C = TypeVar("C", bound=Contribution)

_contributions: dict[str, tuple[int, Contribution]] = {}


def contribute(name: str, *, order: int = 100) -> Callable[[C], C]:
    """Decorator: `func(user, now, today) -> Section | None` adds a section to
    every digest, after the desk's own, in ascending `order`."""

    def decorator(func: C) -> C:
        taken = _contributions.get(name)
        if taken is not None and (taken[1].__module__, taken[1].__qualname__) != (
                func.__module__, func.__qualname__):
            raise ImproperlyConfigured(f"The digest section {name!r} is contributed twice.")
        _contributions[name] = (order, func)
        return func

    return decorator


def contributions() -> list[tuple[str, Contribution]]:
    return [(name, func) for name, (_order, func)
            in sorted(_contributions.items(), key=lambda item: (item[1][0], item[0]))]


def _in_station_language() -> Any:
    """What the scheduler writes (timeline entries, e-mails) is in the
    station's language: staff accounts have no language of their own."""
    return translation.override(settings.LANGUAGE_CODE)


@dataclass
class Digest:
    overdue: list[dict[str, Any]] = field(default_factory=list)
    response_overdue: list[dict[str, Any]] = field(default_factory=list)
    due_today: list[dict[str, Any]] = field(default_factory=list)
    unassigned: list[dict[str, Any]] = field(default_factory=list)
    reminders: list[dict[str, Any]] = field(default_factory=list)
    # What the other apps contributed (counts and links: an e-mail leaves the station).
    sections: list[Section] = field(default_factory=list)

    @property
    def cases(self) -> int:
        return (len(self.overdue) + len(self.response_overdue) + len(self.due_today)
                + len(self.unassigned))

    @property
    def total(self) -> int:
        return self.cases + len(self.reminders) + sum(s.count for s in self.sections)


def site_url(name: str, args: list[Any], fallback: str) -> str:
    """The absolute address of a page, for a link in an e-mail."""
    try:
        path = reverse(name, args=args)
    except NoReverseMatch:
        path = fallback
    return public_url(path)


def _case_line(case: Case) -> dict[str, Any]:
    # No summary and no requester: an e-mail leaves the station's control, so
    # it carries what a worker needs to find the case, nothing about the person.
    return {"ref": case.ref, "service": case.item.name, "due": case.due,
            "response_due": case.response_due,
            "url": site_url("case_detail", [case.pk], f"/desk/cases/{case.pk}/")}


def _late_or_due(now: datetime, end_of_day: datetime) -> Q:
    return (Q(status__in=OPEN_STATUSES)
            & (Q(due__lt=end_of_day) | Q(acknowledged_at__isnull=True, response_due__lt=now)))


def build_digest(user: User, now: datetime) -> Digest:
    """What one worker should act on today: their open cases overdue, with a
    first response overdue, or due today; for heads, unassigned overdue cases
    of their community; for grid workers, open permit reminders in their grids
    (name and date only); then what the other apps contribute (`contribute`).
    Called in the station's language: the sections' texts are written in it."""
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
    for _name, contribution in contributions():
        section = contribution(user, now, start.date())
        if section is not None and section.count:
            digest.sections.append(section)
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
        "queue_url": site_url("desk_queue", ["mine"], "/desk/queue/mine/"),
        "reminders_url": site_url("reminder_list", [], "/desk/reminders/"),
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
    JobIncomplete so that the command exits with status 1.
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
        with audit.batch():
            DigestLog.objects.filter(pk=log.pk).update(sent_at=timezone.now(),
                                                       cases=digest.cases)
            # Names of residents left the system by e-mail: that is a disclosure.
            audit.record(AuditAction.EXPORT, username=ACTOR, object_type="tick",
                         object_id="digest", object_repr=user.username,
                         changes={"to_user": user.pk, "cases": digest.cases,
                                  "reminders": len(digest.reminders)})
        sent += 1
    if failed:
        raise JobIncomplete(sent, failed)
    return sent


