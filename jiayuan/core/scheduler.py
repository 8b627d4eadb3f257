"""The station's scheduled work: a registry of jobs that `manage.py tick` runs
every few minutes.

core knows no app. Each app contributes its own jobs in a `jobs.py` module:

    from jiayuan.core import scheduler

    @scheduler.register("permits", order=20)
    def permits(now: datetime) -> int: ...

and `autodiscover()`, called when the core app is ready (as the admin finds
each app's `admin.py`), imports the `jobs` module of every installed app.

A job is a callable `job(now) -> int` returning how many rows it wrote, so a
second run at the same time writes nothing and returns 0. A job does its own
writing in transactions of its own — one `audit.batch()` per batch of rows, or
its services, each a durable transaction — so that a run killed at any moment
leaves whole batches behind and the next run carries on from where the data
says it stopped (there is no "last run" state to get out of step). The jobs
are independent: one that fails is reported and the others still run. A job
that did part of its work and failed for some items raises `JobIncomplete`.

Runs are kept apart by `run_lock()`: several app servers may all have the timer.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.utils.module_loading import autodiscover_modules

logger = logging.getLogger(__name__)

# The actor name the audit log shows for the scheduler's writes.
ACTOR = "tick"
# Arbitrary, fixed key of the PostgreSQL advisory lock that serialises runs.
PG_LOCK_KEY = 0x6A697975616E  # "jiyuan"

JobFunc = Callable[[datetime], int]
F = TypeVar("F", bound=JobFunc)


@dataclass(frozen=True)
class Job:
    name: str
    run: JobFunc
    # Jobs run in ascending order (then by name): a job that feeds another
    # (the duties before the digest that counts them) has the lower number.
    order: int


class JobIncomplete(Exception):
    """A job did part of its work and failed for some items (which stay to be
    retried by the next run). The command reports it and exits with status 1."""

    def __init__(self, done: int, failed: int) -> None:
        super().__init__(f"{done} done, {failed} failed")
        self.done, self.failed = done, failed


_registry: dict[str, Job] = {}


def _origin(func: JobFunc) -> str:
    return f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', repr(func))}"


def register(name: str, *, order: int) -> Callable[[F], F]:
    """Decorator: run `func(now) -> int` as the job `name` on every tick.

    Names are the command's `--only` values and its output, so they are
    unique: a second job under a taken name is a configuration error (the same
    function registered again, as when its module is reloaded, replaces itself).
    """

    def decorator(func: F) -> F:
        taken = _registry.get(name)
        if taken is not None and _origin(taken.run) != _origin(func):
            raise ImproperlyConfigured(
                f"The scheduled job {name!r} is registered twice: by {_origin(taken.run)} "
                f"and by {_origin(func)}.")
        _registry[name] = Job(name=name, run=func, order=order)
        return func

    return decorator


def unregister(name: str) -> None:
    """Remove a job (tests that register one of their own)."""
    _registry.pop(name, None)


def jobs() -> list[Job]:
    """Every registered job, in the order they run."""
    return sorted(_registry.values(), key=lambda job: (job.order, job.name))


def autodiscover() -> None:
    """Import every installed app's `jobs` module, which registers its jobs."""
    autodiscover_modules("jobs")


@dataclass(frozen=True)
class Outcome:
    """How one job went: rows written, items that failed, or the error that stopped it."""

    name: str
    written: int = 0
    failed: int = 0
    error: Exception | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and not self.failed

    @property
    def line(self) -> str:
        """One line of the command's output."""
        if self.error is not None:
            return f"{self.name}: failed ({self.error.__class__.__name__})"
        if self.failed:
            return f"{self.name}: {self.written} ({self.failed} failed)"
        return f"{self.name}: {self.written}"

    @property
    def problem(self) -> str:
        """What the command's final error says about this job ("" when it went well)."""
        if self.error is not None:
            return f"{self.name} failed ({self.error})"
        if self.failed:
            return f"{self.name}: {self.failed} failed"
        return ""


def run_job(job: Job, now: datetime) -> Outcome:
    """Run one job; an exception is logged and reported, never raised."""
    try:
        return Outcome(job.name, written=job.run(now))
    except JobIncomplete as exc:
        return Outcome(job.name, written=exc.done, failed=exc.failed)
    except Exception as exc:
        logger.exception("tick: job %s failed", job.name)
        return Outcome(job.name, error=exc)


def run(selected: Iterable[Job], now: datetime) -> Iterator[Outcome]:
    """Run every job even when one fails (they are independent), yielding each
    outcome as soon as the job is done."""
    for job in selected:
        yield run_job(job, now)


@contextlib.contextmanager
def run_lock() -> Iterator[bool]:
    """Yield True when this process may run the jobs, False when another run
    holds the lock (several app servers may all have the timer).

    PostgreSQL: a session advisory lock, released on exit or when the
    connection drops (a killed run frees it). SQLite, a single machine by
    definition: an exclusive lock on a file next to the database.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [PG_LOCK_KEY])
            got = bool(cursor.fetchone()[0])
        try:
            yield got
        finally:
            if got:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [PG_LOCK_KEY])
        return
    if connection.vendor == "sqlite":
        name = str(connection.settings_dict["NAME"])
        # An in-memory database (tests) is this process's alone: so is its lock
        # (test processes running side by side must not share one).
        private = "memory" in name or not name
        path = (Path(settings.VAR_DIR) / f"tick-{os.getpid()}.lock" if private
                else Path(name + ".tick-lock"))
        with path.open("a") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
                if private:
                    path.unlink(missing_ok=True)
        return
    yield True
