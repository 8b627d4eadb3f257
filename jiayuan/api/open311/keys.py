"""Open311 client keys: issue, revoke, check. Only the SHA-256 of a key is
stored (keys are 32 random bytes, so a plain hash suffices)."""

from __future__ import annotations

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from jiayuan.api.models import Open311Key
from jiayuan.api.tokens import LAST_USED_GRAIN
from jiayuan.core import audit
from jiayuan.core.models import AuditAction

KEY_PREFIX = "o311_"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@audit.audited
def issue_key(*, name: str, username: str = "manage.py") -> tuple[Open311Key, str]:
    """A new key; returns it and its secret (never stored, shown once)."""
    name = " ".join((name or "").split())[:80]
    if not name:
        raise ValidationError({"name": _("Give the key a name, so you can tell it apart.")})
    prefix = secrets.token_hex(4)
    while Open311Key.objects.filter(prefix=prefix).exists():
        prefix = secrets.token_hex(4)
    secret = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    key = Open311Key.objects.create(name=name, prefix=prefix, key_hash=_digest(secret),
                                    created_at=timezone.now())
    audit.record(AuditAction.CREATE, obj=key, username=username,
                 changes={"name": name, "prefix": prefix})
    return key, secret


@audit.audited
def revoke_key(*, prefix: str, username: str = "manage.py") -> Open311Key:
    key = Open311Key.objects.select_for_update().filter(prefix=prefix).first()
    if key is None:
        raise ValidationError(_("There is no such key."))
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit.record(AuditAction.UPDATE, obj=key, username=username,
                     changes={"revoked": [False, True]})
    return key


def key_for_secret(secret: str) -> Open311Key | None:
    """The active key of this secret, or None; marks it used (at most once a minute)."""
    if not isinstance(secret, str) or not secret.startswith(KEY_PREFIX) or len(secret) > 200:
        return None
    key = Open311Key.objects.filter(key_hash=_digest(secret), revoked_at__isnull=True).first()
    if key is None:
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_GRAIN:
        Open311Key.objects.filter(pk=key.pk).update(last_used_at=now)
    return key
