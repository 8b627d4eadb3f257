"""The retention report for the station (/rights/retention/): what the next
`tick` will archive or delete, and what falls due within the next days, per
rule (jiayuan.rights.retention). Counts and dates only, never a name, so it is
the audit readers' page (VIEW_AUDIT: the head, the auditor, the administrator)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from jiayuan.core.access import require
from jiayuan.core.roles import Perm
from jiayuan.rights import retention


@login_required
@require_GET
def retention_report(request: HttpRequest) -> HttpResponse:
    require(request.user, Perm.VIEW_AUDIT)
    now = timezone.now()
    return render(request, "rights/retention.html", {
        "lines": retention.report(now), "days": retention.REPORT_DAYS, "now": now,
        "sessions_hours": settings.SESSION_ABSOLUTE_SECONDS // 3600,
    })
