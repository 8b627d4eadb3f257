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
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
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
