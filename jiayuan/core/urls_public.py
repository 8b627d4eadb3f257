"""The public address of a page, for anything printed or handed out: a QR code
on a poster, a certificate or a contact card, the door's check-in code, a
volunteer's personal link, a resident's status link, a link in a letter or an
e-mail.

Always built from settings.SITE_URL, never from the request: staff may work
through an internal host name (or 127.0.0.1) that a resident's phone cannot
reach, and paper outlives the request it was printed from."""

from __future__ import annotations

from django.conf import settings


def public_url(path: str) -> str:
    """`path` (from reverse(), starting with "/") on the site's public address."""
    if not path.startswith("/"):
        raise ValueError(f"public_url() takes a path from reverse(), not {path!r}")
    return settings.SITE_URL + path
