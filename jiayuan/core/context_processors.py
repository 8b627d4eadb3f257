from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from jiayuan.core.roles import permission_table


def jiayuan(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    # `can.<perm>` is user.has(perm) for each permission; a table built once a
    # role (core.roles.permission_table), not 37 calls a template rendered.
    perms = user.permissions() if user is not None and user.is_authenticated else (
        permission_table(None))
    return {
        "can": perms,
        "station_name": settings.STATION_NAME,
        "demo_mode": settings.DEMO_MODE,
    }
