"""Several reads in one round trip.

A page that shows a household reads half a dozen small lists; each query costs
a round trip to the database, more than the rows it brings. `fetch` sends the
querysets' SQL in one message on PostgreSQL (psycopg's client-side binding runs
several statements a message, each with its own result) and gives each queryset
its rows as if it had run alone: model instances, select_related, values(),
prefetch_related (which then runs its own queries) all behave as with `list(qs)`.
Elsewhere (SQLite, a server-side binding cursor, querysets on different
databases) each queryset runs on its own: the same results, more round trips.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet
from django.db.models.sql.compiler import SQLCompiler

from jiayuan.core.compiled import Bound, rows


def client_binding(cursor: Any) -> bool:
    """Whether this (Django) cursor binds values on the client, psycopg 3's
    `ClientCursor`, Django's default: then `mogrify` gives the statement as
    it would be sent, and several can go in one message. psycopg2's mogrify
    returns bytes, and a server-side binding cursor sends one statement a
    message: neither is batched."""
    try:
        from psycopg import ClientCursor
    except ImportError:  # pragma: no cover - SQLite-only installs
        return False
    return isinstance(getattr(cursor, "cursor", cursor), ClientCursor)


def batched(*querysets: QuerySet[Any] | Bound) -> bool:
    """Whether `fetch` reads these querysets in one round trip."""
    return (len(querysets) > 1 and len({qs.db for qs in querysets}) == 1
            and connections[querysets[0].db].vendor == "postgresql")


def fetch(*querysets: QuerySet[Any] | Bound) -> list[list[Any]]:
    """Each queryset's results, as `list(qs)` gives them, in one round trip
    where the database allows. A `compiled.Shape`'s call (a Bound) sends the
    statement compiled for its shape, with its ids."""
    if not batched(*querysets):
        return [rows(qs) for qs in querysets]
    connection = connections[querysets[0].db]
    clones = [qs if isinstance(qs, Bound) else qs.all() for qs in querysets]
    compilers: list[SQLCompiler | None] = []
    asked: list[bool] = []  # False: a query with no possible rows (as execute_sql says)
    statements: list[tuple[str, Any]] = []
    for qs in clones:
        if isinstance(qs, Bound):
            compilers.append(None)
            asked.append(qs.compiler is not None)
            if qs.compiler is not None:
                statements.append((qs.sql, qs.params))
            continue
        compiler = qs.query.get_compiler(using=qs.db)
        compilers.append(compiler)
        try:
            sql, params = compiler.as_sql()
            if not sql:
                raise EmptyResultSet
        except EmptyResultSet:
            asked.append(False)
            continue
        asked.append(True)
        statements.append((sql, params))
    rows_of: list[list[Any]] = []
    if statements:
        with connection.cursor() as cursor:
            if not client_binding(cursor):
                return [rows(qs) for qs in querysets]
            cursor.execute("; ".join(cursor.mogrify(sql, params) for sql, params in statements))
            for n in range(len(statements)):
                if n:
                    cursor.nextset()
                rows_of.append(cursor.fetchall())
    out = []
    results = iter(rows_of)
    for qs, compiler, has_rows in zip(clones, compilers, asked, strict=True):
        got = next(results) if has_rows else []
        if isinstance(qs, Bound):
            out.append(qs.results(got))
            continue
        assert compiler is not None
        if compiler.has_extra_select:
            got = [row[:compiler.col_count] for row in got]
        qs.query.get_compiler = _compiler_of(  # type: ignore[method-assign]
            qs.query.get_compiler, compiler, got)
        out.append(list(qs))
    return out


def _compiler_of(original: Any, compiler: SQLCompiler, rows: list[Any]) -> Any:
    """The query's get_compiler, giving once the compiler whose SQL was sent
    (set up by as_sql, as execute_sql leaves it) with its rows; any later call
    (a prefetch, a count) compiles afresh."""
    given = False

    def get_compiler(*args: Any, **kwargs: Any) -> SQLCompiler:
        nonlocal given
        if given:
            return original(*args, **kwargs)
        given = True

        def fetched(*_args: Any, **_kwargs: Any) -> Any:
            return [rows] if rows else []  # execute_sql's MULTI: a list of chunks

        compiler.execute_sql = fetched  # type: ignore[method-assign]
        return compiler

    return get_compiler
