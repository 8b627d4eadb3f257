from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from jiayuan.core.roles import Perm


def jiayuan(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    perms = {p.value: bool(user and user.is_authenticated and user.has(p)) for p in Perm}
    return {
        "can": perms,
        "station_name": settings.STATION_NAME,
        "demo_mode": settings.DEMO_MODE,
    }
