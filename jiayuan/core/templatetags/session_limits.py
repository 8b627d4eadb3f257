"""`{% session_warning %}`: the idle warning of a signed-in page (hidden until
jiayuan/static/js/session-timeout.js shows it; jiayuan.core.sessions)."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.http import HttpRequest

from jiayuan.core import sessions

register = template.Library()


@register.inclusion_tag("core/_session_warning.html", takes_context=True)
def session_warning(context: dict[str, Any]) -> dict[str, Any]:
    request = context.get("request")
    warning = int(settings.SESSION_WARNING_SECONDS)
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "idle_left": (sessions.idle_left(request) if isinstance(request, HttpRequest)
                      else sessions.idle_seconds()),
        "warning_seconds": warning,
        "warning_minutes": sessions.in_units(warning, 60),
    }
