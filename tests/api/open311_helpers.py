"""Shared bits of the Open311 tests: a key, a form, a place."""

from __future__ import annotations

from typing import Any

from jiayuan.api.open311.keys import issue_key
from jiayuan.desk.models import ServiceItem

FIRST, LAST = "王", "秀英"
PHONE = "13912345678"
EMAIL = "xiuying@example.org"
SECRETS = (FIRST + LAST, f"{FIRST} {LAST}", LAST, PHONE, PHONE[-4:] and "139****5678", EMAIL)


def publish(item: ServiceItem) -> ServiceItem:
    """Services start hidden from Open311: the tests publish the ones they list."""
    item.open311_hidden = False
    item.save(update_fields=["open311_hidden"])
    return item


def new_key() -> str:
    return issue_key(name="test platform")[1]


def form(key: str, item: ServiceItem, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "api_key": key, "service_code": item.code, "description": "孩子需要入学\n九月开学",
        "first_name": FIRST, "last_name": LAST, "phone": PHONE, "email": EMAIL,
        "consent": "true", "lat": "31.3", "long": "120.6"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def assert_no_requester_data(body: str) -> None:
    for secret in SECRETS:
        assert secret not in body, f"{secret!r} appears in an Open311 answer"
