"""The stand-in app's job: it counts its runs (what a real job's rows would be)."""

from __future__ import annotations

from datetime import datetime

from jiayuan.core import scheduler

RUNS: list[datetime] = []


@scheduler.register("stand_in", order=15)
def stand_in(now: datetime) -> int:
    RUNS.append(now)
    return len(RUNS)
