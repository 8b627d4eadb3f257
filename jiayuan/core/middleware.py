from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from jiayuan.core.audit import current_ip


def client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is trivially forged unless a proxy we
    # trust rewrites it, and nginx is configured to set REMOTE_ADDR via
    # real_ip (docs/deployment.md).
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    """Make the client's IP available to audit entries written by services."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)
