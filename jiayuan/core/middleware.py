from __future__ import annotations

import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

from jiayuan.core.audit import current_ip


def client_ip(request: HttpRequest) -> str | None:
    """The client's address for the audit log.

    Directly exposed: REMOTE_ADDR. Behind nginx (BEHIND_PROXY=1): X-Real-IP,
    which nginx sets from the connection and overwrites whatever the client
    sent; REMOTE_ADDR there is only the proxy (or empty on a unix socket).
    X-Forwarded-For is never trusted: its first entries are the client's to write.
    """
    candidates = [request.META.get("REMOTE_ADDR", "")]
    if settings.BEHIND_PROXY:
        candidates.insert(0, request.META.get("HTTP_X_REAL_IP", "").strip())
    for value in candidates:
        try:
            ip = ipaddress.ip_address(value)
        except ValueError:
            continue
        # Store exactly what is hashed: an IPv4-mapped IPv6 address is written as
        # plain IPv4, which the database keeps unchanged.
        mapped = getattr(ip, "ipv4_mapped", None)
        return str(mapped or ip)
    return None


def _has_nul(values: object) -> bool:
    return any("\x00" in key or any("\x00" in v for v in vals if isinstance(v, str))
               for key, vals in values.lists())  # type: ignore[attr-defined]


# Path prefix -> the response to a request with a NUL under it, for parts of the
# site that answer machines in their own format (the API registers its error
# shape in jiayuan.api.apps). Elsewhere: the site's own 400 page.
NUL_RESPONDERS: dict[str, Callable[[HttpRequest], HttpResponse]] = {}


class NulCharacterMiddleware:
    """Refuse a request whose path, query string or form fields hold a NUL
    character (400, the site's own page).

    No person types one; PostgreSQL text cannot store one (a query that binds it
    fails with DataError: a 500), and SQLite would store it silently. One check
    here covers every view, picker and form, present and future.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # A multipart body is left to the view (reading it here would fix its
        # upload handlers); Django's form fields refuse NUL in those values.
        form_body = request.content_type == "application/x-www-form-urlencoded"
        if "\x00" in request.path or _has_nul(request.GET) or (
                request.method == "POST" and form_body and _has_nul(request.POST)):
            for prefix, respond in NUL_RESPONDERS.items():
                if request.path.startswith(prefix):
                    return respond(request)
            raise SuspiciousOperation("NUL character in the request")
        return self.get_response(request)


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


class NoStoreMiddleware:
    """`Cache-Control: no-store` (with no-cache, must-revalidate, private, max-age=0)
    on every page, so that no view can forget it.

    Staff pages and files are about residents: always no-store, whatever the
    view said. An anonymous page (the portal's forms and status pages, a
    department's reply page, the login page) is no-store unless its view chose a
    Cache-Control of its own. Static files never get here (WhiteNoise answers
    them first, with their long caching).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control") or _signed_in(request):
            add_never_cache_headers(response)
        return response


def _signed_in(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated


class PermissionsPolicyMiddleware:
    """The Permissions-Policy header on every response, static files included:
    settings.PERMISSIONS_POLICY, feature → allow list (Django has no setting
    for it). A view that sets its own header keeps it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.value = ", ".join(f"{feature}={allow}" for feature, allow
                               in settings.PERMISSIONS_POLICY.items())

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.value:
            response.headers.setdefault("Permissions-Policy", self.value)
        return response
