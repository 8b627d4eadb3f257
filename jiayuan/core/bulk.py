"""Fast inserts of many ready rows: COPY on PostgreSQL, executemany elsewhere.

For the tables with by far the most rows (people, households and search keys)
when loading the demo or importing a roster; everything else goes through
bulk_create.

    insert_rows(table, columns, rows)     tuples of database values
    insert_dicts(model, rows)             dicts of {attname: value}; a column left
                                          out gets its field's default
    reserve_ids(model, n)                 primary keys to write rows with, so rows
                                          that point at each other are written
                                          once, with no update afterwards
    with Writer() as w: w.insert(...)     the same inserts on a worker thread, so
                                          the caller prepares the next rows while
                                          the database writes the last ones
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import ForeignKey, Model


def _sql(table: str, columns: list[str]) -> str:
    """COPY on PostgreSQL, an INSERT for the driver's executemany elsewhere."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    if connection.vendor == "postgresql":
        return f"COPY {quote(table)} ({names}) FROM STDIN"
    marks = ", ".join(["?"] * len(columns))
    return f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})"  # noqa: S608


def _write(raw: Any, sql: str, rows: Iterable[tuple]) -> None:
    """Run `_sql`'s statement on the driver's own connection `raw`."""
    if connection.vendor == "postgresql":
        with raw.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
    else:
        raw.executemany(sql, rows)


def insert_rows(table: str, columns: list[str], rows: Iterable[tuple]) -> None:
    """Insert `rows` (tuples of database values, in `columns` order) into `table`."""
    connection.ensure_connection()
    connection.validate_no_broken_transaction()
    with connection.wrap_database_errors:
        _write(connection.connection, _sql(table, columns), rows)


def model_rows(model: type[Model], rows: Iterable[dict[str, Any]], *,
               with_id: bool = False) -> tuple[str, list[str], Iterable[tuple]]:
    """(table, columns, tuples) for dicts of {attname: database value}."""
    fields = [f for f in model._meta.concrete_fields if with_id or not f.primary_key]
    defaults: dict[str, Any] = {}
    for f in fields:
        default = f.get_default() if f.has_default() or not f.null else None
        if f.get_internal_type() == "JSONField":
            default = json.dumps(default)
        defaults[f.attname] = default
    names, values = list(defaults), list(defaults.values())
    columns = [f.column for f in fields]
    # map(r.get, names, values) is r.get(name, default) for each column, in C.
    return model._meta.db_table, columns, (tuple(map(r.get, names, values)) for r in rows)


def insert_dicts(model: type[Model], rows: Iterable[dict[str, Any]], *,
                 with_id: bool = False) -> None:
    insert_rows(*model_rows(model, rows, with_id=with_id))


def reserve_ids(model: type[Model], n: int) -> list[int]:
    """n primary keys for rows of `model` that the caller inserts later in the same
    transaction. On PostgreSQL they come from the table's sequence (safe with other
    writers); on SQLite they follow the largest in use, which is safe because a
    transaction holds the write lock from its start (BEGIN IMMEDIATE, settings.py)."""
    if not n:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
                           "FROM generate_series(1, %s)", [table, n])
            return [r[0] for r in cursor.fetchall()]
        quoted = connection.ops.quote_name(table)
        cursor.execute(f"SELECT MAX(m) FROM (SELECT MAX(id) AS m FROM {quoted} "  # noqa: S608
                       "UNION ALL SELECT seq FROM sqlite_sequence WHERE name = %s)", [table])
        first = (cursor.fetchone()[0] or 0) + 1
        return list(range(first, first + n))


_DONE = object()
# Page cache while a Writer runs on SQLite. 16 MiB: at 64 MiB a 100k-row import peaked
# at 437 MB (goal 400) for about 3% less time (bench/imports.py, docs/scale.md).
SQLITE_CACHE_KIB = 16384


