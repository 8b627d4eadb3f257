"""A check for a duplicate, and the unique index behind it.

A service checks that a row is not there yet ("this festival is already on
the calendar for that day") and then inserts it; two requests at once both
pass the check before either commits, and the unique index refuses the later
insert. `unique_or(refusal)` runs the insert in a savepoint (the caller's
transaction stays usable) and turns the index's IntegrityError into the
check's own refusal, so the later request reads the same words as one a
moment later would, never a server error.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction


@contextmanager
def unique_or(refusal: ValidationError, *, constraints: tuple[str, ...] = ()) -> Iterator[None]:
    """Run the block in a savepoint; raise `refusal` if a unique index refused
    it. With `constraints`, only an error naming one of them is turned (name
    both PostgreSQL's constraint and SQLite's "table.column"); any other
    IntegrityError is raised as it is."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        if constraints and not any(name in str(exc) for name in constraints):
            raise
        raise refusal from exc
