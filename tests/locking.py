"""Helpers for tests of writes that race (PostgreSQL): real connections that
commit (`@pytest.mark.django_db(transaction=True)`), skipped on SQLite
(`needs_postgres`: SQLite runs writers one at a time by design, its write
transactions begin IMMEDIATE).

Whether a service waits for a lock another transaction holds:

`waits_for(take, run)` holds what `take` locks in a transaction of its own
(one thread, one connection), runs `run` in another, and reports whether
`run` was seen waiting on a lock (pg_stat_activity) before the holder ended.
`then` runs in the holder's transaction once `run` waits, before it commits:
a write the service must see once it has its turn.

A holder locks a row with FOR NO KEY UPDATE (select_for_update(no_key=True)):
that one conflicts with a service's FOR UPDATE but not with the key-share
lock an insert of a child row takes, so only a service that locks the row
itself waits. Tests using it need `@pytest.mark.django_db(transaction=True)`
and skip on SQLite (`needs_postgres`).

Two services at once: `run_together(a, b)` runs each in a thread of its own
(its own connection), and a `Meeting` they both arrive at (through a
monkeypatched step) makes them interleave where a missing lock would let
them."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection, connections, transaction

needs_postgres = pytest.mark.skipif(connection.vendor != "postgresql",
                                    reason="locks between connections: PostgreSQL")


@dataclass
class Outcome:
    waited: bool
    result: Any = None
    error: BaseException | None = None


def waits_for(take: Callable[[], Any], run: Callable[[], Any],
              then: Callable[[], Any] | None = None, patience: float = 30) -> Outcome:
    taken, release, pid_known, done = (threading.Event() for _ in range(4))
    out: dict[str, Any] = {}

    def holder() -> None:
        try:
            with transaction.atomic():
                take()
                taken.set()
                release.wait(patience * 2)
                if then is not None:
                    then()
        except BaseException as exc:  # noqa: BLE001 (reported by the test)
            out["holder_error"] = exc
            taken.set()
        finally:
            connections.close_all()

    def runner() -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                out["pid"] = cursor.fetchone()[0]
            pid_known.set()
            out["result"] = run()
        except BaseException as exc:  # noqa: BLE001 (returned to the test)
            out["error"] = exc
        finally:
            pid_known.set()
            done.set()
            connections.close_all()

    hold_thread = threading.Thread(target=holder)
    hold_thread.start()
    taken.wait(patience)
    run_thread = threading.Thread(target=runner)
    run_thread.start()
    pid_known.wait(patience)
    waited = False
    deadline = time.monotonic() + patience
    while not done.is_set() and time.monotonic() < deadline and "pid" in out:
        with connection.cursor() as cursor:
            cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s",
                           [out["pid"]])
            row = cursor.fetchone()
        if row is not None and row[0] == "Lock":
            waited = True
            break
        time.sleep(0.02)
    release.set()
    run_thread.join(patience)
    hold_thread.join(patience)
    if "holder_error" in out:
        raise out["holder_error"]
    return Outcome(waited=waited, result=out.get("result"), error=out.get("error"))


class Meeting:
    """Where each of `parties` threads waits for the others, but at most
    `patience` seconds: a thread that a lock keeps away never arrives, and the
    one waiting for it goes on alone (which is what the lock is for). Without
    the lock they all arrive and go on together, each with what it read."""

    def __init__(self, parties: int = 2, patience: float = 2.0) -> None:
        self.parties, self.patience = parties, patience
        self.arrived = 0
        self.cond = threading.Condition()

    def arrive(self) -> None:
        with self.cond:
            self.arrived += 1
            self.cond.notify_all()
            self.cond.wait_for(lambda: self.arrived >= self.parties, self.patience)


def in_thread(target: Callable[..., Any], *args: Any) -> threading.Thread:
    """Start `target(*args)` in a thread with a connection of its own (closed
    at the end); the caller joins it and collects what it reports."""
    def run() -> None:
        try:
            target(*args)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def run_together(*targets: Callable[[], Any]) -> tuple[list[Any], list[BaseException]]:
    """Run each target in a thread of its own (its own connection, closed at
    the end); return their results in order and the exceptions raised."""
    results: list[Any] = [None] * len(targets)
    errors: list[BaseException] = []

    def run(i: int, target: Callable[[], Any]) -> None:
        try:
            results[i] = target()
        except BaseException as exc:  # noqa: BLE001 (returned to the test)
            errors.append(exc)

    threads = [in_thread(run, i, t) for i, t in enumerate(targets)]
    for thread in threads:
        thread.join(60)
    return results, errors
