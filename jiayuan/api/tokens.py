"""Issuing, revoking and checking API tokens: the one place each happens.

Views (the account page), the API's authentication and tests all call these.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from jiayuan.api.models import ApiToken
from jiayuan.core import audit, locks
from jiayuan.core.models import AuditAction, User

TOKEN_PREFIX = "jy_"  # noqa: S105 (a marker, not a secret)
# A token's last use is written at most this often: a busy client doesn't
# turn every read into a write.
LAST_USED_GRAIN = timedelta(minutes=1)
MAX_ACTIVE_TOKENS = 20


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@audit.audited
def issue_token(actor: User, *, name: str, read_only: bool = False) -> tuple[ApiToken, str]:
    """A new token for `actor` itself; returns it and its secret, which is
    never stored and cannot be shown again."""
    if not (isinstance(actor, User) and actor.is_authenticated and actor.is_active):
        raise PermissionDenied
    name = " ".join((name or "").split())[:80]
    if not name:
        raise ValidationError({"name": _("Give the token a name, so you can tell it apart.")})
    # Counted and issued one at a time per account: two requests at once would
    # both count 19 and make 21.
    locks.hold(locks.per_user(locks.API_TOKENS, actor.pk))
    if ApiToken.objects.filter(user=actor, revoked_at__isnull=True).count() >= MAX_ACTIVE_TOKENS:
        raise ValidationError(_("You have %(n)d tokens in use; revoke one you no longer need.")
                              % {"n": MAX_ACTIVE_TOKENS})
    prefix = secrets.token_hex(4)
    while ApiToken.objects.filter(prefix=prefix).exists():  # 1 in 4 billion
        prefix = secrets.token_hex(4)
    secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(user=actor, name=name, prefix=prefix,
                                    key_hash=_digest(secret), read_only=read_only,
                                    created_at=timezone.now())
    audit.record(AuditAction.CREATE, actor=actor, obj=token,
                 changes={"name": name, "read_only": read_only, "prefix": prefix})
    return token, secret


@audit.audited
def revoke_token(actor: User, token_id: int) -> ApiToken:
    """Revoke one of `actor`'s own tokens (a 404-like refusal for anyone
    else's: nobody revokes, or learns of, a colleague's token here)."""
    token = (ApiToken.objects.select_for_update()
             .filter(pk=token_id, user=actor).first())
    if token is None:
        raise ValidationError(_("There is no such token of yours."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(AuditAction.UPDATE, actor=actor, obj=token,
                     changes={"revoked": [False, True]})
    return token


def user_for_secret(secret: str) -> tuple[User, ApiToken] | None:
    """The active account and token a secret belongs to, or None. Marks the
    token used (at most once per LAST_USED_GRAIN)."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = (ApiToken.objects.select_related("user")
             .filter(key_hash=_digest(secret), revoked_at__isnull=True).first())
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_GRAIN:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token.user, token


def tokens_of(actor: User) -> list[ApiToken]:
    """`actor`'s tokens: those in use first (on every database), newest first."""
    return list(ApiToken.objects.filter(user=actor).order_by(
        F("revoked_at").asc(nulls_first=True), "-created_at"))
