"""A person's own account: changing the password (jiayuan.core.accounts). A
wrong current password counts towards the login lockout (jiayuan.core.lockout)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import password_validators_help_texts
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jiayuan.core import accounts, lockout
from jiayuan.core.views import submit


def _password(label: Any, autocomplete: str) -> forms.CharField:
    # Not stripped: a space is part of a password. The length rules are the
    # validators' (jiayuan.core.passwords); this only bounds what is read.
    return forms.CharField(label=label, strip=False, max_length=4096, widget=forms.PasswordInput(
        attrs={"autocomplete": autocomplete}))


class PasswordChangeForm(forms.Form):
    old_password = _password(_("Current password"), "current-password")
    new_password1 = _password(_("New password"), "new-password")
    new_password2 = _password(_("New password again"), "new-password")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        one, two = data.get("new_password1"), data.get("new_password2")
        if one and two and one != two:
            raise ValidationError({"new_password2": _("The two new passwords differ.")})
        return data


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST" and lockout.password_check_locked(request, user):
        return lockout.locked_out_of_session(request, user)
    form = PasswordChangeForm(request.POST if request.method == "POST" else None)

    def keep_this_session(user: Any) -> HttpResponse:
        # The other sessions of this account end; this one carries on.
        update_session_auth_hash(request, user)
        return redirect("home")

    done = submit(request, form,
                  lambda d: accounts.change_password(actor=request.user,  # type: ignore[arg-type]
                                                     old=d["old_password"],
                                                     new=d["new_password1"]),
                  gettext("Your password was changed. You stay logged in here; other "
                          "devices logged in to this account are logged out."),
                  keep_this_session)
    if (done is None and form.has_error("old_password", accounts.WRONG_PASSWORD)
            and lockout.password_check_failed(request, user)):
        return lockout.locked_out_of_session(request, user)
    return done or render(request, "core/password_change.html", {
        "form": form, "rules": password_validators_help_texts()})
