"""Logging in. Django's model backend and login form, with one rule added: the
demo password is public, so it opens an account only while demo mode is on. A
database loaded by `make demo` and later served without JIAYUAN_DEMO keeps its
demo accounts shut until someone sets real passwords."""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.hashers import check_password

DEMO_PASSWORD = "jiayuan-demo"  # noqa: S105 - public; works only when DEMO_MODE is on


def is_shut_demo_password(password: str | None) -> bool:
    return password == DEMO_PASSWORD and not settings.DEMO_MODE


@functools.lru_cache(maxsize=4096)
def _is_demo_hash(encoded: str) -> bool:
    """Whether a stored password hash is the demo password's. Hashing is slow
    by design, so each stored hash is checked once per process."""
    return bool(encoded) and check_password(DEMO_PASSWORD, encoded)


class Backend(ModelBackend):
    def authenticate(self, request: Any, username: str | None = None,
                     password: str | None = None, **kwargs: Any) -> Any:
        if is_shut_demo_password(password):
            return None  # counted and audited as a failed login
        return super().authenticate(request, username=username, password=password, **kwargs)

    def get_user(self, user_id: Any) -> Any:
        """A session opened with the demo password while demo mode was on ends
        when the same database is served without it."""
        user = super().get_user(user_id)
        if user is not None and not settings.DEMO_MODE and _is_demo_hash(user.password):
            return None
        return user


class LoginForm(AuthenticationForm):
    """Says why the demo password was refused, instead of "didn't match"."""

    demo_password = False

    def clean(self) -> dict[str, Any]:
        self.demo_password = is_shut_demo_password(self.cleaned_data.get("password"))
        return super().clean()
