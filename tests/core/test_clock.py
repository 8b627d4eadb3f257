"""The test session's clock (tests/conftest.py): JIAYUAN_TEST_TODAY moves it,
the demo tests' fixture travels to DEMO_TODAY."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import DEMO_TODAY, moved_today


def test_the_session_runs_on_the_day_jiayuan_test_today_names() -> None:
    day = moved_today()
    if day is None:
        pytest.skip("JIAYUAN_TEST_TODAY is not set: the real clock")
    # Started at 10:00 station time and ticking: still that day for hours.
    assert timezone.localdate() == day
    assert timezone.now().date() == day  # UTC agrees (02:00 UTC at the start)


def test_the_demo_fixture_travels_to_the_demo_day_and_back(demo_today) -> None:
    assert demo_today == DEMO_TODAY == timezone.localdate()
    assert timezone.localtime().hour >= 10
    before = timezone.now()
    time.sleep(0.01)
    assert timedelta(0) < timezone.now() - before < timedelta(seconds=60)  # ticking
