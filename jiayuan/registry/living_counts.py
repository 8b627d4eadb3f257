"""Households and people living here, from the counts PostgreSQL keeps
(migration 0011: statement-level triggers on registry_household and
registry_person append, per grid, residency category and day, what starts and
ends living that day; those living on a day are the sum up to it; `tick`
folds the rows once a day, `compact`).

Used only when it can be shown at read time that they are kept: PostgreSQL,
the nine triggers present and firing ALWAYS (a trigger disabled and enabled
again fires ORIGIN: the writes in between were not counted, so the counts are
not used until `manage.py living_counts --repair`), the counts marked
trustworthy (a TRUNCATE of the registry or of the counts unmarks them, and
so does tick's daily check if they drifted) and the day asked for not before
their floor. Otherwise, and always on SQLite, the registry's figures count the
people (jiayuan.registry.metrics). `recount` is the operator's check."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.core.exceptions import EmptyResultSet
from django.db import connections, router, transaction
from django.db.models import Sum
from django.utils import timezone

from jiayuan.core import metrics
from jiayuan.core.metrics import Place
from jiayuan.core.models import User
from jiayuan.core.scope import filter_by_grid
from jiayuan.registry.models import LivingCount, LivingCountState

TRIGGERS = tuple(f"{name}_{op}" for name in ("registry_living_person",
                                             "registry_living_household")
                 for op in ("insert", "delete", "update", "truncate")
                 ) + ("registry_livingcount_truncate",)
logger = logging.getLogger(__name__)
FOLD = date(1, 1, 1)  # the row the days before the floor are folded into

# The triggers first: without them (the code deployed before its migration)
# the counts' tables may not exist either.
_GATE = """SELECT count(*) FROM pg_trigger t
 WHERE t.tgrelid IN (to_regclass('registry_person'), to_regclass('registry_household'),
                    to_regclass('registry_livingcount'))
   AND t.tgname = ANY(%s) AND t.tgenabled = 'A'"""

# The counts as they should be: every household's and person's start (+1)
# and stop (-1), the days before `floor` folded into FOLD.
_EXPECTED = """SELECT x.grid_id, x.residency,
       CASE WHEN d.day < %(floor)s THEN %(fold)s ELSE d.day END AS day,
       sum(x.hn * d.k) AS households, sum(x.pn * d.k) AS people
  FROM (SELECT grid_id, residency, moved_in AS start, moved_out AS stop, 1 AS hn, 0 AS pn
          FROM registry_household
        UNION ALL
        SELECT p.grid_id, h.residency, h.moved_in, least(p.left_on, h.moved_out), 0, 1
          FROM registry_person p JOIN registry_household h ON h.id = p.household_id) x,
       LATERAL (VALUES (x.start, 1), (x.stop, -1)) d(day, k)
 WHERE d.day IS NOT NULL AND (x.stop IS NULL OR x.stop > x.start)
 GROUP BY 1, 2, 3 HAVING sum(x.hn * d.k) <> 0 OR sum(x.pn * d.k) <> 0"""

_KEPT = """SELECT grid_id, residency,
       CASE WHEN day < %(floor)s THEN %(fold)s ELSE day END AS day,
       sum(households) AS households, sum(people) AS people
  FROM registry_livingcount
 GROUP BY 1, 2, 3 HAVING sum(households) <> 0 OR sum(people) <> 0"""


# Taken by compact and by a repair, so one waits for the other's commit.
_STATE_LOCK = "SELECT floor FROM registry_livingcountstate WHERE id = 1 FOR UPDATE"


def floor(alias: str) -> date | None:
    """The first day the counts on `alias` answer for, or None if they are
    not shown to be kept there (not PostgreSQL, a trigger missing or not
    firing ALWAYS, a TRUNCATE since the last recount)."""
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(_GATE, [list(TRIGGERS)])
        if cursor.fetchone()[0] != len(TRIGGERS):
            return None
        cursor.execute("SELECT floor FROM registry_livingcountstate WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else None


def living_by_residency(model: str, actor: User, day: date,
                        place: Place) -> dict[str, int] | None:
    """Households or people (`model`) living in `place` on `day` as the
    reader's scope holds them, by residency category, from the kept counts;
    None when they can't be shown to be kept (count the people instead).
    The check is made once per reading (metrics.reading), else per call."""
    alias = router.db_for_read(LivingCount)
    if connections[alias].vendor != "postgresql":
        return None
    since = metrics.shared(("registry.living_floor", alias), lambda: floor(alias))
    if since is None or day < since:
        return None
    qs = place.filter(filter_by_grid(LivingCount.objects.using(alias), actor))
    try:
        sql, params = (qs.filter(day__lte=day).order_by().values("residency")
                       .annotate(n=Sum(model)).values_list("residency", "n")
                       ).query.sql_with_params()
    except EmptyResultSet:  # a scope of no grid: nothing living in it
        return {}
    # The floor again, in the same statement as the sum: a fold committed
    # since the check above (a `tick`) is seen by both or by neither.
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT s.floor, c.residency, c.n FROM registry_livingcountstate s "  # noqa: S608 (Django's own SQL)
                       f"LEFT JOIN ({sql}) c ON true WHERE s.id = 1", params)
        rows = cursor.fetchall()
    if not rows or rows[0][0] is None or day < rows[0][0]:
        return None
    return {residency: n for _floor, residency, n in rows if residency is not None and n}


def _both(cursor, on: date) -> tuple[dict, dict]:
    """The kept counts and the expected ones, read in one statement (one
    snapshot: a write committed between two reads would show as drift)."""
    cursor.execute(f"SELECT 'k', * FROM ({_KEPT}) k UNION ALL SELECT 'e', * FROM ({_EXPECTED}) e",  # noqa: S608
                   {"floor": on, "fold": FOLD})
    out: tuple[dict, dict] = ({}, {})
    for which, g, r, d, h, p in cursor.fetchall():
        out[which == "e"][(g, r, d)] = (h, p)
    return out


def recount(repair: bool = False, using: str = "default",
            since: date | None = None) -> list[str]:
    """The kept counts against a count of the registry: one line per grid,
    residency and day that differs, and what else keeps them from being used
    (empty: they are used, and exact). With `repair`, they are rewritten from
    the count (folded up to `since`, by default yesterday), the triggers set
    to fire ALWAYS and the counts marked trustworthy, in one transaction that
    holds writers of the registry back while it counts, and waits for a
    `compact` under way (it takes the same lock)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return []
    problems: list[str] = []
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if repair:
            # compact's lock first: a fold under way commits before the counts
            # are read and deleted (else the rows it re-inserts stayed too), and
            # the registry's writers are not held back while the repair waits for
            # it (or for the daily check, which holds it through a recount).
            cursor.execute(_STATE_LOCK)
            cursor.execute("LOCK TABLE registry_household, registry_person IN SHARE MODE")
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname = ANY(%s)", [list(TRIGGERS)])
        present = {name for (name,) in cursor.fetchall()}
        problems += [f"trigger {name} is missing" for name in TRIGGERS if name not in present]
        state = LivingCountState.objects.using(using).filter(pk=1).first()
        kept_floor = state.floor if state else None
        if kept_floor is None:
            problems.append("the counts are not marked trustworthy (a TRUNCATE, or never filled)")
        elif floor(using) is None:
            problems.append("a trigger does not fire ALWAYS (disabled since the last recount?)")
        on = kept_floor or timezone.localdate()
        kept, expected = _both(cursor, on)
        for key in sorted(set(kept) | set(expected), key=str):
            if kept.get(key, (0, 0)) != expected.get(key, (0, 0)):
                problems.append("grid {} {} {}: kept {} expected {} (households, people)".format(
                    *key, kept.get(key, (0, 0)), expected.get(key, (0, 0))))
        if repair and (problems or since is not None):
            if present != set(TRIGGERS):
                raise RuntimeError("A trigger is missing: run `manage.py migrate registry`.")
            _rewrite(cursor, since or timezone.localdate() - timedelta(days=1))
    return problems


