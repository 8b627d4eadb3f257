"""System checks of the desk: `manage.py check`, and `check --deploy` for the
ones that only matter on a public server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


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


def _public_roots() -> list[tuple[str, Path]]:
    """Directories whose files the site hands out by URL: collected static files,
    the static source directories (WhiteNoise serves them with
    WHITENOISE_USE_FINDERS), WhiteNoise's root, and MEDIA_ROOT when set."""
    roots = [("STATIC_ROOT", settings.STATIC_ROOT),
             ("WHITENOISE_ROOT", getattr(settings, "WHITENOISE_ROOT", None)),
             ("MEDIA_ROOT", settings.MEDIA_ROOT)]
    for entry in settings.STATICFILES_DIRS:
        # An entry is a path or a (URL prefix, path) pair.
        path = entry[1] if isinstance(entry, (list, tuple)) else entry
        roots.append(("STATICFILES_DIRS", path))
    return [(name, Path(path).resolve()) for name, path in roots if path]


@register(Tags.security)
def private_media_is_private(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Case documents (ID cards, certificates) must never be reachable by URL:
    PRIVATE_MEDIA_ROOT may not be, or lie inside, a directory the site serves."""
    private = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
    return [Error(
        f"PRIVATE_MEDIA_ROOT ({private}) is inside {name} ({root}): uploaded case "
        "documents would be served to anyone who guesses their address.",
        hint="Set PRIVATE_MEDIA_ROOT to a directory outside every static and media "
             "directory, e.g. /var/lib/jiayuan/private (docs/deployment.md).",
        id="jiayuan.E001") for name, root in _public_roots()
        if private == root or root in private.parents]
