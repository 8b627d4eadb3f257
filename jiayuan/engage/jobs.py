"""Participation's scheduled jobs, run by `manage.py tick` (jiayuan.core.scheduler):

- `column_reviews` raises a reminder for each policy post whose review date
  has come (jiayuan.engage.column.services.review_reminders_raise), one per
  post and review date, so a second run writes nothing.
"""

from __future__ import annotations

from datetime import datetime

from jiayuan.core import scheduler
from jiayuan.engage.column.services import review_reminders_raise


@scheduler.register("column_reviews", order=40)
def column_reviews(now: datetime) -> int:
    return review_reminders_raise(now=now)
