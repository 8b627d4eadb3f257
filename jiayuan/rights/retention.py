"""Retention: how long each kind of record is kept, applied by `manage.py tick`.

Each rule names a kind of record, its period (a setting, docs/data-protection.md
section 11), which rows are due at a moment (`due(now)`) and what is done to
them (`apply(now)`). `apply` acts on every due row in one transaction and
writes one audit entry per run and rule, with the count and the boundary,
never one per row and never a name. A rule whose rows are each a unit of work
of their own (`own_transactions`: the anonymisation) acts in one transaction
per row, and its entry is written after them. A run that finds nothing writes nothing,
so a second run at the same moment returns 0.

`report(now)` says what the next run will do and what falls due within
REPORT_DAYS: counts and the oldest date per rule, nothing that names anyone
(`manage.py retention --report`, the page /rights/retention/).

Archived households are anonymised after RETENTION_ANONYMISE_YEARS: every
person of the household is erased by the erasure service's system path
(`jiayuan.rights.erasure.erase_person(actor=None, reason=RETENTION)`, with its
own entries) and the household's note is cleared; the rule's entry counts the
households. Each person's erasure is one transaction (a long first run does not
hold the audit lock for all of them, nor one erasure's redaction while the next
locks its rows); a household that fails is logged, without a name, and left for
the next run, which erases the people still named, while the others are
committed), and a run takes at most
ANONYMISE_PER_RUN households (the rest fall to the next ticks).

Not here: staff sessions (core's `sessions` job ends and deletes them).
"""

from __future__ import annotations

import calendar
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Exists, Min, OuterRef, Q, QuerySet
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jiayuan.core import audit, scheduler
from jiayuan.core.models import AuditAction
from jiayuan.desk.models import PortalHit, PortalProof
from jiayuan.desk.services.portal_pow import POW_MAX_AGE
from jiayuan.registry.models import ERASED_NAME, Household, Person
from jiayuan.rights.erasure import ErasureReason, erase_person
from jiayuan.rights.roster_rows import forget_cells, holds_cells
from jiayuan.sheets.models import ImportBatch, ImportCheckRow

logger = logging.getLogger(__name__)

# The report looks this many days ahead.
REPORT_DAYS = 30
# What the audit entries are about (object_type); the rule's name is the object_id.
OBJECT_TYPE = "rights.retention"
# The most archived households one run anonymises; the rest wait for the next tick.
ANONYMISE_PER_RUN = 200


