"""Shared bits of the column's tests: a fixed day and a post maker."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from jiayuan.core.models import User
from jiayuan.engage.column import services
from jiayuan.engage.column.models import Post
from tests.conftest import station_moment

DAY = date(2026, 3, 2)
NOW = station_moment(DAY)


def texts(**extra: str) -> dict[str, str]:
    return {"title_zh_hans": "居住证办理", "body_zh_hans": "持居住证可享受基本公共服务。", **extra}


def make_post(actor: User, *, now: Any = NOW, publish_on: date | None = DAY,
              unpublish_on: date | None = None, review_by: date | None = None,
              **extra: str) -> Post:
    return services.post_create(actor=actor, category="policy", texts=texts(**extra),
                                publish_on=publish_on, unpublish_on=unpublish_on,
                                review_by=review_by, now=now)


def later(days: int) -> Any:
    return NOW + timedelta(days=days)
