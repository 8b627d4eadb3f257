"""The door's check-in page counts the people checked in ("2 / 3 已签到"),
not under the sign-up field's label (签到时间, "checked in" as a time)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import translation

from jiayuan.places.models import Grid
from tests.engage.test_activities_services import make_session, portal
from tests.engage.test_activities_views import clock, staff

__all__ = ["clock"]


def test_the_check_in_count_reads_as_people_checked_in(personas: Any, grid_a: Grid,
                                                      clock: Any) -> None:
    session = make_session(personas["head"], grid_a, clock)
    portal(session, "甲")
    with translation.override("zh-hans"):
        assert translation.pgettext("people counted", "checked in") == "已签到"
    r = staff(personas["gridworker"]).get(reverse("checkin", args=[session.checkin_token]),
                                          HTTP_ACCEPT_LANGUAGE="zh-CN")
    text = r.content.decode()
    assert r.status_code == 200
    assert "/ 1 已签到" in text and "签到时间" not in text


def test_the_session_page_speaks_chinese_for_statuses_and_places(
        personas: Any, grid_a: Grid, clock: Any) -> None:
    """A sign-up's status (msgctxt "sign-up") and the session's capacity
    (msgctxt "capacity": 名额, not the places app's 地点) are translated."""
    session = make_session(personas["head"], grid_a, clock)
    portal(session, "甲")
    with translation.override("zh-hans"):
        assert translation.pgettext("sign-up", "Confirmed") == "已确认"
        assert translation.pgettext("sign-up", "On the waiting list") == "候补中"
        assert translation.pgettext("capacity", "Places") == "名额"
    with translation.override("zh-hant"):
        assert translation.pgettext("sign-up", "Confirmed") == "已確認"
    r = staff(personas["head"]).get(reverse("session_detail", args=[session.pk]),
                                    HTTP_ACCEPT_LANGUAGE="zh-CN")
    text = r.content.decode()
    assert r.status_code == 200
    assert "<dt>名额</dt>" in text and "已确认" in text and "Confirmed" not in text
