"""The search box's reads, as SQL written once: the candidate scans of the
search keys and the rows of the hits shown, with their household, dwelling and
building.

A search runs two or three small statements. Built through the ORM, each was
compiled again for every search, and the hits' four-table select_related
statement cost more to compile (about 0.5 ms of CPU) than the database took to
run it. Here the statements are strings, and the hits are the same model
instances `select_related` gives: every field read and converted as the ORM
would (`Model.from_db`, the fields' and the backend's converters), each
related object cached on its parent, a missing one (a household without a
head) cached as None. tests/registry/test_search_rows.py compares them with
the ORM's, field by field.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any
from weakref import WeakKeyDictionary

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, ForeignKey, Model

from jiayuan.core.scope import ALL
from jiayuan.places.models import Building, Dwelling
from jiayuan.registry.models import Household, Person, SearchKey

CANDIDATES = 300

Converter = Callable[[Any, Any, BaseDatabaseWrapper], Any]


def scan(kinds: Sequence[int], ids: frozenset[int] | None, match: str,
         params: list[Any]) -> tuple[str, list[Any]]:
    """One candidate scan of the search keys: (person, kind, pos) of at most
    CANDIDATES keys of `kinds` in the grids `ids` (ALL: every grid) that
    `match` (SQL on "key", with `params`)."""
    where = [f'"kind" IN ({", ".join(["%s"] * len(kinds))})']
    args: list[Any] = list(kinds)
    if ids is not ALL:
        where.append(f'"grid_id" IN ({", ".join(["%s"] * len(ids))})')
        args += sorted(ids)
    # Only the table's name, placeholders and `match` (the callers' SQL) go in.
    table, conditions = SearchKey._meta.db_table, " AND ".join([*where, match])
    sql = f'SELECT "person_id", "kind", "pos" FROM "{table}" WHERE {conditions}'  # noqa: S608
    return f"{sql} LIMIT {CANDIDATES}", args + params


def prefix(alias: str, q: str) -> tuple[str, list[Any]]:
    """SQL on "key" for the keys that start with `q`, as `key__startswith`."""
    connection = connections[alias]
    if connection.vendor == "postgresql":
        # LIKE 'q%' is served by the varchar_pattern_ops index whatever the
        # database collation; a range scan would depend on it.
        return '"key"::text LIKE %s', [connection.ops.prep_for_like_query(q) + "%"]
    # SQLite compares with BINARY collation: [q, q+1) is exactly the prefix set.
    return '"key" >= %s AND "key" < %s', [q, q[:-1] + chr(ord(q[-1]) + 1)]


def rows(alias: str, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@dataclass(frozen=True)
class _Read:
    """A model read in a joined statement: the root (parent None), or the
    object that `parent`'s foreign key `fk` points to."""

    model: type[Model]
    parent: int | None = None
    fk: str = ""


# The hits' people with household, dwelling and building; a dwelling's
# households with dwelling, building and head.
PEOPLE = (_Read(Person), _Read(Household, 0, "household"), _Read(Dwelling, 1, "dwelling"),
          _Read(Building, 2, "building"))
HOUSEHOLDS = (_Read(Household), _Read(Dwelling, 0, "dwelling"), _Read(Building, 1, "building"),
              _Read(Person, 0, "head"))


def _fields(model: type[Model]) -> list[Field[Any, Any]]:
    return list(model._meta.concrete_fields)


def _fk(read: _Read, reads: Sequence[_Read]) -> ForeignKey[Any, Any]:
    assert read.parent is not None
    field = reads[read.parent].model._meta.get_field(read.fk)
    assert isinstance(field, ForeignKey)
    return field


@cache
def select(reads: tuple[_Read, ...]) -> str:
    """SELECT … FROM … JOIN …, the root as "t0"; a nullable key is a LEFT JOIN."""
    columns, joins = [], [f'"{reads[0].model._meta.db_table}" AS "t0"']
    for n, read in enumerate(reads):
        columns += [f'"t{n}"."{f.column}"' for f in _fields(read.model)]
        if read.parent is not None:
            fk = _fk(read, reads)
            join = "LEFT OUTER JOIN" if fk.null else "INNER JOIN"
            joins.append(f'{join} "{read.model._meta.db_table}" AS "t{n}" ON '
                         f'("t{read.parent}"."{fk.column}" = "t{n}"."{fk.target_field.column}")')
    return f"SELECT {', '.join(columns)} FROM {' '.join(joins)}"  # noqa: S608 (names from _meta)


_converters: WeakKeyDictionary[BaseDatabaseWrapper, dict[tuple[_Read, ...],
                                                         list[list[tuple[int, list[Any]]]]]]
_converters = WeakKeyDictionary()


def _converters_of(connection: BaseDatabaseWrapper,
                   reads: tuple[_Read, ...]) -> list[list[tuple[int, list[Any]]]]:
    """Per read, (column, converters) of the columns that have any: the
    backend's for the field's type, then the field's own (as the ORM's
    compiler applies them)."""
    per_connection = _converters.setdefault(connection, {})
    if reads not in per_connection:
        found = []
        for n, read in enumerate(reads):
            mine = []
            for i, field in enumerate(_fields(read.model)):
                col = field.get_col(f"t{n}")
                convs = (connection.ops.get_db_converters(col)
                         + field.get_db_converters(connection))
                if convs:
                    mine.append((i, [(conv, col) for conv in convs]))
            found.append(mine)
        per_connection[reads] = found
    return per_connection[reads]


def fetch(alias: str, reads: tuple[_Read, ...], where: str,
          params: list[Any]) -> list[Model]:
    """The root instances of `select(reads) + where`, each with its related
    objects cached, as `select_related` builds them."""
    connection = connections[alias]
    converters = _converters_of(connection, reads)
    names = [[f.attname for f in _fields(read.model)] for read in reads]
    fks = [_fk(read, reads) if read.parent is not None else None for read in reads]
    pks = [names[n].index(read.model._meta.pk.attname) for n, read in enumerate(reads)]
    out = []
    for row in rows(alias, f"{select(reads)} {where}", params):
        objs: list[Model | None] = []
        start = 0
        for n, read in enumerate(reads):
            values = list(row[start:start + len(names[n])])
            start += len(names[n])
            for i, convs in converters[n]:
                for conv, col in convs:
                    values[i] = conv(values[i], col, connection)
            obj = None if values[pks[n]] is None else read.model.from_db(alias, names[n], values)
            fk = fks[n]
            parent = objs[read.parent] if read.parent is not None else None
            if fk is not None and parent is not None:
                fk.set_cached_value(parent, obj)
            objs.append(obj)
        assert objs[0] is not None
        out.append(objs[0])
    return out
