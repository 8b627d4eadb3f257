"""Fast inserts of many ready rows: COPY on PostgreSQL, executemany elsewhere.

For the tables with by far the most rows (search keys) when loading the demo or
importing a roster; everything else goes through bulk_create.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection


def insert_rows(table: str, columns: list[str], rows: Iterable[tuple]) -> None:
    """Insert `rows` (tuples of database values, in `columns` order) into `table`."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})",  # noqa: S608
                               list(rows))
