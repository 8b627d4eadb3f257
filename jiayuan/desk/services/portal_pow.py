"""The portal's proof of work: what lets a browser through once the whole
portal's hourly ceiling (PORTAL_MAX_PER_HOUR) is reached, instead of refusing
every resident for the rest of the hour.

The server issues a signed challenge (a random id, the difficulty and the time);
the browser (static/js/portal-pow.js) finds a nonce such that
sha256("<id>:<nonce>") starts with PORTAL_POW_BITS zero bits: about 2**bits
hashes, a fraction of a second for one person, a real cost for a script sending
thousands. The server checks it with one hash, and each challenge opens one
submission (the used ones are kept in PortalProof for the challenge's lifetime).
A browser without JavaScript gets the ordinary "try again later"."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from jiayuan.desk.models import PortalProof

POW_SALT = "jiayuan.desk.portal-pow"
POW_MAX_AGE = 15 * 60  # seconds a challenge may be answered in
MAX_NONCE = 32  # characters


@dataclass(frozen=True)
class Challenge:
    token: str  # signed: what the form sends back
    prefix: str  # what the browser hashes, with ":" and its nonce
    bits: int


def pow_challenge(*, now: float | None = None, bits: int | None = None) -> Challenge:
    """A fresh challenge (tests pass an earlier `now` or fewer `bits`)."""
    prefix = secrets.token_hex(8)
    bits = settings.PORTAL_POW_BITS if bits is None else bits
    issued = int(now if now is not None else time.time())
    token = signing.dumps({"c": prefix, "b": bits, "t": issued}, salt=POW_SALT)
    return Challenge(token, prefix, bits)


def leading_zero_bits(digest: bytes) -> int:
    value = int.from_bytes(digest, "big")
    return len(digest) * 8 - value.bit_length()


def pow_digest(prefix: str, nonce: str) -> bytes:
    return hashlib.sha256(f"{prefix}:{nonce}".encode()).digest()


def pow_solve(prefix: str, bits: int) -> str:
    """The first nonce that answers the challenge (what the browser does; for
    tests and the benchmark)."""
    n = 0
    while leading_zero_bits(pow_digest(prefix, str(n))) < bits:
        n += 1
    return str(n)


def pow_check(token: str, nonce: str, *, now: float | None = None) -> str | None:
    """The challenge's id when `nonce` answers `token` (ours, not older than
    POW_MAX_AGE, enough zero bits, never fewer than PORTAL_POW_BITS asks today);
    None otherwise. One hash: cheap. Says nothing of whether it was used."""
    if not token or not nonce or len(nonce) > MAX_NONCE:
        return None
    try:
        data = signing.loads(token, salt=POW_SALT)
        prefix, bits, issued = str(data["c"]), int(data["b"]), float(data["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    age = (now if now is not None else time.time()) - issued
    if not 0 <= age <= POW_MAX_AGE or bits < min(settings.PORTAL_POW_BITS, 256):
        return None
    return prefix if leading_zero_bits(pow_digest(prefix, nonce)) >= bits else None


def portal_pow_redeem(*, token: str, nonce: str, now: datetime | None = None) -> bool:
    """Use a proof of work: True once per answered challenge, False for a wrong,
    forged, expired or already used one. Used challenges older than their
    lifetime are pruned here, so the table stays small."""
    now = now or timezone.now()
    prefix = pow_check(token, nonce, now=now.timestamp())
    if prefix is None:
        return False
    PortalProof.objects.filter(at__lt=now - timedelta(seconds=POW_MAX_AGE)).delete()
    try:
        with transaction.atomic():  # a savepoint: a replay leaves the caller's transaction usable
            PortalProof.objects.create(challenge=prefix, at=now)
    except IntegrityError:
        return False
    return True
