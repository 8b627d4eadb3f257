"""App servers keep nothing that matters in their memory (docs/deployment.md,
"Growing past one machine"): what a second server must see is in the database.
tests/core/test_two_servers.py shows it with two servers; these checks keep
the ways round it shut: Django's cache is per process (LocMemCache, since
CACHES is not set), so nothing may count, lock or remember in it."""

from __future__ import annotations

import re
from pathlib import Path

from axes.handlers.database import AxesDatabaseHandler  # type: ignore[import-untyped]
from django.conf import settings
from django.utils.module_loading import import_string
from rest_framework.throttling import SimpleRateThrottle

ROOT = Path(__file__).resolve().parents[2]
CACHE_USE = re.compile(r"django\.core\.cache|\bcache_page\b|\bcache_control\(|\bcaches\[")


def test_sessions_are_kept_in_the_database() -> None:
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"


def test_no_module_uses_the_per_process_cache() -> None:
    users = [str(path.relative_to(ROOT)) for path in (ROOT / "jiayuan").rglob("*.py")
             if CACHE_USE.search(path.read_text(encoding="utf-8"))]
    assert users == []


def test_login_failures_are_counted_in_the_database() -> None:
    assert issubclass(import_string(settings.AXES_HANDLER), AxesDatabaseHandler)


def test_the_api_rate_is_counted_in_the_database() -> None:
    classes = [import_string(name)
               for name in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]]
    assert classes and not any(issubclass(cls, SimpleRateThrottle) for cls in classes)


def test_messages_travel_with_the_request() -> None:
    # Cookie first, then the session (both shared); never a server's memory or disk.
    assert settings.MESSAGE_STORAGE == "django.contrib.messages.storage.fallback.FallbackStorage"
