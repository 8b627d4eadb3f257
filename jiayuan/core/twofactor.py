"""The second factor (docs/data-protection.md, "Second factor"): who needs one,
enrolment, the code at login, recovery codes, and a reset by a station head.

django-otp keeps the devices: a `TOTPDevice` per account (an authenticator app;
its `last_t` refuses a code used once already) and a `StaticDevice` holding the
recovery codes (each deleted when used). Recovery codes are stored as keyed
hashes (`crypto.lookup_hash`), so the database alone does not give them away;
a person sees them once, when they are made.

Wrong codes are counted by django-otp's throttle on the device (each failure
doubles the wait before the next try; a success resets it). The audit log gets
one "denied" entry when a run of failures starts, not one per wrong code: an
attacker who has the password cannot grow the log without end, and the entry
of the success that ends the run says how many failures came before it.

Logging in: after the password (the login page; django-axes' lockout stays),
`SecondFactorMiddleware` sends an account that needs a factor, or has one,
and has not given it in this session to the code page (or, with no device
yet, to the enrolment page), and lets through only those pages, logout and
static files.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db import models
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_noop
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import hotp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from jiayuan.core import audit, crypto, sessions
from jiayuan.core.audit import audited
from jiayuan.core.models import AuditAction, User
from jiayuan.core.roles import PERMISSIONS, Perm, Role

RECOVERY_CODES = 10
# The audit entries' `changes` key and values (msgids: the log page translates them).
KEY = "second factor"
ENROLMENT_STARTED = gettext_noop("enrolment started")
ENROLLED = gettext_noop("authenticator app confirmed")
NEW_RECOVERY_CODES = gettext_noop("new recovery codes")
CODE_ACCEPTED = gettext_noop("code accepted")
RECOVERY_USED = gettext_noop("recovery code used")
WRONG_CODE = gettext_noop("wrong code")
REPLAYED_CODE = gettext_noop("code used before")
RESET = gettext_noop("reset by a station head")
RESET_REASON = gettext_noop("second factor reset")
ENROLLED_REASON = gettext_noop("second factor set up")
# This session has no device to ask for (checked once per login; see _no_device).
NO_DEVICE = "_jy_2fa_none"


# --- who needs one -----------------------------------------------------------------

def required(user: Any) -> bool:
    """Whether this account must give a second factor: its role may see
    sensitive details, reveal identifiers, export or administer
    (settings.MFA_REQUIRED_PERMS), or it is a superuser. Never when
    MFA_REQUIRED is off (the demo)."""
    if not settings.MFA_REQUIRED or not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    perms = PERMISSIONS.get(user.role, frozenset())
    return user.is_active and any(p in perms for p in settings.MFA_REQUIRED_PERMS)


def roles_required() -> list[str]:
    """The roles that must have a second factor (for the docs and the account page)."""
    if not settings.MFA_REQUIRED:
        return []
    return [role for role in Role.values
            if any(p in PERMISSIONS.get(role, frozenset()) for p in settings.MFA_REQUIRED_PERMS)]


# --- reads -------------------------------------------------------------------------

def authenticator(user: User) -> TOTPDevice | None:
    """The account's confirmed authenticator, if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()


def has_device(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def secret_text(device: TOTPDevice) -> str:
    """The key as an authenticator app takes it typed: base32 in groups of four."""
    import base64

    text = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// address as inline SVG (no script, no data: URL)."""
    import segno
    from django.utils.safestring import mark_safe

    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=4, dark="#000", light="#fff", omitsize=True)
    return mark_safe(svg)  # noqa: S308 - segno's own markup of an address we built


# --- outcomes ----------------------------------------------------------------------

class Outcome(enum.Enum):
    ACCEPTED = "accepted"
    RECOVERY = "recovery"  # a recovery code, now used up
    WRONG = "wrong"
    REPLAYED = "replayed"
    PAUSED = "paused"  # too many wrong codes: wait before the next try
    NO_DEVICE = "no_device"

    @property
    def ok(self) -> bool:
        return self in (Outcome.ACCEPTED, Outcome.RECOVERY)


@dataclass
class Check:
    outcome: Outcome
    device: Any = None
    wait_seconds: int = 0  # PAUSED: how long before the next try
    failures: int = 0  # accepted: the wrong codes since the last success


def _digits(code: str) -> str:
    return "".join(code.split())