class Writer:
    """Inserts on a worker thread, in order, on the caller's connection (and so
    inside its transaction). The caller must not use the database until the
    `with` block ends; the block's end waits for the last insert and raises the
    first database error (as Django's, e.g. IntegrityError; inline, the insert
    raises it), after which the transaction must be rolled back, as any failed
    statement requires.

    PostgreSQL spends most of a big insert maintaining indexes and checking keys;
    meanwhile the caller, which holds the GIL only while it computes, prepares the
    next rows. At most `depth` batches wait, so memory stays bounded. On SQLite the
    inserts run in the caller's thread, when they are given: sqlite3 takes the GIL
    back for every row, and with a busy caller each row then waits for the
    interpreter's switch interval (measured: 14 s instead of 1 s for 100k rows).

    `checked_now` names foreign keys, as (model, field name), that PostgreSQL
    should check as each batch is written rather than at COMMIT (Django makes
    them DEFERRABLE INITIALLY DEFERRED): the checks then run on the worker's time,
    while the caller computes, instead of after everything. Only for keys whose
    targets exist by then (written earlier, or by an earlier insert of this Writer).
    """

    def __init__(self, depth: int = 2,
                 checked_now: Iterable[tuple[type[Model], str]] = ()) -> None:
        connection.ensure_connection()
        self.raw = connection.connection
        self.postgres = connection.vendor == "postgresql"
        self.constraints = _foreign_keys(checked_now) if self.postgres else []
        self.jobs: queue.Queue = queue.Queue(maxsize=depth)
        self.error: BaseException | None = None
        self.cancelled = False  # the caller failed: pending inserts are dropped
        self.thread = threading.Thread(target=self._run, name="bulk-writer", daemon=True)
        self.threaded = self.postgres

    def __enter__(self) -> Writer:
        if self.constraints:
            self.raw.execute(f"SET CONSTRAINTS {', '.join(self.constraints)} IMMEDIATE")
        if not self.postgres:
            # Room for the indexes' pages: inserting keys in random order into
            # B-trees bigger than SQLite's default 2 MB cache rereads pages all along.
            self.cache = self.raw.execute("PRAGMA cache_size").fetchone()[0]
            self.raw.execute(f"PRAGMA cache_size = {-SQLITE_CACHE_KIB}")
        if self.threaded:
            self.thread.start()
        return self

    def insert(self, table: str, columns: list[str], rows: Iterable[tuple]) -> None:
        if self.error is not None:
            return
        if self.threaded:
            self.jobs.put((_sql(table, columns), list(rows)))
        else:
            self._write(_sql(table, columns), rows)
            self._raise()

    def insert_dicts(self, model: type[Model], rows: Iterable[dict[str, Any]], *,
                     with_id: bool = False) -> None:
        self.insert(*model_rows(model, rows, with_id=with_id))

    def _run(self) -> None:
        while (job := self.jobs.get()) is not _DONE:
            if self.error is None and not self.cancelled:  # else drain
                self._write(*job)

    def _write(self, sql: str, rows: Iterable[tuple]) -> None:
        try:
            _write(self.raw, sql, rows)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            self.error = exc

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if self.threaded:
            self.cancelled = exc is not None
            self.jobs.put(_DONE)
            self.thread.join()
        if not self.postgres:
            self.raw.execute(f"PRAGMA cache_size = {int(self.cache)}")
        elif self.constraints and self.error is None and exc is None:
            self.raw.execute(f"SET CONSTRAINTS {', '.join(self.constraints)} DEFERRED")
        if exc is None:
            self._raise()

    def _raise(self) -> None:
        if self.error is not None:
            error, self.error = self.error, None
            with connection.wrap_database_errors:
                raise error


def _foreign_keys(fields: Iterable[tuple[type[Model], str]]) -> list[str]:
    """The quoted names of the database constraints of these foreign keys."""
    names: list[str] = []
    with connection.cursor() as cursor:
        for model, name in fields:
            field = model._meta.get_field(name)
            if not isinstance(field, ForeignKey):
                raise TypeError(f"{model.__name__}.{name} is not a foreign key")
            column = field.column
            found = [n for n, c in connection.introspection.get_constraints(
                cursor, model._meta.db_table).items() if c["foreign_key"] and
                c["columns"] == [column]]
            names.extend(connection.ops.quote_name(n) for n in found)
    return names
