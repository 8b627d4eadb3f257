"""Sending the outbox: signing, one attempt, back-off, and the `webhooks` job.

Each body is signed with HMAC-SHA256 over f"{timestamp}.{body}" under the
subscription's secret and sent with

    X-Jiayuan-Signature: t=<unix seconds>,v1=<hex digest>
    X-Jiayuan-Event:     case.status_changed
    X-Jiayuan-Delivery:  <uuid, the same on every retry: dedupe on it>

over a direct connection to an address checked when it was resolved (see
jiayuan.api.webhooks.addresses: a host that is or turns private is refused
with `address_refused` and nothing is sent; no proxy is used; timeout 5 s per
socket operation; redirects are not followed: a 3xx is a failure). A 2xx is
delivered; anything else is retried after 1 min, 5 min, 30 min, 2 h and 12 h,
then the delivery has failed. Just before each attempt the account must still
see the case (desk.selectors.can_see: the pages' permission and scope), or
the delivery is dropped with that outcome and nothing leaves the station.

The `webhooks` job claims due deliveries in batches (a lease: next_attempt_at
moved past the end of the batch's sending time). Each attempt re-reads its row
under lock in a short transaction and sends only if the row is still pending
and still holds this run's lease (an overlapping run that took the row over
after the lease ran out sends it instead, once); the POST is made outside any
transaction, signed with the time it is sent, and its result recorded
afterwards in a transaction of its own.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import logging
import socket
import ssl
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from jiayuan.api.webhooks import addresses
from jiayuan.api.webhooks.models import DeliveryOutcome, WebhookDelivery
from jiayuan.core import crypto
from jiayuan.desk import selectors

logger = logging.getLogger(__name__)

TIMEOUT = 5  # seconds, per connect and per read
# At most this many of a host's addresses are tried, one after the other.
MAX_ADDRESSES = 2
# After the n-th failed attempt, wait BACKOFF[n-1]; after the last, give up.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
           timedelta(hours=2), timedelta(hours=12))
MAX_ATTEMPTS = len(BACKOFF) + 1
BATCH = 50
# A claimed batch is not picked again by an overlapping run for this long: the
# longest the batch can take to send (each attempt: up to MAX_ADDRESSES
# connects and one read, TIMEOUT each), plus a margin. Each attempt checks that
# it still holds the lease before sending, so a run that is slower still does
# not send twice.
LEASE = BATCH * timedelta(seconds=(MAX_ADDRESSES + 1) * TIMEOUT) + timedelta(minutes=2)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body,
                      hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to addresses already resolved and checked, never to whatever
    the host name resolves to now; the Host header still names the host."""

    def __init__(self, host: str, port: int, *, ips: list[addresses.IP],
                 timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.ips = ips[:MAX_ADDRESSES]

    def open_socket(self) -> socket.socket:
        error: OSError = OSError(f"{self.host} has no address")
        for ip in self.ips:
            try:
                return socket.create_connection((str(ip), self.port), self.timeout)
            except OSError as exc:
                error = exc
        raise error

    def connect(self) -> None:
        self.sock = self.open_socket()


class PinnedHTTPSConnection(PinnedHTTPConnection):
    """The same over TLS: the certificate is verified for the host name."""

    default_port = 443

    def connect(self) -> None:
        sock = self.open_socket()
        try:
            self.sock = tls_context().wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise


def tls_context() -> ssl.SSLContext:
    return ssl.create_default_context()


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
    """One POST: (status code or None, error code or "")."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None, "connection"
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return None, "scheme"  # checked when subscribing, too
    https = parts.scheme == "https"
    port = port or (443 if https else 80)
    try:
        ips = addresses.resolve(parts.hostname, port)
    except addresses.AddressRefused:
        return None, "address_refused"
    except (OSError, ValueError, UnicodeError):
        return None, "connection"
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    kind = PinnedHTTPSConnection if https else PinnedHTTPConnection
    conn = kind(parts.hostname, port, ips=ips, timeout=TIMEOUT)
    try:
        conn.request("POST", path, body=body, headers={
            "Content-Type": "application/json", "User-Agent": "Jiayuan-Webhooks/1",
            **headers})
        status = conn.getresponse().status
    except TimeoutError:
        return None, "timeout"
    except (OSError, http.client.HTTPException, ValueError):
        return None, "connection"
    finally:
        conn.close()
    return status, "" if 200 <= status < 300 else "http_status"


def body_of(delivery: WebhookDelivery) -> bytes:
    data = {**delivery.payload, "delivery": str(delivery.uid)}
    return json.dumps(data, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode()


def _take(pk: int, lease: datetime) -> WebhookDelivery | None:
    """The row, re-read under lock, if it is still pending and still holds
    this run's lease; None if it was sent, dropped or taken over meanwhile."""
    with transaction.atomic():
        row = WebhookDelivery.objects.select_for_update(of=("self",)).select_related(
            "subscription__user", "case").filter(pk=pk).first()
    if row is None or row.outcome != DeliveryOutcome.PENDING or row.next_attempt_at != lease:
        return None
    return row


def _record(pk: int, at: datetime, status: int | None, error: str, *,
            attempted: bool) -> str:
    """Save one attempt's (or drop's) result, in a short transaction of its own."""
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().filter(pk=pk).first()
        if delivery is None:  # the subscription was deleted meanwhile
            return DeliveryOutcome.DROPPED
        if not attempted:
            outcome = DeliveryOutcome.DROPPED
        elif status is not None and 200 <= status < 300:
            outcome = DeliveryOutcome.DELIVERED
        else:
            outcome = (DeliveryOutcome.FAILED if delivery.attempts + 1 >= MAX_ATTEMPTS
                       else DeliveryOutcome.PENDING)
        if attempted:
            delivery.attempts += 1
        delivery.last_status_code, delivery.last_error = status, error
        delivery.last_attempt_at, delivery.outcome = at, outcome
        delivery.next_attempt_at = (at + BACKOFF[delivery.attempts - 1]
                                    if outcome == DeliveryOutcome.PENDING else None)
        delivery.log = [*delivery.log, {"at": at.isoformat(), "status": status,
                                        "error": error, "outcome": outcome}]
        delivery.save(update_fields=["attempts", "last_status_code", "last_error",
                                     "last_attempt_at", "outcome", "next_attempt_at", "log"])
    logger.info("webhook delivery %s (%s) attempt %s: %s %s", delivery.uid, delivery.event,
                delivery.attempts, outcome, status or error)
    return outcome


def attempt(pk: int, lease: datetime) -> str | None:
    """Send (or drop) one claimed delivery and record the outcome; None (and
    nothing sent) if the row no longer holds `lease`. Must not run inside a
    transaction: the POST is made outside any."""
    delivery = _take(pk, lease)
    if delivery is None:
        return None
    sub = delivery.subscription
    if not (sub.user.is_active and selectors.can_see(sub.user, delivery.case)):
        return _record(pk, timezone.now(), None, "no_access", attempted=False)
    body = body_of(delivery)
    at = timezone.now()  # the time it is sent: the signature's, and the back-off's
    status, error = post(sub.url, body, {
        "X-Jiayuan-Signature": sign(crypto.decrypt(sub.secret_encrypted),
                                    int(at.timestamp()), body),
        "X-Jiayuan-Event": delivery.event,
        "X-Jiayuan-Delivery": str(delivery.uid)})
    return _record(pk, at, status, error, attempted=True)


def claim(now: datetime) -> tuple[list[int], datetime]:
    """Lease the due deliveries (at most BATCH): their ids and the lease's end,
    which only this claim set (a row is claimed again only once its lease has
    run out, and the next lease then ends at least LEASE later)."""
    lease = max(now, timezone.now()) + LEASE
    with transaction.atomic():
        ids = list(WebhookDelivery.objects.select_for_update(skip_locked=True).filter(
            outcome=DeliveryOutcome.PENDING, next_attempt_at__lte=now).order_by(
            "next_attempt_at", "pk").values_list("pk", flat=True)[:BATCH])
        WebhookDelivery.objects.filter(pk__in=ids).update(next_attempt_at=lease)
    return ids, lease


def step_webhooks(now: datetime) -> int:
    """The tick job: send every delivery due at `now`; returns how many
    attempts (or drops) it recorded. Each batch is claimed with a lease in a
    short transaction; each delivery is then re-checked under lock, POSTed
    outside any transaction (signed with the time of sending), and its outcome
    saved in a short transaction of its own."""
    done = 0
    while True:
        ids, lease = claim(now)
        for pk in ids:
            if attempt(pk, lease) is not None:
                done += 1
        if len(ids) < BATCH:
            return done
