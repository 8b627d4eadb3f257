"""Data made once for many tests that only read it, always rolled back.

The access matrix builds its world once per module; the demo tests load the
tiny demo once per class of tests that read it (`demo_once`), instead of once
per test: a tiny demo is a year of every module, written through the services
(seconds each). Each test still runs in its own transaction inside the shared
block, rolled back to the loaded state after it (pytest-django's), so a test
that changes the data leaves nothing behind for the next.

Under pytest-xdist, the classes carry an `xdist_group` mark (make test runs
`--dist loadgroup`): their tests stay on one worker, which loads once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction

from tests.conftest import DEMO_TODAY, station_moment


class Rollback(transaction.Atomic):
    """An atomic block that the audited services see as the test's own (as
    Django's TestCase marks its blocks): a service opens its durable
    transaction inside it. Always rolled back."""

    def __init__(self) -> None:
        super().__init__(using=None, savepoint=True, durable=False)
        self._from_testcase = True

    def __exit__(self, *exc: Any) -> None:
        transaction.set_rollback(True)
        super().__exit__(*exc)


def kept(django_db_blocker: Any, build: Callable[[], Any]) -> Iterator[Any]:
    """Run `build` in a block rolled back when the generator closes; yield its result."""
    with django_db_blocker.unblock():
        block = Rollback()
        block.__enter__()
        try:
            yield build()
        finally:
            block.__exit__(None, None, None)


def demo_once(seed: int = 1) -> Any:
    """A class-scoped fixture: the tiny demo for DEMO_TODAY with `seed`,
    loaded with the clock there; its value is what the command printed."""

    def load() -> str:
        out = StringIO()
        with time_machine.travel(station_moment(DEMO_TODAY), tick=True):
            call_command("demo", scale="tiny", today=DEMO_TODAY, seed=seed, stdout=out)
        return out.getvalue()

    @pytest.fixture(scope="class")
    def fixture(django_db_setup: Any, django_db_blocker: Any) -> Iterator[str]:
        yield from kept(django_db_blocker, load)

    return fixture
