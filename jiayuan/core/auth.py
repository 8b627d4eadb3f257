"""Logging in. Django's model backend and login form, with one rule added: the
demo password is public, so it opens an account only while demo mode is on. A
database loaded by `make demo` and later served without JIAYUAN_DEMO keeps its
demo accounts shut until someone sets real passwords."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm

DEMO_PASSWORD = "jiayuan-demo"  # noqa: S105 - public; works only when DEMO_MODE is on


def is_shut_demo_password(password: str | None) -> bool:
    return password == DEMO_PASSWORD and not settings.DEMO_MODE


class Backend(ModelBackend):
    def authenticate(self, request: Any, username: str | None = None,
                     password: str | None = None, **kwargs: Any) -> Any:
        if is_shut_demo_password(password):
            return None  # counted and audited as a failed login
        return super().authenticate(request, username=username, password=password, **kwargs)


class LoginForm(AuthenticationForm):
    """Says why the demo password was refused, instead of "didn't match"."""

    demo_password = False

    def clean(self) -> dict[str, Any]:
        self.demo_password = is_shut_demo_password(self.cleaned_data.get("password"))
        return super().clean()
