"""Mainland China phone numbers: mobiles and landlines.

Canonical forms: a mobile is its 11 digits (``13800138000``); a landline is the
area code with its leading 0, a dash, and the 7- or 8-digit local number
(``0512-57671234``, ``010-62345678``).
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext_lazy as _

from jiayuan.lib._i18n import LibError

__all__ = ["PhoneError", "mask_phone", "normalize_phone", "phone_last4"]

# Separators people type inside numbers; NFKC has already folded the full-width ones.
_SEPARATORS = re.compile(r"[\s\-()\u2010-\u2015]")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
# Area codes: 010 and 020-029 have three digits, all others four (03xx-09xx).
# Local numbers have 7 or 8 digits and never start with 0 or 1.
_LANDLINE = re.compile(r"(010|02[0-9]|0[3-9][0-9]{2})([2-9][0-9]{6,7})")
_CANONICAL_LANDLINE = re.compile(r"(0[0-9]{2,3})-([0-9]{7,8})")


class PhoneError(LibError):
    """A phone number is invalid; ``code`` is one of ``format``, ``mobile``,
    ``landline``."""


def _strip_country_code(digits: str) -> tuple[str, bool]:
    """Remove a leading +86 / 0086 / 86; return (rest, whether one was removed)."""
    if digits.startswith("+86"):
        return digits[3:], True
    if digits.startswith("0086"):
        return digits[4:], True
    # A bare "86" is only a country code when what follows is a whole mobile number;
    # otherwise it could be the start of a local number.
    if digits.startswith("86") and _MOBILE.fullmatch(digits[2:]):
        return digits[2:], True
    return digits, False


def normalize_phone(raw: str) -> str:
    """Validate a phone number as typed and return its canonical form.

    Full-width characters are folded; spaces, dashes and parentheses are ignored; a
    leading ``+86``, ``0086`` or ``86`` is dropped. International landline notation
    (``+86 512 5767 1234``) gets its trunk 0 back.
    """
    text = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw))
    if not text:
        raise PhoneError(_("Enter a phone number."), "format")
    digits, international = _strip_country_code(text)
    if not digits.isascii() or not digits.isdigit():
        raise PhoneError(
            _("A phone number may contain only digits, spaces, dashes and a leading +86."),
            "format",
        )
    if international and digits.startswith("10") and not _MOBILE.fullmatch(digits):
        digits = "0" + digits  # Beijing (area code 010) written as +86 10 …
    if digits.startswith("1"):
        if _MOBILE.fullmatch(digits):
            return digits
        raise PhoneError(
            _("A mobile number has 11 digits and starts with 13 to 19."),
            "mobile",
        )
    if international and not digits.startswith("0"):
        # After the country code the area code is written without its trunk 0.
        digits = "0" + digits
    if digits.startswith("0"):
        match = _LANDLINE.fullmatch(digits)
        if match:
            return f"{match.group(1)}-{match.group(2)}"
        raise PhoneError(
            _(
                "A landline number is an area code (such as 010 or 0512) followed by "
                "a 7- or 8-digit local number."
            ),
            "landline",
        )
    if 7 <= len(digits) <= 8:
        raise PhoneError(
            _("Add the area code to the landline number, for example 0512-57671234."),
            "landline",
        )
    raise PhoneError(
        _(
            "This is not a mainland China phone number: a mobile starts with 1, "
            "a landline with its area code."
        ),
        "format",
    )


def _canonical_or_none(p: str) -> str | None:
    try:
        return normalize_phone(p)
    except PhoneError:
        return None


def mask_phone(p: str) -> str:
    """Mask a phone number for display: ``138****5678``, ``0512-****1234``.

    Accepts canonical or raw input. Something that is not a valid number (legacy
    data) still gets masked: all but its last four characters become ``*``.
    """
    canonical = _canonical_or_none(p)
    if canonical is None:
        compact = "".join(p.split())
        return "*" * max(len(compact) - 4, 0) + compact[-4:]
    match = _CANONICAL_LANDLINE.fullmatch(canonical)
    if match:
        area, local = match.groups()
        return f"{area}-{'*' * (len(local) - 4)}{local[-4:]}"
    return canonical[:3] + "****" + canonical[-4:]


def phone_last4(p: str) -> str:
    """The last four digits (used for look-ups and to confirm identity by phone)."""
    folded = unicodedata.normalize("NFKC", p)
    digits = "".join(ch for ch in folded if ch.isascii() and ch.isdigit())
    return digits[-4:]
