"""Helpers for tests of two requests at once: real connections that commit
(`@pytest.mark.django_db(transaction=True)`), PostgreSQL only (SQLite runs
writers one at a time by design: its write transactions begin IMMEDIATE).
Whether a service waits for a lock held elsewhere: tests/locking.waits_for."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections

from tests.locking import needs_postgres  # noqa: F401 (the one skip mark, re-exported)


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
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, t)) for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results, errors
