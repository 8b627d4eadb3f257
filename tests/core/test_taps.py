"""core.taps: the time a tap queued on a phone was made, kept only when it is
plausible (the door's roll-call and check-in send it as `at`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from jiayuan.core.taps import QUEUE_WINDOW, tapped_at

NOW = datetime(2028, 2, 29, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _ms(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1000))


def test_it_keeps_the_time_of_a_tap_that_waited() -> None:
    tapped = NOW - timedelta(minutes=40, milliseconds=250)
    assert tapped_at(_ms(tapped), NOW) == tapped


def test_it_takes_a_tap_up_to_the_window_and_no_older() -> None:
    assert tapped_at(_ms(NOW - QUEUE_WINDOW), NOW) == NOW - QUEUE_WINDOW
    assert tapped_at(_ms(NOW - QUEUE_WINDOW - timedelta(seconds=1)), NOW) is None


def test_it_refuses_a_tap_from_the_future() -> None:
    assert tapped_at(_ms(NOW), NOW) == NOW
    assert tapped_at(_ms(NOW + timedelta(seconds=1)), NOW) is None


def test_it_refuses_what_is_not_a_time() -> None:
    for raw in (None, "", "abc", "-5", "1.5", "²", "9" * 30, str(2**63)):
        assert tapped_at(raw, NOW) is None, raw
