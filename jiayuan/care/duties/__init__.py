"""Must-visit duties (六必访): the engine that raises and lapses them
(`engine.run`, the scheduled job), what they are owed for, the list, the
statistics, the station's settings and the festival calendar.

`run`, `close_by_visit` and `grid_workers` are the engine's entry points for
callers outside this package (the scheduler, the registry's household-moved
receiver); tests that tune the engine (`BATCH`) use `duties.engine` itself.
"""

from jiayuan.care.duties.engine import FESTIVAL_GRACE_DAYS, close_by_visit, grid_workers, run

__all__ = ["FESTIVAL_GRACE_DAYS", "close_by_visit", "grid_workers", "run"]
