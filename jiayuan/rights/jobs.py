"""The rights app's scheduled job (jiayuan.core.scheduler, run by `manage.py tick`):

- `retention` applies every retention rule (jiayuan.rights.retention): moved-out
  households archived, uploaded roster files deleted, the portal's rate-limit
  records deleted; one audit entry per rule that acted.
"""

from __future__ import annotations

from datetime import datetime

from jiayuan.core import scheduler
from jiayuan.rights import retention


@scheduler.register("retention", order=96)
def apply_retention(now: datetime) -> int:
    done, failed = retention.apply_all(now)
    if failed:
        raise scheduler.JobIncomplete(done, failed)
    return done
