"""The second factor's pages (jiayuan.core.twofactor holds the rules) and the
confirmation page (jiayuan.core.reauth): the code after the password, the
enrolment, one's own status and recovery codes, a head's reset of a
colleague's factor, and "confirm it's you"."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext, pgettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from jiayuan.core import reauth, twofactor
from jiayuan.core.access import get_in_scope, require
from jiayuan.core.models import User
from jiayuan.core.roles import Perm
from jiayuan.core.twofactor import Outcome


class CodeForm(forms.Form):
    code = forms.CharField(label=pgettext_lazy("second factor", "Code"), max_length=64, strip=True,
                           widget=forms.TextInput(attrs={
                               "autocomplete": "one-time-code", "inputmode": "text",
                               "autocapitalize": "off", "spellcheck": "false",
                               "autofocus": True}))


class ConfirmForm(forms.Form):
    answer = forms.CharField(label=gettext_lazy("Password"), max_length=4096, strip=False,
                             widget=forms.PasswordInput(attrs={
                                 "autocomplete": "current-password", "autofocus": True}))


def _next(request: HttpRequest, default: str = "home") -> str:
    target = str(request.POST.get("next") or request.GET.get("next") or "")
    # Only a path on this site: not another host, not a URL name (which
    # `redirect` would try to reverse).
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, {request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    from django.shortcuts import resolve_url

    return resolve_url(default)


def refusal(check: twofactor.Check) -> str:
    """What a refused code tells the person (nothing about which part was wrong
    beyond what they can act on)."""
    if check.outcome is Outcome.REPLAYED:
        return _("That code was used already. Wait for the next code in your "
                 "authenticator app and enter it.")
    if check.outcome is Outcome.PAUSED:
        return ngettext("Too many wrong codes. Try again in %(n)d second.",
                        "Too many wrong codes. Try again in %(n)d seconds.",
                        check.wait_seconds) % {"n": check.wait_seconds}
    if check.outcome is Outcome.NO_DEVICE:
        return _("This account has no authenticator app set up.")
    return _("That code is not right. Check the time on your phone, and enter the "
             "code your authenticator app shows now, or a recovery code.")


@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The code after the password."""
    user = request.user
    assert isinstance(user, User)
    if twofactor.verified(request):
        return HttpResponseRedirect(_next(request))
    if not twofactor.has_device(user):
        return redirect("two_factor_enrol")
    form = CodeForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_valid():
        check = twofactor.check_code(actor=user, code=form.cleaned_data["code"])
        if check.outcome.ok:
            otp_login(request, twofactor.authenticator(user))
            if check.outcome is Outcome.RECOVERY:
                left = twofactor.recovery_left(user)
                messages.warning(request, ngettext(
                    "You used a recovery code; %(n)d is left. Make new ones on your "
                    "second factor page.",
                    "You used a recovery code; %(n)d are left. Make new ones on your "
                    "second factor page.", left) % {"n": left})
            return HttpResponseRedirect(_next(request))
        form.add_error("code", refusal(check))
        status = 429 if check.outcome is Outcome.PAUSED else 400
    elif request.method == "POST":
        status = 400
    return render(request, "core/two_factor_verify.html",
                  {"form": form, "next": _next(request), "second_factor_pending": True},
                  status=status)


def _replacing(request: HttpRequest) -> bool:
    """Replacing a device that this session gave (else the code page first)."""
    return twofactor.has_device(request.user) and twofactor.verified(request)  # type: ignore[arg-type]