def _normalised_recovery(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def _recovery_hash(code: str) -> str:
    # StaticToken.token holds up to 16 characters: 64 bits of a keyed hash.
    return crypto.lookup_hash("recovery", _normalised_recovery(code))[:16]


def _replayed(device: TOTPDevice, code: str) -> bool:
    """Whether `code` is one this device accepted already (at or before
    last_t) and would still be current: django-otp refuses it either way;
    this only tells the person why."""
    if device.last_t < 0 or not code.isdigit():
        return False
    now_t = int((time.time() - device.t0) // device.step) + device.drift
    start = max(0, now_t - device.tolerance)
    return any(hotp(device.bin_key, t, device.digits) == int(code)
               for t in range(start, min(device.last_t, now_t + device.tolerance) + 1))


def _wait(device: Any) -> int:
    allowed, data = device.verify_is_allowed()
    if allowed or not data or not data.get("locked_until"):
        return 0
    from django.utils import timezone

    return max(1, int((data["locked_until"] - timezone.now()).total_seconds()) + 1)


def _refused(actor: User, device: Any, outcome: Outcome, purpose: str) -> Check:
    """A wrong or replayed code: counted by the device's throttle (already
    incremented by verify_token); audited once, when a run of failures starts."""
    device.refresh_from_db(fields=["throttling_failure_count", "throttling_failure_timestamp"])
    if device.throttling_failure_count == 1:
        audit.record(AuditAction.DENIED, actor=actor, obj=actor, object_repr=actor.username,
                     changes={KEY: WRONG_CODE if outcome is Outcome.WRONG else REPLAYED_CODE,
                              "for": purpose})
    return Check(outcome, device)


def _lock_account(user: User) -> None:
    """Hold the account's row to the commit before its devices are read: a
    device's verify_token changes the loaded object (last_t, the used
    recovery code deleted, the failures counted), so two requests at once
    must not both load it (one code would be accepted twice). Every service
    here that reads or changes an account's devices takes this lock first."""
    User.objects.select_for_update().only("pk").get(pk=user.pk)


def _try(actor: User, device: Any, token: str, purpose: str) -> Check:
    wait = _wait(device)
    if wait:
        return Check(Outcome.PAUSED, device, wait)
    failures = device.throttling_failure_count
    if device.verify_token(token):
        return Check(Outcome.RECOVERY if isinstance(device, StaticDevice) else Outcome.ACCEPTED,
                     device, failures=failures)
    replayed = isinstance(device, TOTPDevice) and _replayed(device, token)
    return _refused(actor, device, Outcome.REPLAYED if replayed else Outcome.WRONG, purpose)


@audited
def check_code(*, actor: User, code: str, purpose: str = gettext_noop("login")) -> Check:
    """Check a code from the authenticator app (six digits) or a recovery code
    against the account's confirmed devices. Never raises for a wrong code:
    the refusal is counted and (once per run) audited, and that must be
    committed. A success is audited (with a recovery code: which one is gone).
    """
    _lock_account(actor)
    code = (code or "").strip()
    if len(code) > 64:
        code = code[:64]
    digits = _digits(code)
    if digits.isdigit() and len(digits) == 6:
        device = authenticator(actor)
        if device is None:
            return Check(Outcome.NO_DEVICE)
        check = _try(actor, device, digits, purpose)
    else:
        recovery = StaticDevice.objects.filter(user=actor, confirmed=True).first()
        if recovery is None:
            return Check(Outcome.NO_DEVICE if not has_device(actor) else Outcome.WRONG)
        check = _try(actor, recovery, _recovery_hash(code), purpose)
    if check.outcome.ok:
        changes: dict[str, Any] = {KEY: RECOVERY_USED if check.outcome is Outcome.RECOVERY
                                   else CODE_ACCEPTED, "for": purpose}
        if check.failures:
            changes["failures before"] = check.failures
        if check.outcome is Outcome.RECOVERY:
            changes["recovery codes left"] = recovery_left(actor)
        audit.record(AuditAction.UPDATE if check.outcome is Outcome.RECOVERY
                     else AuditAction.LOGIN, actor=actor, obj=actor,
                     object_repr=actor.username, changes=changes)
    return check


# --- enrolment and recovery codes -----------------------------------------------------

@audited
def enrol_start(*, actor: User) -> TOTPDevice:
    """The account's unconfirmed authenticator, made once (audited then) and
    shown again until it is confirmed: opening the page twice makes no
    second device."""
    _lock_account(actor)
    device = TOTPDevice.objects.filter(user=actor, confirmed=False).order_by("-pk").first()
    if device is not None:
        return device
    device = TOTPDevice.objects.create(user=actor, name="authenticator", confirmed=False)
    audit.record(AuditAction.CREATE, actor=actor, obj=actor, object_repr=actor.username,
                 changes={KEY: ENROLMENT_STARTED})
    return device


@audited
def enrol_confirm(*, actor: User, code: str) -> tuple[Check, list[str]]:
    """Confirm the pending authenticator with its first code: it replaces any
    earlier one, and a new set of recovery codes is made (returned, to be
    shown once). A wrong code changes nothing but the device's throttle."""
    _lock_account(actor)
    device = TOTPDevice.objects.filter(user=actor, confirmed=False).order_by("-pk").first()
    if device is None:
        return Check(Outcome.NO_DEVICE), []
    check = _try(actor, device, _digits(code or "")[:12], gettext_noop("enrolment"))
    if not check.outcome.ok:
        return check, []
    TOTPDevice.objects.filter(user=actor).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit.record(AuditAction.UPDATE, actor=actor, obj=actor, object_repr=actor.username,
                 changes={KEY: ENROLLED})
    return check, recovery_codes_new(actor=actor)


@audited
def recovery_codes_new(*, actor: User) -> list[str]:
    """Ten new recovery codes (the old ones stop working); returned once, stored
    only as keyed hashes."""
    _lock_account(actor)
    StaticDevice.objects.filter(user=actor).delete()
    device = StaticDevice.objects.create(user=actor, name="recovery", confirmed=True)
    codes = [f"{raw[:4]}-{raw[4:]}" for raw in (StaticToken.random_token()
                                               for _ in range(RECOVERY_CODES))]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=_recovery_hash(c))
                                    for c in codes)
    audit.record(AuditAction.UPDATE, actor=actor, obj=actor, object_repr=actor.username,
                 changes={KEY: NEW_RECOVERY_CODES})
    return codes


