"""The API's rate limit (docs/api.md, "Rate limits"): API_RATE_PER_MINUTE
requests per token per calendar minute (per account for a browser session).

Counted in the database (jiayuan.api.account.models.ApiRateCount), not in the
per-process cache, so the limit holds however many app servers answer. Over
the limit: 429 in the error shape, with Retry-After (seconds to the next
minute)."""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from jiayuan.api.account.models import ApiRateCount
from jiayuan.api.models import ApiToken
from jiayuan.api.settings import API_RATE_PER_MINUTE

# Rows of minutes older than this are deleted when a new minute's row is made.
KEEP_MINUTES = 5


def rate_per_minute() -> int:
    return int(getattr(settings, "API_RATE_PER_MINUTE", API_RATE_PER_MINUTE))


def _key(request: Request) -> str | None:
    if isinstance(request.auth, ApiToken):
        return f"t:{request.auth.pk}"
    user = request.user
    if user is not None and user.is_authenticated:
        return f"u:{user.pk}"
    return None  # not signed in: refused anyway (401), nothing to count


def count_request(key: str, minute: int) -> int:
    """Add one to `key`'s count for `minute`; the new count."""
    updated = ApiRateCount.objects.filter(key=key, minute=minute).update(count=F("count") + 1)
    if not updated:
        try:
            with transaction.atomic():
                ApiRateCount.objects.create(key=key, minute=minute, count=1)
        except IntegrityError:  # another server made the row first
            ApiRateCount.objects.filter(key=key, minute=minute).update(count=F("count") + 1)
        else:
            ApiRateCount.objects.filter(minute__lt=minute - KEEP_MINUTES).delete()
            return 1
    row = ApiRateCount.objects.filter(key=key, minute=minute).values_list("count", flat=True)
    return int(row.first() or 0)


class PerTokenRate(BaseThrottle):
    def allow_request(self, request: Request, view: Any) -> bool:
        key = _key(request)
        if key is None:
            return True
        now = timezone.now().timestamp()
        minute = int(now // 60)
        self._wait = 60 - (now - minute * 60)
        return count_request(key, minute) <= rate_per_minute()

    def wait(self) -> float | None:
        return float(max(1, math.ceil(getattr(self, "_wait", 60.0))))
