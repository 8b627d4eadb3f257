"""The browser tests share the journeys' Chromium set-up (tests/journeys/conftest.py)."""

from tests.journeys.conftest import browser  # noqa: F401 (fixture)
