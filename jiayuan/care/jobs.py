"""The visits app's scheduled jobs (jiayuan.core.scheduler, run by `manage.py tick`):

- `duties` raises and lapses the must-visit duties (jiayuan.care.duties),
  before the desk's digest so that a duty raised today is in today's e-mail;

and its sections of the daily digest (jiayuan.care.digest), registered with the
desk when this module is discovered.
"""

from __future__ import annotations

from datetime import datetime

from jiayuan.care import digest  # noqa: F401  (registers the digest sections)
from jiayuan.care.duties import run
from jiayuan.core import scheduler


@scheduler.register("duties", order=30)
def step_duties(now: datetime) -> int:
    return run(now)
