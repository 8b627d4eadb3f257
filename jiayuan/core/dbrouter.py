"""Reads on the read replica, only where that is known to be safe
(docs/deployment.md, "Growing past one machine"; settings in core.dbsettings).

A streaming replica lags the primary by a moment, and it refuses writes. So
the router sends nothing to it by default: a read goes to the replica only

- inside `use_replica()`, which the read-only selectors enter (the registry's
  search, the dashboard, reports), and
- outside every transaction on the primary (a service, `audit.batch()`, an
  atomic block: what it reads must be what it is about to write over), and
- when the request (or the `use_replica()` block) has written nothing yet, so
  a request reads what it wrote itself.

Writes always go to the primary. Without a replica (DATABASE_REPLICA_ALIAS ""),
the router has no opinion and Django's own routing (everything on "default")
stands.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.core.signals import request_started
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from jiayuan.core.dbsettings import REPLICA_ALIAS

logger = logging.getLogger(__name__)


class _Marks:
    """Whether anything was written (a request's, or one use_replica() block's)."""

    __slots__ = ("wrote",)

    def __init__(self) -> None:
        self.wrote = False


_request: ContextVar[_Marks | None] = ContextVar("dbrouter_request", default=None)
_block: ContextVar[_Marks | None] = ContextVar("dbrouter_block", default=None)


def replica_alias() -> str:
    """The replica's alias, or "" when reads all go to the primary."""
    return str(getattr(settings, "DATABASE_REPLICA_ALIAS", "") or "")


@contextmanager
def use_replica() -> Iterator[None]:
    """Reads inside may go to the replica (see the module's docstring). For
    read-only selectors: what they show may lag the primary by a moment.
    Nested blocks share the outer block's marks. A replica that cannot be
    reached sends the block's reads to the primary (a short connect_timeout
    in DATABASE_REPLICA_URL keeps that quick)."""
    if _block.get() is not None:
        yield
        return
    marks = _Marks()
    alias = replica_alias()
    if alias and not connections[DEFAULT_DB_ALIAS].in_atomic_block:
        try:
            connections[alias].ensure_connection()
        except DatabaseError:
            # The replica is down: these reads go to the primary, as without one.
            logger.warning("dbrouter: the replica cannot be reached; reading from the primary",
                           exc_info=True)
            marks.wrote = True
    token = _block.set(marks)
    try:
        yield
    finally:
        _block.reset(token)


def new_request(**kwargs: Any) -> None:
    """A request starts with nothing written (connected to request_started;
    also what a benchmark or a command calls to start afresh)."""
    _request.set(_Marks())


request_started.connect(new_request, dispatch_uid="jiayuan.core.dbrouter.new_request")


def _wrote_here() -> bool:
    return any(marks is not None and marks.wrote for marks in (_request.get(), _block.get()))


class ReplicaRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        alias = replica_alias()
        if not alias:
            return None
        if (_block.get() is not None and not _wrote_here()
                and not connections[DEFAULT_DB_ALIAS].in_atomic_block):
            return alias
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        for marks in (_request.get(), _block.get()):
            if marks is not None:
                marks.wrote = True
        return DEFAULT_DB_ALIAS if replica_alias() else None

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        """A row read from the replica is the primary's row."""
        alias = replica_alias()
        if alias and {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, alias}:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        """The replica follows the primary's schema by replication (its alias
        whether or not this process reads from it: a migrate names it too)."""
        return False if db == REPLICA_ALIAS else None
