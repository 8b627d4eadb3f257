"""One's own API tokens (/account/api-tokens/): the list, a new token (after
a recent confirmation; its secret shown once, on the answer to the form, and
nowhere else), and revoking one. The rules are in jiayuan.api.tokens."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from jiayuan.api import tokens
from jiayuan.core import reauth
from jiayuan.core.access import as_id
from jiayuan.core.models import User


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=80,
                           help_text=gettext_lazy("What the token is for, e.g. “the 12345 platform”."))
    read_only = forms.BooleanField(label=gettext_lazy("Read only (it cannot change anything)"),
                                   required=False, initial=True)


def _me(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    """GET: one's tokens. POST `revoke=<id>`: revoke one of them."""
    user = _me(request)
    if request.method == "POST":
        token_id = as_id(request.POST.get("revoke"))
        try:
            if token_id is None:
                raise ValidationError(_("There is no such token of yours."))
            token = tokens.revoke_token(user, token_id)
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
        return redirect("account_api_tokens")
    return render(request, "core/api_tokens.html", {"tokens": tokens.tokens_of(user)})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
@reauth.requires_recent_confirmation(
    back=lambda request: reverse("account_api_token_new"))
def token_new(request: HttpRequest) -> HttpResponse:
    """A new token; its secret is in this one answer only (never stored, not
    in a URL, not in the session)."""
    user = _me(request)
    form = TokenForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_valid():
        try:
            token, secret = tokens.issue_token(user, name=form.cleaned_data["name"],
                                               read_only=form.cleaned_data["read_only"])
        except ValidationError as exc:
            form.add_error(None, exc)
            status = 400
        else:
            return render(request, "core/api_token_made.html",
                          {"token": token, "secret": secret})
    elif request.method == "POST":
        status = 400
    return render(request, "core/api_token_new.html", {"form": form}, status=status)
