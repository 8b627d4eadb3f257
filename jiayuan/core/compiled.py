"""Reads whose SQL is compiled once per shape and bound to new ids per call.

A page that shows one household runs the same dozen statements for every
household: only the ids differ. Django builds each queryset (filters, joins,
deferred columns) and compiles it to SQL again every time, a fixed cost of
about half a millisecond of CPU a statement, more than the database takes to
run most of them. A `Shape` builds its queryset once for each `key` and
compiles it once for each database alias; a call binds its ids to the
compiled statement's parameters and gives the rows as `list(qs)` would
(model instances, select_related, values_list, prefetch_related after).

Equivalence is checked, not assumed: the first time a key is seen, the
queryset is built and compiled twice, with two different sets of stand-in
ids. The two statements must be the same text, every parameter either the
same constant in both or the stand-in of the same argument in both, and no
stand-in may appear in the text. Anything else (a value read from the clock,
an argument that changes the statement, a queryset that keeps the objects it
was built from) is refused with ShapeError. An argument that is not a plain
positive int within 32 bits, which Django might compile to another statement,
is read through the ORM as before. A builder must not branch on its ids'
values (the two sets of stand-ins differ in size and parity to catch that).

`key` names everything the builder reads besides its int arguments
(`actor_key` for what the scope and permission selectors read of an
account). A builder must use nothing else: no clock, no settings that change
at run time.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet
from django.db.models.sql.compiler import SQLCompiler

from jiayuan.core.scope import grid_ids

# Keys a shape keeps (about 20 KB each: a queryset and its compiler); past it
# the least recently used goes. Most keys are an account's (`actor_key`): 256 accounts a
# process, 7 shapes an account, about 40 MB at most.
_LIMIT = 256
_MAX_ID = 2**31  # a plain 32-bit id: Django compiles every such value alike


class ShapeError(ValueError):
    """The builder's statement does not depend on its arguments as ids."""


def actor_key(actor: Any) -> tuple[Any, ...]:
    """What the scope and permission selectors read of an account: its role and
    whether it is active (`has`), its grids (`grid_ids`, read afresh each
    request), its community and id (cases it owns)."""
    if not getattr(actor, "is_authenticated", False):
        return ("anonymous",)
    ids = grid_ids(actor)
    return (actor.pk, actor.role, actor.is_active, actor.community_id,
            None if ids is None else tuple(sorted(ids)))


@dataclass
class _Compiled:
    compiler: SQLCompiler | None  # None: the query can have no rows (EmptyResultSet)
    sql: str
    params: tuple[Any, ...]
    slots: tuple[tuple[int, int], ...]  # (parameter position, argument index)


@dataclass
class _Entry:
    template: QuerySet[Any]  # built with the first stand-ins
    context: dict[str, Any]  # what it was built with besides the ids
    compiled: dict[str, _Compiled] = field(default_factory=dict)


def _stand_ins(n: int, first: bool) -> tuple[int, ...]:
    """Two sets of ids no statement names otherwise: large and even, then
    smaller and odd (a builder that branched on an id's size or parity would
    give two statements)."""
    if first:
        return tuple(_MAX_ID - 1000 - 2 * i for i in range(n))
    return tuple(104_729 + 2 * i for i in range(n))


_FIRST, _SECOND = True, False


def _compile(qs: QuerySet[Any], alias: str) -> tuple[SQLCompiler | None, str, tuple[Any, ...]]:
    compiler = qs.query.get_compiler(using=alias)
    try:
        sql, params = compiler.as_sql()
        if not sql:
            raise EmptyResultSet
    except EmptyResultSet:
        return None, "", ()
    return compiler, sql, tuple(params)


def _prove(first: tuple[SQLCompiler | None, str, tuple[Any, ...]],
           second: tuple[SQLCompiler | None, str, tuple[Any, ...]],
           n: int) -> _Compiled:
    """The compiled statement with its argument slots, or ShapeError."""
    (compiler, sql, params), (_c, sql2, params2) = first, second
    a, b = _stand_ins(n, _FIRST), _stand_ins(n, _SECOND)
    if sql != sql2 or len(params) != len(params2):
        raise ShapeError("the statement changes with the arguments")
    if any(str(v) in sql for v in (*a, *b)):
        raise ShapeError("an argument is written into the statement's text")
    slots = []
    for pos, (one, two) in enumerate(zip(params, params2, strict=True)):
        if type(one) is int and one in a:
            index = a.index(one)
            if type(two) is not int or two != b[index]:
                raise ShapeError(f"parameter {pos} is not bound to one argument")
            slots.append((pos, index))
        elif one != two or type(one) is not type(two):
            raise ShapeError(f"parameter {pos} differs between two builds")
    if compiler is not None and {index for _pos, index in slots} != set(range(n)):
        raise ShapeError("an argument is not a parameter of the statement")
    if compiler is not None and compiler.query.combinator:
        raise ShapeError("combined queries are not kept")
    return _Compiled(compiler, sql, params, tuple(slots))


