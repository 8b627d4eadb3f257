"""Re-authentication (docs/data-protection.md, "Re-authentication"): before a
whole ID number is shown and before an export with sensitive columns, the
person gives their password again, or a code when the account has a second
factor, unless they did so within REAUTH_SECONDS.

Logging in does not count: the confirmation is its own step, so a session
left open on a desk does not reveal numbers to whoever sits down. The stamp
lives in the session (epoch seconds) and a new login clears it.

Wrong answers: a wrong code goes through the second factor's checks
(django-otp's throttle, one audit entry per run of failures). A wrong password
is counted in the session: the first of a run is audited ("denied"), and after
LOGIN_FAILURE_LIMIT of them the session ends (audited as a logout with the
reason), so a session cannot be used to guess the password.

Views ask for it with one decorator, `requires_recent_confirmation`: without
a recent confirmation the person is sent to the confirmation page, whose
`next` is the page to come back to (the page itself for a GET, the page the
form lives on for a POST), and nothing is done or disclosed until then.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from jiayuan.core import audit, sessions, twofactor
from jiayuan.core.models import AuditAction, User

CONFIRMED = "_jy_confirmed"  # epoch seconds of the last confirmation
FAILURES = "_jy_reauth_failures"
WRONG_PASSWORD = gettext_noop("wrong password when confirming")
TOO_MANY = gettext_noop("too many wrong answers when confirming")
PURPOSE = gettext_noop("confirmation")


def _now() -> int:
    return int(timezone.now().timestamp())


def recently_confirmed(request: HttpRequest) -> bool:
    """Whether this session confirmed the person within REAUTH_SECONDS."""
    stamp = request.session.get(CONFIRMED)
    if not isinstance(stamp, int):
        return False
    return 0 <= _now() - stamp < settings.REAUTH_SECONDS


def mark_confirmed(request: HttpRequest) -> None:
    request.session[CONFIRMED] = _now()
    request.session.pop(FAILURES, None)


def confirm_url(next_url: str) -> str:
    return f"{reverse('reauth_confirm')}?{urlencode({'next': next_url})}"


View = Callable[..., HttpResponse]


def requires_recent_confirmation(
        *, back: Callable[..., str] | None = None,
        when: Callable[..., bool] | None = None,
        refuse: Callable[..., HttpResponse] | None = None,
        message: str | None = None) -> Callable[[View], View]:
    """A view that needs a confirmation within REAUTH_SECONDS.

    Without one, the view does not run: the person is redirected to the
    confirmation page, whose `next` is `back(request, *args, **kwargs)` or, by
    default, the page asked for (a GET) or the page the form posted from when
    it posts to its own address. Give `back` for a form that lives on another
    page, or for a download that should come back to the page with its link
    (a confirmation page must not be saved as the file).

    `when(request, *args, **kwargs)` limits it (only a POST, only some
    columns); it is asked only of a session not confirmed recently and may
    raise (403/404, audited), so an account refused anyway is refused before
    being asked to confirm. `refuse(request, confirm_url, *args, **kwargs)`
    answers instead of the redirect (an htmx fragment with a link).
    `message` (a msgid, translated when shown) is shown on the confirmation
    page."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if recently_confirmed(request) or (
                    when is not None and not when(request, *args, **kwargs)):
                return view(request, *args, **kwargs)
            target = back(request, *args, **kwargs) if back else request.get_full_path()
            url = confirm_url(target)
            if refuse is not None:
                return refuse(request, url, *args, **kwargs)
            if message:
                messages.info(request, _(message))
            return redirect(url)

        return wrapped

    return decorate


def asks_code(user: User) -> bool:
    """The confirmation asks a code when the account has an authenticator,
    else the password."""
    return twofactor.has_device(user)


def confirm(request: HttpRequest, *, answer: str) -> twofactor.Check | None:
    """Check the password or code `answer` given on the confirmation page.

    Returns the second factor's check for a code (ACCEPTED or RECOVERY mark
    the session confirmed), and for a password ACCEPTED or WRONG; None when
    the session was ended for too many wrong answers."""
    user = request.user
    assert isinstance(user, User)
    if asks_code(user):
        check = twofactor.check_code(actor=user, code=answer, purpose=PURPOSE)
        if check.outcome.ok:
            mark_confirmed(request)
        return check
    if answer and user.check_password(answer):
        mark_confirmed(request)
        return twofactor.Check(twofactor.Outcome.ACCEPTED)
    return _wrong_password(request, user)


def _wrong_password(request: HttpRequest, user: User) -> twofactor.Check | None:
    failures = int(request.session.get(FAILURES, 0)) + 1
    request.session[FAILURES] = failures
    if failures == 1:
        audit.record(AuditAction.DENIED, actor=user, obj=user, object_repr=user.username,
                     changes={twofactor.KEY: WRONG_PASSWORD})
    if failures >= settings.LOGIN_FAILURE_LIMIT:
        # The logout is audited (jiayuan.core.signals) with this reason.
        setattr(request, sessions.REASON_ATTR, TOO_MANY)
        logout(request)
        return None
    return twofactor.Check(twofactor.Outcome.WRONG)


@receiver(user_logged_in)
def _logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is not None:
        session.pop(CONFIRMED, None)
        session.pop(FAILURES, None)
