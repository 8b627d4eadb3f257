"""Audit logins and logouts.

A failed login writes no entry of its own (anyone can fail to log in, as often
as they like): django-axes counts failures, and the audit log gets one entry
when a lockout starts (jiayuan.core.lockout)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from jiayuan.core import audit
from jiayuan.core.middleware import client_ip
from jiayuan.core.models import AuditAction


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit.record(AuditAction.LOGIN, actor=user, ip=client_ip(request) if request else None,
                 object_type="core.user", object_id=user.pk, object_repr=user.username)


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        # A session ended by its idle or absolute limit says so (jiayuan.core.sessions).
        reason = getattr(request, "_jy_session_end_reason", "")
        audit.record(AuditAction.LOGOUT, actor=user,
                     ip=client_ip(request) if request else None,
                     object_type="core.user", object_id=user.pk, object_repr=user.username,
                     changes={"reason": reason} if reason else None)