@login_required
@require_http_methods(["GET", "POST"])
@reauth.requires_recent_confirmation(when=_replacing)
def enrol(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: the QR code and the key typed, then its
    first code; the recovery codes are shown once on success."""
    user = request.user
    assert isinstance(user, User)
    has = twofactor.has_device(user)
    if has and not twofactor.verified(request):
        # Replacing a device needs the device: the code page first.
        return redirect("two_factor_verify")
    device = twofactor.enrol_start(actor=user)
    form = CodeForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_valid():
        check, codes = twofactor.enrol_confirm(actor=user, code=form.cleaned_data["code"])
        if check.outcome.ok:
            device.refresh_from_db()
            otp_login(request, device)
            ended = twofactor.enrolled(request)
            if ended:
                messages.info(request, ngettext(
                    "Your other session was ended: it logs in again with a code.",
                    "Your %(n)d other sessions were ended: they log in again with a code.",
                    ended) % {"n": ended})
            return render(request, "core/two_factor_codes.html", {
                "codes": codes, "next": _next(request), "enrolled": True})
        form.add_error("code", refusal(check))
        status = 429 if check.outcome is Outcome.PAUSED else 400
    elif request.method == "POST":
        status = 400
    return render(request, "core/two_factor_enrol.html", {
        "form": form, "qr": twofactor.qr_svg(device), "secret": twofactor.secret_text(device),
        "next": _next(request), "replacing": has,
        # A forced enrolment (the middleware's "enrol"): no menu yet.
        "second_factor_pending": bool(twofactor.pending(request))}, status=status)


@login_required
@require_http_methods(["GET"])
def status(request: HttpRequest) -> HttpResponse:
    """One's own second factor: set up or not, recovery codes left."""
    user = request.user
    assert isinstance(user, User)
    device = twofactor.authenticator(user)
    return render(request, "core/two_factor.html", {
        "device": device, "required": twofactor.required(user),
        "recovery_left": twofactor.recovery_left(user) if device else 0,
        "may_reset": twofactor.may_reset(user)})


@login_required
@require_POST
@reauth.requires_recent_confirmation(
    when=lambda request: twofactor.has_device(request.user),
    back=lambda _request: _path("two_factor"),
    message=gettext_noop("Confirm it is you, then ask for new recovery codes again."))
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes (after a fresh confirmation), shown once."""
    user = request.user
    assert isinstance(user, User)
    if not twofactor.has_device(user):
        messages.error(request, _("Set up an authenticator app first."))
        return redirect("two_factor")
    codes = twofactor.recovery_codes_new(actor=user)
    return render(request, "core/two_factor_codes.html", {"codes": codes,
                                                          "next": _path("two_factor")})


def _path(name: str) -> str:
    from django.urls import reverse

    return reverse(name)


@login_required
@require_http_methods(["GET"])
def staff(request: HttpRequest) -> HttpResponse:
    """A station head's list of colleagues' second factors, to reset one."""
    user = require(request.user, Perm.RESET_SECOND_FACTOR)  # 403, audited
    accounts = list(twofactor.resettable(user).filter(is_active=True))
    enrolled = set(twofactor.TOTPDevice.objects.filter(
        user__in=accounts, confirmed=True).values_list("user_id", flat=True))
    return render(request, "core/two_factor_staff.html", {
        "rows": [(account, account.pk in enrolled) for account in accounts]})


def _resettable(request: HttpRequest, pk: int) -> User:
    user = require(request.user, Perm.RESET_SECOND_FACTOR)  # 403, audited
    return get_in_scope(user, twofactor.resettable(user), pk)  # 404 (audited) otherwise


@login_required
@require_POST
# Resetting lets the account enrol a new phone at its next login: like an
# erasure, it needs a fresh confirmation; the list is the page to come back to.
@reauth.requires_recent_confirmation(
    when=lambda request, pk: bool(_resettable(request, pk)),
    back=lambda _request, pk: _path("two_factor_staff"),
    message=gettext_noop("Confirm it is you, then reset the second factor again."))
def staff_reset(request: HttpRequest, pk: int) -> HttpResponse:
    target = _resettable(request, pk)
    user = request.user
    assert isinstance(user, User)
    ended = twofactor.reset(actor=user, user=target)
    messages.success(request, ngettext(
        "The second factor of %(name)s was reset and %(n)d session ended: they set up "
        "an authenticator app at their next login.",
        "The second factor of %(name)s was reset and %(n)d sessions ended: they set up "
        "an authenticator app at their next login.", ended) % {
        "name": target.username, "n": ended})
    return redirect("two_factor_staff")


@login_required
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest) -> HttpResponse:
    """"Confirm it's you": the password, or a code when the account has an
    authenticator; then back to `next`."""
    user = request.user
    assert isinstance(user, User)
    asks_code = reauth.asks_code(user)
    form: forms.Form = (CodeForm if asks_code else ConfirmForm)(
        request.POST if request.method == "POST" else None)
    status = 200
    if form.is_valid():
        answer = form.cleaned_data["code" if asks_code else "answer"]
        check = reauth.confirm(request, answer=answer)
        if check is None:
            messages.error(request, _("Too many wrong answers: you were logged out. "
                                      "Log in again."))
            return redirect("login")
        if check.outcome.ok:
            return HttpResponseRedirect(_next(request))
        if asks_code:
            form.add_error("code", refusal(check))
        else:
            form.add_error("answer", _("That is not your password."))
        status = 400
    elif request.method == "POST":
        status = 400
    return render(request, "core/reauth_confirm.html", {
        "form": form, "next": _next(request), "asks_code": asks_code}, status=status)
