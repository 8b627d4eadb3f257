"""Sessions that end (docs/data-protection.md, "Sessions").

A staff session ends after `SESSION_IDLE_SECONDS` without a request, and
`SESSION_ABSOLUTE_SECONDS` after login whatever the activity. The rule is the
server's: `SessionLimitMiddleware` reads two stamps kept in the session (when
it began, when it was last used), and a request past either limit logs the
person out (audited as a logout with the reason) and sends them to the login
page with a message. The last-used stamp is refreshed at most once a minute,
so an active session costs one session write a minute, not one a request.

Every session also has a `UserSession` row (who, since when, last used, a
coarse device and network) so a person can list their sessions and end the
others (`end_other_sessions`). All of an account's sessions end when its role,
scope or active flag changes (signals below), and the `sessions` tick job
(jiayuan/core/jobs.py) ends sessions left past a limit and drops rows whose
session is gone.

The resident portal has no login: only authenticated requests are checked.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from datetime import datetime, timedelta
from importlib import import_module
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils import timezone
from django.utils.translation import gettext

from jiayuan.core import audit
from jiayuan.core.middleware import client_ip
from jiayuan.core.models import AuditAction, User, UserSession

# Session keys: epoch seconds of the login and of the last refresh.
STARTED = "_jy_started"
SEEN = "_jy_seen"
# The reason a request's logout is audited with (read by jiayuan.core.signals).
REASON_ATTR = "_jy_session_end_reason"
IDLE = "idle"
ABSOLUTE = "absolute"
ENDED_BY_USER = "ended_by_user"
ACCOUNT_CHANGED = "account_changed"
# What, on an account, ends its sessions when it changes.
WATCHED = ("role", "community_id", "is_active", "is_staff", "is_superuser")


# --- limits ------------------------------------------------------------------------

def idle_seconds() -> int:
    return int(settings.SESSION_IDLE_SECONDS)


def absolute_seconds() -> int:
    return int(settings.SESSION_ABSOLUTE_SECONDS)


def refresh_every() -> int:
    """Seconds between refreshes of the last-used stamp: a minute (less for a
    very short idle time, as in a test)."""
    return min(60, max(1, idle_seconds() // 10))


def _epoch(moment: datetime | None = None) -> int:
    return int((moment or timezone.now()).timestamp())


def _moment(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, tz=timezone.get_current_timezone())


def over_limit(started: int, seen: int, now: int) -> str:
    """IDLE, ABSOLUTE, or "" for a session still within both limits."""
    if now - started >= absolute_seconds():
        return ABSOLUTE
    if now - seen >= idle_seconds():
        return IDLE
    return ""


def idle_left(request: HttpRequest) -> int:
    """Seconds before this session ends for lack of activity (or the absolute
    limit, if sooner); 0 when it has ended."""
    now = _epoch()
    started = int(request.session.get(STARTED, now))
    seen = int(request.session.get(SEEN, now))
    return max(0, min(idle_seconds() - (now - seen), absolute_seconds() - (now - started)))


def signed_out_message(reason: str) -> str:
    if reason == ABSOLUTE:
        return gettext("You were signed out %(hours)s hours after you logged in. "
                       "Please log in again.") % {"hours": in_units(absolute_seconds(), 3600)}
    return gettext("You were signed out after %(minutes)s minutes without activity.") % {
        "minutes": in_units(idle_seconds(), 60)}


def in_units(seconds: int, unit: int) -> str:
    value = seconds / unit
    return str(int(value)) if value == int(value) else f"{value:.1f}"


# --- device and address, coarsely ---------------------------------------------------

_BROWSERS = (  # first match wins: Edge and Opera also say Chrome, Chrome says Safari
    ("MicroMessenger/", "WeChat"), ("Edg", "Edge"), ("OPR/", "Opera"),
    ("Firefox/", "Firefox"), ("FxiOS/", "Firefox"), ("CriOS/", "Chrome"),
    ("Chromium/", "Chromium"), ("Chrome/", "Chrome"), ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("HarmonyOS", "HarmonyOS"), ("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iPadOS"),
    ("Windows", "Windows"), ("CrOS", "ChromeOS"), ("Mac OS X", "macOS"),
    ("Macintosh", "macOS"), ("Linux", "Linux"),
)


def device_of(user_agent: str) -> str:
    """"Chrome · Android" from a User-Agent, read simply; "" when nothing is known."""
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), "")
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), "")
    return " · ".join(part for part in (browser, system) if part)


def network_of(ip: str | None) -> str:
    """The network an address is in: IPv4 /24, IPv6 /48 (serve, don't surveil)."""
    if not ip:
        return ""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ""
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


# --- the session store -------------------------------------------------------------

def _store(session_key: str) -> Any:
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)


