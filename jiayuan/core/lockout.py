"""Login lockout: django-axes with two limits and one audit entry per lockout.

Axes counts failed logins in its AccessAttempt table (one row per username,
address and browser; a row is deleted once its cool-off is over) and refuses
a login while either limit is reached (settings.py, "Logins and passwords"):

- LOGIN_FAILURE_LIMIT failures for one username from one address lock that
  username on that address. Somebody guessing a colleague's password from
  elsewhere locks out only themselves.
- LOGIN_ADDRESS_FAILURE_LIMIT failures from one address, whatever the
  usernames, lock the address: one client trying many usernames.

A wrong current password on the password page (core.views_account) counts
as a failed login of that account from that address (`password_check_failed`):
a session somebody else holds is no way round the limits. Reaching the limit
there ends the session and shows the lockout message.

Stock axes compares the largest count of its parameter sets with one limit;
`Handler` gives each set its own. Failures are not each written to the audit
log (an anonymous client could grow it without end): the log gets one
"lockout" entry when a lockout starts. Tries while locked out are refused
without being counted, so a lockout starts at most once per cool-off.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler  # type: ignore[import-untyped]
from axes.handlers.proxy import AxesProxyHandler  # type: ignore[import-untyped]
from django.conf import settings
from django.contrib.auth import logout
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from jiayuan.core import audit
from jiayuan.core.auth import LoginForm
from jiayuan.core.models import AuditAction

# What a lockout entry says was locked (its `changes`; the log page translates it).
BY_USERNAME = gettext_noop("username and address")
BY_ADDRESS = gettext_noop("address")


class Handler(AxesDatabaseHandler):
    def counts(self, request: HttpRequest, credentials: dict[str, Any] | None) -> list[int]:
        """Failures within the cool-off, per parameter set: [username and
        address, address] (settings.AXES_LOCKOUT_PARAMETERS, in that order)."""
        return [attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
                for attempts in self.get_user_attempts(request, credentials)]

    def locked_by(self, request: HttpRequest, credentials: dict[str, Any] | None) -> str:
        """BY_USERNAME or BY_ADDRESS while locked out, else ""."""
        by_pair, by_address = self.counts(request, credentials)
        if by_pair >= settings.AXES_FAILURE_LIMIT:
            return BY_USERNAME
        if by_address >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return BY_ADDRESS
        return ""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        # Axes locks out when this reaches AXES_FAILURE_LIMIT (= LOGIN_FAILURE_LIMIT):
        # the pair's own count, or the limit itself once the address's is reached.
        by_pair, by_address = self.counts(request, credentials)
        if by_address >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(by_pair, settings.AXES_FAILURE_LIMIT)
        return by_pair

    def user_login_failed(self, sender: Any, credentials: dict[str, Any],
                          request: Any = None, **kwargs: Any) -> None:
        # True here when axes' backend refused the try (already locked out).
        was_locked = bool(getattr(request, "axes_locked_out", False))
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or was_locked or not getattr(request, "axes_locked_out", False):
            return
        # This failure started a lockout: the one audit entry for it.
        username = str(credentials.get("username") or "")[:150]
        audit.record(AuditAction.LOCKOUT, username=username, ip=request.axes_ip_address,
                     object_type="core.user", object_repr=username,
                     changes={"locked": self.locked_by(request, credentials) or BY_USERNAME,
                              "minutes": settings.LOGIN_COOLOFF_MINUTES})


def lockout_message() -> str:
    minutes = settings.LOGIN_COOLOFF_MINUTES
    return ngettext(
        "Too many failed logins. Logging in is paused here for %(minutes)d minute; "
        "try again then, or ask an administrator to unlock it.",
        "Too many failed logins. Logging in is paused here for %(minutes)d minutes; "
        "try again then, or ask an administrator to unlock it.",
        minutes) % {"minutes": minutes}


def lockout_response(request: HttpRequest, original_response: Any = None,
                     credentials: dict[str, Any] | None = None) -> HttpResponse:
    """The login page again (for /login/ and /admin/login/ alike), saying why
    the login was refused; 429 Too Many Requests."""
    username = str((credentials or {}).get("username") or request.POST.get("username", ""))
    form = LoginForm(request, initial={"username": username[:150]})
    return render(request, "core/login.html", {
        "form": form, "lockout_message": lockout_message(),
        "next": request.POST.get("next", request.GET.get("next", "")),
        "title": _("Log in"),
    }, status=settings.AXES_HTTP_RESPONSE_CODE)


def _credentials(user: Any) -> dict[str, Any]:
    return {"username": user.get_username()}


def password_check_locked(request: HttpRequest, user: Any) -> bool:
    """Whether checks of `user`'s password from this address are locked out
    (the login's limits: the account here, or the address)."""
    return bool(AxesProxyHandler.is_locked(request, _credentials(user)))


def password_check_failed(request: HttpRequest, user: Any) -> bool:
    """Count a wrong current password of a signed-in `user` as a failed login
    of the account from this address (axes' count, and the one audit entry
    when it starts a lockout). True when the account is now locked out here."""
    AxesProxyHandler.user_login_failed(sender=password_check_failed,
                                       credentials=_credentials(user), request=request)
    return bool(getattr(request, "axes_locked_out", False))


def locked_out_of_session(request: HttpRequest, user: Any) -> HttpResponse:
    """End this session (audited as a logout) and show the login page with
    the lockout message: what too many wrong current passwords lead to."""
    username = user.get_username()
    logout(request)
    return lockout_response(request, credentials={"username": username})
