"""Reading only the columns a page shows.

A list that names a related row (a case's requester, a visit's visitors) shows
its name and nothing else of it. Reading the whole row costs the ORM a column
to compile and a value to convert for each field (a person has 26), and brings
encrypted numbers and password hashes into memory for nothing. `own_and` gives
the arguments of `.only()` for such a read: every column of the model itself
(so the rows behave as before wherever they go), plus the named columns of its
relations. A field left out is still read when used (one query a row): the
query-count tests of the pages that use these catch that.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Model


def own_and(model: type[Model], *related: str) -> list[str]:
    """`model`'s own concrete fields, then `related` ("person__name", …)."""
    return [f.name for f in model._meta.concrete_fields] + list(related)


def of(relation: str, fields: Iterable[str]) -> list[str]:
    """("owner", ["name"]) -> ["owner__name"]."""
    return [f"{relation}__{name}" for name in fields]