def _delete_sessions(rows: list[UserSession]) -> None:
    """End the sessions themselves (the store's entries) and drop their rows."""
    for row in rows:
        _store(row.session_key).delete()
    UserSession.objects.filter(pk__in=[row.pk for row in rows]).delete()


def _audit_end(user: User, reason: str, count: int, *, actor: User | None) -> None:
    audit.record(AuditAction.LOGOUT, actor=actor, obj=user, object_repr=user.username,
                 changes={"reason": reason, "sessions": count})


# --- selectors and services -------------------------------------------------------

def sessions_of(*, actor: User) -> list[UserSession]:
    """The actor's own sessions that are still open, newest use first."""
    now = timezone.now()
    rows = UserSession.objects.filter(
        user=actor, last_seen__gt=now - timedelta(seconds=idle_seconds()),
        created_at__gt=now - timedelta(seconds=absolute_seconds()))
    return [row for row in rows if _store(row.session_key).exists(row.session_key)]


def end_other_sessions(*, actor: User, current_key: str | None,
                       reason: str = ENDED_BY_USER) -> int:
    """End every session of the actor's but the one they are using; one audit
    entry. Only the actor's own rows are read: no key from a request is used.
    `reason`: why (the person asked, or they set up a second factor)."""
    with audit.batch():
        rows = list(UserSession.objects.select_for_update().filter(user=actor)
                    .exclude(session_key=current_key or ""))
        if not rows:
            return 0
        _delete_sessions(rows)
        _audit_end(actor, reason, len(rows), actor=actor)
    return len(rows)


def end_all_sessions(user: User, reason: str, *, actor: User | None = None) -> int:
    """End every session of `user` (their account changed), with one audit
    entry when there were any. Runs in the caller's transaction."""
    rows = list(UserSession.objects.filter(user=user))
    if rows:
        _delete_sessions(rows)
        _audit_end(user, reason, len(rows), actor=actor)
    return len(rows)


def refresh(request: HttpRequest) -> None:
    """Mark the request's session as used now (the stamp and its row)."""
    now = timezone.now()
    request.session[SEEN] = _epoch(now)
    key = request.session.session_key
    if key and not UserSession.objects.filter(session_key=key).update(last_seen=now):
        # The key changed under the session (a password change cycles it): its row
        # follows, so the session is listed again.
        _ensure_row(request, request.user)  # type: ignore[arg-type]


def end_stale_sessions(now: datetime) -> int:
    """The tick job's work: end sessions past a limit that no request came back
    to (audited like the middleware's logout) and drop rows whose session is
    gone (ended elsewhere: a password change, `clearsessions`)."""
    idle_edge = now - timedelta(seconds=idle_seconds())
    absolute_edge = now - timedelta(seconds=absolute_seconds())
    written = 0
    for row in UserSession.objects.select_related("user").order_by("pk"):
        if row.created_at <= absolute_edge or row.last_seen <= idle_edge:
            reason = ABSOLUTE if row.created_at <= absolute_edge else IDLE
            with audit.batch():
                _delete_sessions([row])
                audit.record(AuditAction.LOGOUT, actor=row.user, ip="",
                             object_type="core.user", object_id=row.user_id,
                             object_repr=row.user.username,
                             changes={"reason": reason, "by": "tick"})
            written += 1
        elif not _store(row.session_key).exists(row.session_key):
            UserSession.objects.filter(pk=row.pk).delete()
            written += 1
    return written