def distrust_if_drifted(using: str = "default") -> list[str]:
    """The daily check (`tick`): `recount` without repair, holding
    compact's lock; if anything differs, the counts are marked not
    trustworthy, so the figures count the people until an operator runs
    `manage.py living_counts --repair`. Logged. Returns the problems."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return []
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(_STATE_LOCK)
        problems = recount(using=using)
        if problems:
            cursor.execute("UPDATE registry_livingcountstate SET floor = NULL WHERE id = 1")
    if problems:
        logger.warning("Living counts: %d problem(s), not used until `manage.py living_counts "
                       "--repair`: %s", len(problems), "; ".join(problems[:5]))
    return problems


def _rewrite(cursor, since: date) -> None:
    cursor.execute("SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c "
                   "ON c.oid = t.tgrelid WHERE t.tgname = ANY(%s) AND t.tgenabled <> 'A'",
                   [list(TRIGGERS)])
    for table, name in cursor.fetchall():
        cursor.execute(f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {name}")
    cursor.execute("DELETE FROM registry_livingcount")
    cursor.execute("INSERT INTO registry_livingcount (grid_id, residency, day, households, people) "
                   + _EXPECTED, {"floor": since, "fold": FOLD})
    cursor.execute("DELETE FROM registry_livingcountstate")
    cursor.execute("INSERT INTO registry_livingcountstate (id, floor) VALUES (1, %s)", [since])


def compact(using: str = "default", today: date | None = None) -> int:
    """Fold the rows the triggers appended into one per grid, category and
    day, and the days before yesterday into FOLD (for `tick`, once a day), so
    a reading sums a few rows per grid. Exact: every sum from the new floor
    on is unchanged. Takes no table lock: rows appended meanwhile by others
    are not seen, so not deleted, and stay as they are. Returns the rows
    removed (0 if already folded today, or not PostgreSQL)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return 0
    since = (today or timezone.localdate()) - timedelta(days=1)
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(_STATE_LOCK)
        row = cursor.fetchone()
        if not row or row[0] is None or row[0] >= since:
            return 0
        cursor.execute(
            """WITH gone AS (DELETE FROM registry_livingcount
                             RETURNING grid_id, residency, day, households, people),
                    kept AS (INSERT INTO registry_livingcount
                                    (grid_id, residency, day, households, people)
                             SELECT grid_id, residency,
                                    CASE WHEN day < %(since)s THEN %(fold)s ELSE day END,
                                    sum(households), sum(people)
                               FROM gone GROUP BY 1, 2, 3
                             HAVING sum(households) <> 0 OR sum(people) <> 0 RETURNING 1)
               SELECT (SELECT count(*) FROM gone) - (SELECT count(*) FROM kept)""",
            {"since": since, "fold": FOLD})
        removed = cursor.fetchone()[0]
        cursor.execute("UPDATE registry_livingcountstate SET floor = %s WHERE id = 1", [since])
    return int(removed)