SHAPES: list[Shape] = []  # every shape made (module-level reads: a few dozen)


class Shape:
    """`Shape(build, n)(key, *ids, **context)`: what `build(*ids, **context)`
    reads, compiled once per `key` (which names all that `context` changes of
    the statement). The result goes to `together.fetch` or `rows()`."""

    def __init__(self, build: Callable[..., QuerySet[Any]], arity: int) -> None:
        self.build = build
        self.arity = arity
        SHAPES.append(self)
        # Least recently used first: with more accounts than _LIMIT, those at
        # work keep theirs. The lock: threads of one process share a shape.
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def _entry(self, key: Hashable, context: dict[str, Any]) -> _Entry:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                return entry
        template = self.build(*_stand_ins(self.arity, _FIRST), **context)
        kept: Any = template  # the queryset's own state, which typing does not list
        if kept._known_related_objects or kept._result_cache is not None:
            raise ShapeError("the queryset keeps objects it was built from")
        entry = _Entry(template, context)
        with self._lock:
            self._entries[key] = entry
            while len(self._entries) > _LIMIT:
                self._entries.popitem(last=False)
        return entry

    def __call__(self, key: Hashable, *ids: Any, **context: Any) -> Bound | QuerySet[Any]:
        if len(ids) != self.arity:
            raise TypeError(f"{self.arity} ids expected, {len(ids)} given")
        if not all(type(v) is int and 0 < v < _MAX_ID for v in ids):
            return self.build(*ids, **context)  # compiled as Django would, each time
        entry = self._entry(key, context)
        qs = entry.template.all()
        alias = qs.db
        compiled = entry.compiled.get(alias)
        if compiled is None:
            other = self.build(*_stand_ins(self.arity, _SECOND), **context)
            compiled = _prove(_compile(entry.template.all(), alias),
                              _compile(other, alias), self.arity)
            if len(entry.compiled) < 4:  # the primary and a replica
                entry.compiled[alias] = compiled
        params = list(compiled.params)
        for pos, index in compiled.slots:
            params[pos] = ids[index]
        qs._db = alias  # type: ignore[attr-defined]  # where the statement was compiled for
        return Bound(qs, compiled.compiler, compiled.sql, params)


@dataclass
class Bound:
    """One call of a Shape: a statement to send and how to make its rows."""

    queryset: QuerySet[Any]  # the shape's queryset, never compiled again
    compiler: SQLCompiler | None
    sql: str
    params: list[Any]

    @property
    def db(self) -> str:
        return str(self.queryset.db)

    def results(self, rows: Sequence[Any]) -> list[Any]:
        """The rows of this statement as `list(queryset)` gives them."""
        if self.compiler is None:
            return []
        compiler = copy.copy(self.compiler)  # the shared one is never changed
        compiler.connection = connections[self.db]  # this thread's, for the converters
        if compiler.has_extra_select:
            rows = [row[:compiler.col_count] for row in rows]
        chunk = list(rows)

        def fetched(*_args: Any, **_kwargs: Any) -> Any:
            return [chunk] if chunk else []  # execute_sql's MULTI: a list of chunks

        compiler.execute_sql = fetched  # type: ignore[method-assign]
        qs = self.queryset
        qs.query.get_compiler = lambda *a, **k: compiler  # type: ignore[method-assign]
        try:
            return list(qs)
        finally:
            del qs.query.get_compiler  # later reads (a count, a prefetch) compile afresh


def rows(bound: Bound | QuerySet[Any]) -> list[Any]:
    """A Shape's call read on its own (a queryset: `list(qs)`)."""
    if isinstance(bound, QuerySet):
        return list(bound)
    if bound.compiler is None:
        return []
    with connections[bound.db].cursor() as cursor:
        cursor.execute(bound.sql, bound.params)
        return bound.results(cursor.fetchall())
