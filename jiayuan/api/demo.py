"""A year of the API in the demo: the tokens staff made (one revoked), the key of
the district's 12345 hotline platform for Open311, and the case system of the
department the station refers to most subscribed to the answers of the referrals
sent to it, with a year of deliveries (most delivered, a few
retried, one that failed for good).

Written after every other module (the referrals must exist). The secrets are
thrown away: nobody can call with a demo token; staff make their own on the
tokens page (Account → API tokens)."""

from __future__ import annotations

import random
import secrets
from datetime import date, datetime, time, timedelta

from django.db.models import Count
from django.utils import timezone

from jiayuan.api import tokens
from jiayuan.api.models import ApiToken, Open311Key
from jiayuan.api.open311 import keys
from jiayuan.api.webhooks.events import payload
from jiayuan.api.webhooks.models import (
    DeliveryOutcome,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from jiayuan.core import audit, crypto
from jiayuan.core.models import AuditAction, User
from jiayuan.desk.models import Referral
from jiayuan.directory.models import Department

# (username, name, read only, days ago made, days ago last used or None, revoked days ago)
TOKENS = (
    ("head", "12345 热线平台对接", True, 300, 0, None),
    ("caseworker", "数据分析笔记本", True, 120, 3, None),
    ("caseworker", "旧的测试令牌", False, 340, 200, 190),
    ("gridworker", "手机巡查 App", False, 45, 1, None),
)
HOOK_URL = "https://cases.district.example.cn/hooks/jiayuan"


def _at(day: date, hour: int = 10) -> datetime:
    """That hour of that day, or now if it is still to come (a token used "today")."""
    return min(timezone.make_aware(datetime.combine(day, time(hour, 0))), timezone.now())


def write(today: date, staff: dict[str, User], seed: int) -> dict[str, int]:
    with audit.batch():  # inside the loader's transaction: the services join it
        return _write(today, staff, seed)


def _write(today: date, staff: dict[str, User], seed: int) -> dict[str, int]:
    rng = random.Random(seed * 7919 + 311)
    counts = {"api_token": 0, "open311_key": 0, "webhook_delivery": 0}
    for username, name, read_only, made, used, revoked in TOKENS:
        user = staff.get(username)
        if user is None:
            continue
        token, _secret = tokens.issue_token(user, name=name, read_only=read_only)
        ApiToken.objects.filter(pk=token.pk).update(
            created_at=_at(today - timedelta(days=made)),
            last_used_at=_at(today - timedelta(days=used), 9 + rng.randrange(8))
            if used is not None else None,
            revoked_at=_at(today - timedelta(days=revoked)) if revoked is not None else None)
        counts["api_token"] += 1
    # Issued on the server by `manage.py open311_key`, as a real key is.
    key, _secret = keys.issue_key(name="区 12345 市民服务热线平台", username="manage.py")
    Open311Key.objects.filter(pk=key.pk).update(
        created_at=_at(today - timedelta(days=280)), last_used_at=_at(today, 8))
    counts["open311_key"] = 1
    counts["webhook_delivery"] = _webhooks(today, staff, rng)
    return counts


def _webhooks(today: date, staff: dict[str, User], rng: random.Random) -> int:
    owner = staff.get("caseworker")
    # The bureau the station refers to most (human resources, in a station's usual year).
    busiest = (Referral.objects.filter(answered_at__isnull=False).values("department")
               .annotate(n=Count("id")).order_by("-n", "department").first())
    hrss = Department.objects.filter(pk=busiest["department"]).first() if busiest else None
    if owner is None or hrss is None:
        return 0
    # As subscription_create writes it (its address check would ask a DNS server,
    # which the demo's invented domain doesn't have).
    sub = WebhookSubscription.objects.create(
        user=owner, url=HOOK_URL, events=[WebhookEvent.REFERRAL_ANSWERED], department=hrss,
        secret_encrypted=crypto.encrypt("whsec_" + secrets.token_urlsafe(32)),
        created_at=_at(today - timedelta(days=330)))
    audit.record(AuditAction.CREATE, actor=owner, obj=sub,
                 changes={"url": HOOK_URL, "events": sub.events, "department": hrss.code})
    answered = (Referral.objects.filter(department=hrss, answered_at__isnull=False,
                                        answered_at__gte=sub.created_at)
                .select_related("case", "case__item").order_by("answered_at"))
    rows = []
    for referral in answered:
        at = referral.answered_at
        roll = rng.random()
        if roll < 0.9:
            outcome, attempts, code, error = DeliveryOutcome.DELIVERED, 1, 200, ""
        elif roll < 0.98:
            outcome, attempts, code, error = DeliveryOutcome.DELIVERED, 3, 200, ""
        else:
            outcome, attempts, code, error = DeliveryOutcome.FAILED, 6, 503, "http_status"
        last = at + timedelta(minutes=[0, 0, 6, 36, 156, 876][attempts - 1], seconds=2)
        rows.append(WebhookDelivery(
            subscription=sub, event=WebhookEvent.REFERRAL_ANSWERED, case=referral.case,
            payload=payload(WebhookEvent.REFERRAL_ANSWERED, referral.case,
                            department=hrss.code),
            created_at=at, attempts=attempts, last_status_code=code, last_error=error,
            last_attempt_at=last, next_attempt_at=None, outcome=outcome,
            log=[{"at": last.isoformat(), "status": code, "error": error}]))
    WebhookDelivery.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def reset() -> dict[str, int]:
    """Delete the demo's API rows (tokens and subscriptions go with their staff)."""
    deleted = WebhookDelivery.objects.all().delete()[0]
    subs = WebhookSubscription.objects.all().delete()[0] - deleted
    made = ApiToken.objects.all().delete()[0]
    keys_ = Open311Key.objects.all().delete()[0]
    return {"webhook_delivery": deleted, "webhook_subscription": max(subs, 0),
            "api_token": made, "open311_key": keys_}
