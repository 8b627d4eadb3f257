"""Sending the outbox: signing, one attempt, back-off, and the `webhooks` job.

Each body is signed with HMAC-SHA256 over f"{timestamp}.{body}" under the
subscription's secret and sent with

    X-Jiayuan-Signature: t=<unix seconds>,v1=<hex digest>
    X-Jiayuan-Event:     case.status_changed
    X-Jiayuan-Delivery:  <uuid, the same on every retry: dedupe on it>

by urllib (timeout 5 s, redirects not followed: a 3xx is a failure). A 2xx is
delivered; anything else is retried after 1 min, 5 min, 30 min, 2 h and 12 h,
then the delivery has failed. Just before each attempt the account must still
see the case (desk.selectors.can_see: the pages' permission and scope), or
the delivery is dropped with that outcome and nothing leaves the station.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction

from jiayuan.api.webhooks.models import DeliveryOutcome, WebhookDelivery
from jiayuan.core import crypto
from jiayuan.desk import selectors

logger = logging.getLogger(__name__)

TIMEOUT = 5
# After the n-th failed attempt, wait BACKOFF[n-1]; after the last, give up.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
           timedelta(hours=2), timedelta(hours=12))
MAX_ATTEMPTS = len(BACKOFF) + 1
# A claimed delivery is not picked again by an overlapping run for this long.
LEASE = timedelta(minutes=2)
BATCH = 200


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body,
                      hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the 3xx comes back as an HTTPError


_opener = urllib.request.build_opener(_NoRedirect)


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
    """One POST: (status code or None, error code or "")."""
    if not url.startswith(("https://", "http://")):  # checked when subscribing, too
        return None, "scheme"
    # The scheme is checked above (and when subscribing).
    request = urllib.request.Request(url, data=body, method="POST", headers={  # noqa: S310
        "Content-Type": "application/json", "User-Agent": "Jiayuan-Webhooks/1", **headers})
    try:
        with _opener.open(request, timeout=TIMEOUT) as response:
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, "http_status"
    except TimeoutError:
        return None, "timeout"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, "timeout" if isinstance(reason, TimeoutError) else "connection"


def body_of(delivery: WebhookDelivery) -> bytes:
    data = {**delivery.payload, "delivery": str(delivery.uid)}
    return json.dumps(data, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode()


def attempt(delivery: WebhookDelivery, now: datetime) -> str:
    """Send (or drop) one claimed delivery and record the outcome."""
    sub = delivery.subscription
    entry: dict[str, Any] = {"at": now.isoformat()}
    if not (sub.user.is_active and selectors.can_see(sub.user, delivery.case)):
        status, error, outcome = None, "no_access", DeliveryOutcome.DROPPED
    else:
        body = body_of(delivery)
        status, error = post(sub.url, body, {
            "X-Jiayuan-Signature": sign(crypto.decrypt(sub.secret_encrypted),
                                        int(now.timestamp()), body),
            "X-Jiayuan-Event": delivery.event,
            "X-Jiayuan-Delivery": str(delivery.uid)})
        if status is not None and 200 <= status < 300:
            error, outcome = "", DeliveryOutcome.DELIVERED
        else:
            outcome = (DeliveryOutcome.FAILED if delivery.attempts + 1 >= MAX_ATTEMPTS
                       else DeliveryOutcome.PENDING)
        delivery.attempts += 1
    delivery.last_status_code, delivery.last_error = status, error
    delivery.last_attempt_at, delivery.outcome = now, outcome
    delivery.next_attempt_at = (now + BACKOFF[delivery.attempts - 1]
                                if outcome == DeliveryOutcome.PENDING else None)
    delivery.log = [*delivery.log, {**entry, "status": status, "error": error,
                                    "outcome": outcome}]
    delivery.save(update_fields=["attempts", "last_status_code", "last_error",
                                 "last_attempt_at", "outcome", "next_attempt_at", "log"])
    logger.info("webhook delivery %s (%s) attempt %s: %s %s", delivery.uid, delivery.event,
                delivery.attempts, outcome, status or error)
    return outcome


def _claim(now: datetime) -> list[int]:
    with transaction.atomic():
        ids = list(WebhookDelivery.objects.select_for_update(skip_locked=True).filter(
            outcome=DeliveryOutcome.PENDING, next_attempt_at__lte=now).order_by(
            "next_attempt_at", "pk").values_list("pk", flat=True)[:BATCH])
        WebhookDelivery.objects.filter(pk__in=ids).update(next_attempt_at=now + LEASE)
    return ids


def step_webhooks(now: datetime) -> int:
    """The tick job: send every due delivery; returns how many attempts (or
    drops) it recorded. Each delivery is claimed (a short lease), sent outside
    any transaction, and its outcome saved in a transaction of its own."""
    done = 0
    while ids := _claim(now):
        for delivery in WebhookDelivery.objects.filter(pk__in=ids).select_related(
                "subscription__user", "case").order_by("pk"):
            with transaction.atomic():
                attempt(delivery, now)
            done += 1
        if len(ids) < BATCH:
            break
    return done
