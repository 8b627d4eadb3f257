"""Deployment checks of the desk (`manage.py check --deploy`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def site_url_is_public(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    """Referral letters and digest e-mails carry links built from SITE_URL: a
    loopback or plain-http address sends departments and staff nowhere."""
    url = settings.SITE_URL
    if url.startswith("https://") and not any(
            host in url for host in ("127.0.0.1", "localhost", "[::1]")):
        return []
    return [Warning(
        f"SITE_URL is {url!r}: links in referral letters and e-mails will not work.",
        hint="Set SITE_URL to the site's public https address, e.g. "
             "https://jiayuan.example.org", id="jiayuan.W001")]
