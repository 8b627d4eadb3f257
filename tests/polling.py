"""Browser tests poll the database for what the live server wrote."""

from __future__ import annotations

from typing import Any

from django.db import OperationalError


def wait_for(check: Any, page: Any, seconds: float = 10) -> None:
    """Poll until `check()` holds, then assert it. On SQLite's shared-cache
    memory database a read that meets the live server's write in progress
    gets "table is locked" and is simply tried again."""
    for _ in range(int(seconds * 10)):
        try:
            if check():
                return
        except OperationalError:
            pass
        page.wait_for_timeout(100)
    assert check()
