"""Optimistic locking for records two people may edit at once.

A form carries the version of the record it was loaded from; the service
claims the next version under a row lock, or refuses with a `Conflict` that
says who changed the record and when. One rule for households, people,
cases and disputes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from jiayuan.core.models import AuditAction, AuditEntry, User

M = TypeVar("M", bound=models.Model)


class Conflict(ValidationError):
    """Someone else saved the record since the user loaded it."""


def last_change(obj: models.Model) -> tuple[str, datetime] | None:
    """(who, when) of the latest audited write to `obj`, for a Conflict
    message; None when the log holds none (a row written by an import, say)."""
    entry = (AuditEntry.objects.filter(object_type=obj._meta.label_lower,
                                       object_id=str(obj.pk))
             .exclude(action__in=[AuditAction.VIEW_SENSITIVE, AuditAction.REVEAL])
             .order_by("-seq").only("actor_id", "actor_username", "at").first())
    if entry is None:
        return None
    user = User.objects.filter(pk=entry.actor_id).first() if entry.actor_id else None
    who = user.display_name if user is not None else (entry.actor_username or _("the system"))
    return who, entry.at


def conflict(obj: models.Model, what: str) -> Conflict:
    """The Conflict for `obj`, naming `what` ("this case (ZJJ-2026-00012)")."""
    change = last_change(obj)
    if change is None:
        text = _("Someone else changed %(what)s after you opened this form. Nothing you "
                 "entered was saved.") % {"what": what}
    else:
        who, when = change
        text = _("%(who)s changed %(what)s at %(when)s, after you opened this form. "
                 "Nothing you entered was saved.") % {
            "who": who, "what": what,
            "when": formats.date_format(timezone.localtime(when), "Y-m-d H:i")}
    keep = _("Your entries are kept below: check them against the record as it is now, "
             "then save again.")
    return Conflict([ValidationError(text, code="conflict"),
                     ValidationError(keep, code="conflict")])


def claim(obj: M, expected_version: Any, what: str) -> M:
    """Lock `obj`'s row, check it is still the version the user loaded, and
    claim the next version (written now, inside the caller's transaction).

    `expected_version` None means the caller loaded nothing to compare (a
    command, a scheduled job); every form and the API pass one. Returns the
    re-read, locked row; `obj.version` is updated too.
    """
    model = type(obj)
    locked = model._default_manager.select_for_update().get(pk=obj.pk)
    if expected_version is not None:
        try:
            expected = int(expected_version)
        except (TypeError, ValueError):
            expected = -1
        if expected != locked.version:  # type: ignore[attr-defined]
            raise conflict(locked, what)
    model._default_manager.filter(pk=obj.pk).update(version=F("version") + 1)
    locked.version += 1  # type: ignore[attr-defined]
    obj.version = locked.version  # type: ignore[attr-defined]
    return locked
