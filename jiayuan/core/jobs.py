"""Core's scheduled job (jiayuan.core.scheduler, run by `manage.py tick`):

- `sessions` ends staff sessions left past their idle or absolute limit that no
  request came back to (audited as a logout with the reason, as the middleware
  does), and drops the rows of sessions ended elsewhere (jiayuan.core.sessions).
"""

from __future__ import annotations

from datetime import datetime

from jiayuan.core import scheduler, sessions


@scheduler.register("sessions", order=95)
def end_stale_sessions(now: datetime) -> int:
    return sessions.end_stale_sessions(now)
