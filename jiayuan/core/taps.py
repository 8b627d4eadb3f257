"""Taps queued on a phone at a door and sent when the connection allows
(static/js/offline-queue.js: a meeting's roll-call, an activity's check-in).
Each tap carries the moment it was made, so one that waited keeps its own
time; the server takes it only when it is plausible."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from jiayuan.core.access import as_id

#: How long a tap may wait on the phone and still carry its own time.
QUEUE_WINDOW = timedelta(hours=24)


def tapped_at(raw: Any, now: datetime) -> datetime | None:
    """When the tap was made (milliseconds since the epoch, from the phone),
    if it is plausible: not in the future, not older than QUEUE_WINDOW.
    None otherwise (no time sent, or a phone's clock far off): the server's
    own time is recorded instead."""
    ms = as_id(raw)
    if ms is None:
        return None
    try:
        at = datetime.fromtimestamp(ms / 1000, tz=timezone.get_current_timezone())
    except (OverflowError, OSError, ValueError):
        return None
    return at if now - QUEUE_WINDOW <= at <= now else None
