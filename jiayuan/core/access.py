"""Access helpers: fetch an object in the actor's scope or raise 404.

An out-of-scope object is a 404 exactly like a missing one; the attempt is
audited as a denied access so a head can see who is probing.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404

from jiayuan.core import audit
from jiayuan.core.compiled import Shape, actor_key, rows
from jiayuan.core.models import AuditAction, User
from jiayuan.core.roles import Perm

M = TypeVar("M", bound=models.Model)


def as_id(raw: Any) -> int | None:
    """A primary key from a form or a URL, or None: ASCII digits only (not
    "²", which `str.isdigit` accepts) and within a 64-bit key (SQLite
    overflows beyond it)."""
    text = str(raw if raw is not None else "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if 0 < value < 2**63 else None


def require(actor: User | AnonymousUser, perm: Perm) -> User:
    """403 (audited) unless `actor` is a signed-in account holding `perm`;
    returns it as that account (`user = require(request.user, perm)` types it)."""
    if not (isinstance(actor, User) and actor.is_authenticated and actor.has(perm)):
        audit.record(AuditAction.DENIED, actor=actor, object_type="permission",
                     object_id=str(perm), object_repr=str(perm))
        raise PermissionDenied
    return actor


def get_in_scope(actor: Any, scoped: models.QuerySet[M], pk: Any) -> M:
    """`scoped` is a queryset already filtered to the actor's scope."""
    pk = as_id(pk)
    if pk is None:
        raise Http404
    return _found(actor, scoped.model, pk, scoped.filter(pk=pk).first())


def _found(actor: Any, model: type[M], pk: int, obj: M | None) -> M:
    """`obj`, or 404: audited as denied when `pk` exists out of scope."""
    if obj is None:
        if model._default_manager.filter(pk=pk).exists():
            audit.record(AuditAction.DENIED, actor=actor, object_type=model._meta.label_lower,
                         object_id=pk, object_repr="")
        raise Http404
    return obj


Perms = Perm | tuple[Perm, ...]


def get_for(actor: Any, perm: Perms, scoped: models.QuerySet[M], pk: Any) -> M:
    """The one access call of a view that opens an object: the permission
    (403, audited) then the scope (404, audited when the object exists).
    Each app's `get_<thing>_for(actor, pk, perm=...)` selector calls this, so
    a view makes exactly one call and cannot get the order wrong. `perm` may
    be several permissions, all needed (a request opened from a visit needs
    the visit's and the desk's)."""
    for one in perm if isinstance(perm, tuple) else (perm,):
        require(actor, one)
    return get_in_scope(actor, scoped, pk)


def get_shaped_for(actor: Any, perm: Perms, model: type[M], shape: Shape, pk: Any) -> M:
    """`get_for` with the scoped read a `compiled.Shape` of (pk, actor=actor)
    giving the object in scope or nothing (`scoped.filter(pk=pk)[:1]`), keyed
    on the account (`actor_key`): the same checks in the same order, the same
    audit, the statement compiled once."""
    for one in perm if isinstance(perm, tuple) else (perm,):
        require(actor, one)
    pk = as_id(pk)
    if pk is None:
        raise Http404
    found = rows(shape(actor_key(actor), pk, actor=actor))
    return _found(actor, model, pk, found[0] if found else None)
