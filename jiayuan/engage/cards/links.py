"""The signed short link a card's QR code carries: `/c/<code>.<sig>/`.

The code is random (models.new_code); the signature (an HMAC of the code
with the site's secret key) means a link cannot be made up from a guessed
code, and a link whose code or signature was changed is refused (404)."""

from __future__ import annotations

import base64

from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

from jiayuan.core.urls_public import public_url
from jiayuan.engage.cards.models import CardLink

SALT = "jiayuan.engage.cards.link"
SEP = "."
SIG_LENGTH = 12  # 72 bits: short enough for a small QR code, far beyond guessing


def _sig(code: str) -> str:
    digest = salted_hmac(SALT, code, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).decode()[:SIG_LENGTH]


def card_token(link: CardLink | str) -> str:
    code = link if isinstance(link, str) else link.code
    return f"{code}{SEP}{_sig(code)}"


def code_from_token(token: str) -> str | None:
    """The code of a genuine token, else None (forged, tampered, truncated)."""
    code, sep, sig = (token or "").rpartition(SEP)
    if not sep or not code or not constant_time_compare(sig, _sig(code)):
        return None
    return code


def card_path(link: CardLink) -> str:
    return reverse("card_short", kwargs={"code": card_token(link)})


def card_url(link: CardLink) -> str:
    """The whole address printed as the QR code."""
    return public_url(card_path(link))
