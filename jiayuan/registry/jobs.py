"""The registry's scheduled job (jiayuan.core.scheduler, run by `manage.py tick`):

- `living_counts` folds the rows of the households and people living here
  that PostgreSQL's triggers appended (jiayuan.registry.living_counts), and
  the days before yesterday, so a figure sums a few rows per grid however
  long the counts have been kept. It changes no figure, so it counts 0;
  writes nothing on a second run the same day, nor on SQLite. Then it checks
  them against a count of the registry (read-only): if they differ, they are
  marked not trustworthy (the figures count the people) and it is logged,
  until an operator runs `manage.py living_counts --repair`.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from jiayuan.core import scheduler
from jiayuan.registry import living_counts


@scheduler.register("living_counts", order=70)
def fold_living_counts(now: datetime) -> int:
    living_counts.compact(today=timezone.localdate(now))
    living_counts.distrust_if_drifted()
    return 0