# --- the middleware ---------------------------------------------------------------

class SessionLimitMiddleware:
    """End a staff session past its idle or absolute limit; keep its
    last-used stamp fresh (at most once a minute). After AuthenticationMiddleware
    and MessageMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        session = request.session
        now = _epoch()
        if STARTED not in session or SEEN not in session:
            # A session opened before these limits existed: it starts now.
            session[STARTED] = int(session.get(STARTED, now))
            session[SEEN] = now
            _ensure_row(request, user)
        reason = over_limit(int(session[STARTED]), int(session[SEEN]), now)
        if reason:
            return self._end(request, reason)
        if now - int(session[SEEN]) >= refresh_every() and not _is_status_check(request):
            refresh(request)
        return self.get_response(request)

    def _end(self, request: HttpRequest, reason: str) -> HttpResponse:
        setattr(request, REASON_ATTR, reason)
        logout(request)  # audited by jiayuan.core.signals with the reason
        messages.info(request, signed_out_message(reason))
        login = resolve_url(settings.LOGIN_URL)
        target = login
        if request.method == "GET" and request.path != login:
            target = f"{login}?{urlencode({'next': request.get_full_path()})}"
        if request.headers.get("HX-Request"):
            # An htmx request: the whole page goes to the login page, not a fragment.
            response = HttpResponse(status=200)
            response["HX-Redirect"] = target
            return response
        return HttpResponseRedirect(target)


def _is_status_check(request: HttpRequest) -> bool:
    """The warning's GET that asks how long is left must not count as activity."""
    return request.method == "GET" and request.path == resolve_url("session_keepalive")


def _ensure_row(request: HttpRequest, user: User) -> None:
    key = request.session.session_key
    if key and not UserSession.objects.filter(session_key=key).exists():
        started = request.session.get(STARTED)
        UserSession.objects.create(
            created_at=_moment(int(started)) if started else timezone.now(),
            user=user, session_key=key, device=device_of(request.headers.get("User-Agent", "")),
            address=network_of(client_ip(request)))


# --- signals ----------------------------------------------------------------------

@receiver(user_logged_in)
def _session_began(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is None or not hasattr(request, "session"):
        return
    now = timezone.now()
    request.session[STARTED] = request.session[SEEN] = _epoch(now)
    if request.session.session_key is None:
        request.session.save()
    UserSession.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={"user": user, "created_at": now, "last_seen": now,
                  "device": device_of(request.headers.get("User-Agent", ""))[:100],
                  "address": network_of(client_ip(request))})


@receiver(user_logged_out)
def _session_ended(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        UserSession.objects.filter(session_key=key).delete()


@receiver(pre_save, sender=User)
def _remember_account(sender: Any, instance: User, update_fields: Any = None,
                      **kwargs: Any) -> None:
    fields = {name.removesuffix("_id") for name in WATCHED}
    if instance.pk is None or (update_fields is not None and not fields & set(update_fields)):
        return
    before = User.objects.filter(pk=instance.pk).values_list(*WATCHED).first()
    instance._jy_before = before  # type: ignore[attr-defined]


@receiver(post_save, sender=User)
def _account_saved(sender: Any, instance: User, created: bool, **kwargs: Any) -> None:
    before = instance.__dict__.pop("_jy_before", None)
    if before is not None and tuple(getattr(instance, name) for name in WATCHED) != before:
        end_all_sessions(instance, ACCOUNT_CHANGED)


@receiver(m2m_changed, sender=User.grids.through)
def _grids_changed(sender: Any, instance: Any, action: str, pk_set: Any,
                   **kwargs: Any) -> None:
    if isinstance(instance, User) and (
            action == "post_clear" or (action in ("post_add", "post_remove") and pk_set)):
        end_all_sessions(instance, ACCOUNT_CHANGED)