# --- reset by a station head -----------------------------------------------------------

def may_reset(actor: Any) -> bool:
    """RESET_SECOND_FACTOR: the station head (their community's accounts) and
    administrators (MANAGE_STAFF too: any account)."""
    return isinstance(actor, User) and actor.is_authenticated and actor.has(
        Perm.RESET_SECOND_FACTOR)


def resettable(actor: User) -> models.QuerySet[User]:
    """The accounts whose second factor `actor` may reset: never their own."""
    if not may_reset(actor):
        return User.objects.none()
    accounts = User.objects.exclude(pk=actor.pk)
    if not actor.has(Perm.MANAGE_STAFF):
        if actor.community is None:
            return User.objects.none()
        # A head resets their staff, never another head, an administrator or
        # a superuser: one who knew such a colleague's password could then
        # enrol their own phone on that account. Those are the administrators'.
        accounts = accounts.filter(community=actor.community, is_superuser=False).exclude(
            role__in=(Role.HEAD, Role.ADMIN))
    return accounts.order_by("username")


@audited
def reset(*, actor: User, user: User) -> int:
    """Remove the account's authenticator and recovery codes and end all its
    sessions: its next login enrols again. Audited; the caller got `user`
    through `resettable(actor)`. Returns the sessions ended."""
    if not resettable(actor).filter(pk=user.pk).exists():
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    _lock_account(user)
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit.record(AuditAction.DELETE, actor=actor, obj=user, object_repr=user.username,
                 changes={KEY: RESET})
    return sessions.end_all_sessions(user, RESET_REASON, actor=actor)


# --- the login step ---------------------------------------------------------------

def verified(request: HttpRequest) -> bool:
    user = request.user
    return bool(getattr(user, "is_verified", lambda: False)())


def pending(request: HttpRequest) -> str:
    """"verify" or "enrol" when this session must give a second factor before
    anything else, else "". A session with no device to ask for (and none
    required) remembers it, so that check costs one query per login."""
    user = request.user
    if not getattr(user, "is_authenticated", False) or verified(request):
        return ""
    if request.session.get(NO_DEVICE) and not required(user):
        return ""
    if has_device(user):  # type: ignore[arg-type]
        return "verify"
    if required(user):
        return "enrol"
    request.session[NO_DEVICE] = True
    return ""


def enrolled(request: HttpRequest) -> int:
    """This session has just confirmed an authenticator: it no longer has "no
    device to ask for" (NO_DEVICE), so a later check asks for the device. The
    account's other sessions, logged in without it (some remember "no device"),
    end: they log in again with a code. Returns how many ended."""
    request.session.pop(NO_DEVICE, None)
    user = request.user
    assert isinstance(user, User)
    return sessions.end_other_sessions(actor=user, current_key=request.session.session_key,
                                       reason=ENROLLED_REASON)


def pending_url(request: HttpRequest, step: str) -> str:
    target = reverse("two_factor_verify" if step == "verify" else "two_factor_enrol")
    if request.method == "GET" and not request.headers.get("HX-Request"):
        target += "?" + urlencode({"next": request.get_full_path()})
    return target


_OPEN = ("two_factor_verify", "two_factor_enrol", "logout", "session_keepalive",
         "set_language", "favicon")


class SecondFactorMiddleware:
    """After OTPMiddleware and SessionLimitMiddleware: an account that owes a
    second factor reaches only the code and enrolment pages (and logout,
    the language switch, static files)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.open_paths: set[str] | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        step = pending(request)
        if not step or self._open(request.path):
            return self.get_response(request)
        target = pending_url(request, step)
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=200)
            response["HX-Redirect"] = target
            return response
        return HttpResponseRedirect(target)

    def _open(self, path: str) -> bool:
        if self.open_paths is None:
            self.open_paths = {reverse(name) for name in _OPEN}
        return path in self.open_paths or path.startswith("/" + settings.STATIC_URL.lstrip("/"))


def hide_from_admin() -> None:
    """django-otp registers its devices with the admin site, where the keys
    could be read and devices changed without an audit entry: they are managed
    only through these pages (called from CoreConfig.ready)."""
    from django.contrib import admin

    for model in (TOTPDevice, StaticDevice):
        if admin.site.is_registered(model):
            admin.site.unregister(model)


@receiver(user_logged_in)
def _logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    # A new login is asked again, whatever this browser's session said before.
    session = getattr(request, "session", None)
    if session is not None:
        session.pop(NO_DEVICE, None)
        if DEVICE_ID_SESSION_KEY in session and not getattr(user, "otp_device", None):
            del session[DEVICE_ID_SESSION_KEY]