def months_before(day: date, months: int) -> date:
    """The same day `months` earlier (the month's last day when it is shorter:
    31 March less one month is 28 or 29 February)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


@dataclass(frozen=True)
class Rule:
    """One kind of record and what happens to it when its period is over."""

    name: str  # the audit entry's object_id and the report's key
    label: Promise  # what is kept, as the report's row says it
    action: Promise  # what is done when the period is over
    period: Callable[[], str]  # the period, in words (from the setting, read each time)
    due: Callable[[datetime], QuerySet[Any]]  # rows due at that moment
    dated_by: str  # the field whose oldest value the report shows
    act: Callable[[QuerySet[Any], datetime], int]  # does it; returns the rows acted on
    audit_action: str
    boundary: Callable[[datetime], date | datetime]  # rows dated up to this are due
    # `act` opens a transaction per row itself (audit.batch), and one row's
    # failure does not undo the others: no transaction around it all.
    own_transactions: bool = False

    def label_msgid(self) -> str:
        """The label as its msgid (the source text, no language): what the audit
        entry stores, translated for each reader on read (audit_text)."""
        with translation.override(None):
            return str(self.label)

    def apply(self, now: datetime) -> int:
        """Act on every row due at `now`, in one transaction with one audit
        entry (none when nothing is due); with `own_transactions`, the rule's
        `act` commits row by row and the entry follows in its own."""
        if self.own_transactions:
            done = self.act(self.due(now), now)
            if done:
                with audit.batch():
                    self._record(now, done)
            return done
        with audit.batch():
            done = self.act(self.due(now), now)
            if done:
                self._record(now, done)
        return done

    def _record(self, now: datetime, done: int) -> None:
        edge = self.boundary(now)
        audit.record(self.audit_action, username=scheduler.ACTOR, ip="",
                     object_type=OBJECT_TYPE, object_id=self.name,
                     object_repr=self.label_msgid(),
                     changes={"rule": self.name, "count": done,
                              "dated_up_to": edge.isoformat()})


# --- moved-out households: archived ---------------------------------------------------

def _household_edge(now: datetime) -> date:
    return months_before(timezone.localdate(now), settings.RETENTION_HOUSEHOLD_ARCHIVE_MONTHS)


def _households_due(now: datetime) -> QuerySet[Any]:
    return Household.objects.filter(moved_out__isnull=False, archived_on__isnull=True,
                                    moved_out__lte=_household_edge(now))


def _archive(rows: QuerySet[Any], now: datetime) -> int:
    return rows.update(archived_on=timezone.localdate(now))


def _months() -> str:
    n = settings.RETENTION_HOUSEHOLD_ARCHIVE_MONTHS
    return gettext("%(n)d months after moving out") % {"n": n}


# --- uploaded roster files: deleted ---------------------------------------------------

def _roster_edge(now: datetime) -> datetime:
    return now - timedelta(days=settings.RETENTION_ROSTER_FILE_DAYS)


def _rosters_due(now: datetime) -> QuerySet[Any]:
    """Batches uploaded up to the edge that still keep their file, or cells
    copied from it (rights.roster_rows: check rows, samples, names): a batch
    whose file an earlier run deleted is due until those are gone too."""
    edge = _roster_edge(now)
    old = ImportBatch.objects.filter(created_at__lte=edge)
    ids = set(old.exclude(file="").values_list("pk", flat=True))
    ids.update(ImportCheckRow.objects.filter(batch__created_at__lte=edge)
               .values_list("batch_id", flat=True).distinct())
    ids.update(b.pk for b in old.filter(file="").exclude(pk__in=ids).only(
        "pk", "book", "not_imported", "check_state", "check_summary") if holds_cells(b))
    return ImportBatch.objects.filter(pk__in=ids)


def _delete_files(rows: QuerySet[Any], now: datetime) -> int:
    """Delete each stored file, then forget its name and the cells the batch
    copied from it (rights.roster_rows: its check rows, samples and the names
    of rows left out); the batch, its counts and its undo records stay. File
    first: a run killed in between leaves a name whose file is gone, which the
    next run clears (deleting a missing file is no error), never a file
    nobody points to."""
    done = []
    for batch in rows.only("pk", "file"):
        if batch.file:
            batch.file.storage.delete(batch.file.name)
            ImportBatch.objects.filter(pk=batch.pk).update(file="")
        done.append(batch.pk)
    forget_cells(done)
    return len(done)


def _days() -> str:
    n = settings.RETENTION_ROSTER_FILE_DAYS
    return gettext("%(n)d days after the upload") % {"n": n}


# --- the portal's rate-limit records: deleted -----------------------------------------

def _hit_edge(now: datetime) -> datetime:
    return now - timedelta(hours=settings.RETENTION_PORTAL_HIT_HOURS)


def _hits_due(now: datetime) -> QuerySet[Any]:
    # The limits count the last hour only (desk.services.portal): a period of
    # an hour or more never takes a row they still need.
    return PortalHit.objects.filter(at__lte=_hit_edge(now))


def _proof_edge(now: datetime) -> datetime:
    return now - timedelta(seconds=POW_MAX_AGE)


def _proofs_due(now: datetime) -> QuerySet[Any]:
    # A used proof of work is kept only while its challenge could be replayed.
    return PortalProof.objects.filter(at__lte=_proof_edge(now))


def _delete(rows: QuerySet[Any], now: datetime) -> int:
    return rows.delete()[0]


def _hours() -> str:
    n = settings.RETENTION_PORTAL_HIT_HOURS
    return gettext("%(n)d hours") % {"n": n}


def _proof_minutes() -> str:
    n = POW_MAX_AGE // 60
    return gettext("%(n)d minutes") % {"n": n}


# --- archived households: anonymised -------------------------------------------------

def _anonymise_edge(now: datetime) -> date:
    return months_before(timezone.localdate(now), settings.RETENTION_ANONYMISE_YEARS * 12)


def _archived_due(now: datetime) -> QuerySet[Any]:
    # Done once every person is a tombstone and the note is empty: a second
    # run finds nothing.
    named = Person.objects.filter(household_id=OuterRef("pk")).exclude(name=ERASED_NAME)
    return Household.objects.filter(archived_on__isnull=False,
                                    archived_on__lte=_anonymise_edge(now)).filter(
        Exists(named) | ~Q(note=""))


def _anonymise_one(household: Household) -> None:
    """Each person of the household erased by the system, members before the
    head (the head of a household with other current members is refused),
    each erasure a transaction of its own: an erasure's redaction holds the
    audit lock to its commit, and the next erasure's row locks must not be
    taken under it (a writer holding one of those rows would wait for the
    lock it holds: a deadlock). The note is cleared last; a household left
    half done is still due (a named member or a note) and the next run
    erases the rest."""
    people = (Person.objects.filter(household=household).exclude(name=ERASED_NAME)
              .order_by("pk"))
    for person in sorted(people, key=lambda p: p.pk == household.head_id):
        erase_person(actor=None, person=person, reason=ErasureReason.RETENTION)
    with audit.batch():
        Household.objects.filter(pk=household.pk).update(note="")


def _anonymise(rows: QuerySet[Any], now: datetime) -> int:
    """The oldest ANONYMISE_PER_RUN due households, person by person (each
    erasure committed on its own, `_anonymise_one`): a household that fails is
    logged (by its number, never a name) and due again next run, its people
    erased so far staying erased; the others stay done. Returns the
    households done."""
    done = 0
    for household in list(rows.order_by("archived_on", "pk")[:ANONYMISE_PER_RUN]):
        try:
            _anonymise_one(household)
        except Exception:
            logger.exception("retention: anonymising household #%s failed", household.pk)
            continue
        done += 1
    return done


def _years() -> str:
    n = settings.RETENTION_ANONYMISE_YEARS
    return gettext("%(n)d years after archiving") % {"n": n}


RULES: tuple[Rule, ...] = (
    Rule("households", _("Moved-out households"), _("archived"), _months, _households_due,
         "moved_out", _archive, AuditAction.UPDATE, _household_edge),
    Rule("roster_files", _("Uploaded roster files"), _("file deleted, import kept"), _days,
         _rosters_due, "created_at", _delete_files, AuditAction.DELETE, _roster_edge),
    Rule("portal_hits", _("Portal rate-limit records"), _("deleted"), _hours, _hits_due,
         "at", _delete, AuditAction.DELETE, _hit_edge),
    Rule("portal_proofs", _("Used portal proofs of work"), _("deleted"), _proof_minutes,
         _proofs_due, "at", _delete, AuditAction.DELETE, _proof_edge),
    Rule("anonymise_households", _("Archived households"),
         _("every person's data erased, the household's note cleared"), _years,
         _archived_due, "archived_on", _anonymise, AuditAction.DELETE, _anonymise_edge,
         own_transactions=True),
)


def apply_all(now: datetime) -> tuple[int, int]:
    """Apply every rule: (rows acted on, rules that failed). A rule that fails
    is logged and the others still run (the job reports it)."""
    done = failed = 0
    for rule in RULES:
        try:
            done += rule.apply(now)
        except Exception:
            logger.exception("retention: rule %s failed", rule.name)
            failed += 1
    return done, failed


# --- the report -----------------------------------------------------------------------

@dataclass(frozen=True)
class Line:
    """One rule in the report: counts and dates, no names."""

    name: str
    label: str
    action: str
    period: str
    due_now: int
    oldest: date | None  # the oldest record due at the next run
    due_soon: int  # due within REPORT_DAYS (the next run's included)
    soon_oldest: date | None


def _oldest(rows: QuerySet[Any], field: str) -> date | None:
    value = rows.aggregate(v=Min(field))["v"]
    if isinstance(value, datetime):
        return timezone.localdate(value)
    return value


def report(now: datetime | None = None, *, days: int = REPORT_DAYS) -> list[Line]:
    """What the next run will do, and what falls due within `days`."""
    now = now or timezone.now()
    later = now + timedelta(days=days)
    lines = []
    for rule in RULES:
        due, soon = rule.due(now), rule.due(later)
        lines.append(Line(rule.name, str(rule.label), str(rule.action), rule.period(),
                          due.count(), _oldest(due, rule.dated_by), soon.count(),
                          _oldest(soon, rule.dated_by)))
    return lines
